"""The payment-provider boundary: one small interface per capability (DESIGN.md §11).

- card not present (`card_not_present.py`): today's charges by typed card or UPI id;
- UPI dynamic QR (`upi_qr.py`): create for an exact amount with an expiry, look up, close, refund;
- card terminal (`card_terminal.py`): start on terminal T, look up, cancel, refund.
Every call is keyed by the session's one idempotency key. `selection.py` picks the
implementations by settings; `simulator.py` speaks HTTP to the bundled simulator.
"""
