import os

# Qt aborts without a platform on a machine with no screen; must be set before Qt loads.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest

from tests.pg_cluster import PgCluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL server for the whole run, started the first time a test asks."""
    cluster = PgCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_database_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh, empty database on that server (`postgresql+psycopg://…`), dropped after the test."""
    name = pg_cluster.create_database()
    try:
        yield pg_cluster.url(name)
    finally:
        pg_cluster.drop_database(name)


@pytest.fixture(autouse=True)
def _no_app_outlives_its_test() -> Iterator[None]:
    """aiohttp keeps the middleware chain it built for each (handler, apps) in a module-level
    cache of 1,024 entries, and so keeps every app a test started alive with its routes, database
    engine and compiled statements: about 5,000 objects a test. Over the suite the heap grew past
    a million objects and each full garbage collection stopped the loop for more than a second,
    long enough for the tests' one-second gateway timeout to expire in a test about something
    else. In production one app builds at most one entry per route; only a process that starts
    a thousand apps needs the cache emptied."""
    yield
    forget_finished_apps()


def forget_finished_apps() -> None:
    """Drop aiohttp's last reference to the apps the process has finished with (see above)."""
    from aiohttp import web_app

    web_app._cached_build_middleware.cache_clear()
