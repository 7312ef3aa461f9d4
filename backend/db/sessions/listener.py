"""PostgreSQL: hearing which sessions other processes changed (LISTEN on changed.CHANNEL).

One connection per process, outside the pools, on psycopg's asyncio connection: its
notifications arrive on the event loop without a thread. Our own commits are heard here too;
the hub's in-process path has usually woken the streams already, so those cost a read that
finds nothing new.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.engine import make_url

from backend.db.database import sync_url
from backend.db.sessions import changed

log = logging.getLogger(__name__)


def conninfo(url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL."""
    return make_url(sync_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


async def listen(
    url: str,
    *,
    on_changed: Callable[[list[str]], None],
    on_connected: Callable[[], None],
    retry_s: float,
) -> None:
    """Run until cancelled. `on_connected` is called each time LISTEN is (re)established:
    whatever changed while there was no connection was not heard."""
    # Imported here: only a PostgreSQL fleet listens, and a kiosk on SQLite should not pay
    # psycopg's import (a tenth of a second, 10 MB) at every start.
    import psycopg

    target = conninfo(url)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(target, autocommit=True) as conn:
                await conn.execute(f"LISTEN {changed.CHANNEL}")
                on_connected()
                async for notice in conn.notifies():
                    on_changed(changed.parse(notice.payload))
        except psycopg.Error as exc:
            log.warning("listening for session changes failed (%s); again in %.1f s", exc, retry_s)
        await asyncio.sleep(retry_s)
