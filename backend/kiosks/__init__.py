"""Kiosk identity: each kiosk of a fleet has an id, a name and its own token.

- tokens.py    making a kiosk token and the hash that is all the database keeps of it
- repo.py      the kiosks table: add, list, revoke, find by token hash
- registry.py  a bearer token to a kiosk id, for every request, with a short cache
- cli.py       `python -m backend kiosk add|list|revoke`

Orders and payment sessions carry the kiosk that made them; events belong to their session's
kiosk. The one token of a one-kiosk setup (SMARTCART_KIOSK_TOKEN) speaks for the default kiosk,
which also owns every row from before kiosks had identities.
"""

DEFAULT_KIOSK_ID = "default"
