"""Watching a running backend: readiness checks and Prometheus metrics."""
