"""Offline-first kiosks that replicate to the fleet server (issue 17, item 2).

- outbox.py     on the kiosk: which sessions changed, in commit order, filled by the change's own
                transaction; never-reused sequence numbers
- snapshot.py   a session as it is sent: its row, every event, its order
- forwarder.py  on the kiosk: sends the outbox in seq order, deletes what the server acknowledged
- apply.py      on the server: applies a kiosk's batch once, idempotent on (kiosk, seq)
- backfill.py   on the kiosk: queues the sessions it had before sync was turned on (cli.py)

The kiosk's own SQLite stays the truth for its payments; the server keeps read-only replicas
(payment_sessions.replica) that no pass, reconciler or request of the server moves.
"""
