"""Several backend processes on one database: who each process is, and which payments it owns."""
