"""Refunds of COMPLETED payments (issue 15): full or partial, never more than was taken, exactly
once at the gateway across lost replies and crashes.

- records.py   the plain records the data layer hands out
- service.py   what POST /api/payments/session/{id}/refund does: intent first, then the gateway
- recovery.py  the pass that finishes refunds left pending (at start-up, then periodically)
The rows live in backend/db/refunds.py.
"""
