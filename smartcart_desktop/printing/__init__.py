"""Printing the receipt the backend issued on the kiosk's own ESC/POS printer."""
