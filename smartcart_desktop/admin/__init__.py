"""The admin panel: behind the admin PIN, traded at the backend for the admin token.

`AdminEntry` is the only piece the main window knows: it adds the "Admin…" action and the
long-press, asks for the PIN, and owns the panel while it is unlocked.
"""
