"""The admin's history list, GET /api/payments/sessions, over real HTTP on both databases:
each filter, keyset paging that holds while sessions keep arriving, refusals of bad input that
change nothing, and query plans that read an index for every filter.

The shop has six sessions created an hour apart on 2026-11-18 (the clock is stepped):
A cash, B card 4242, C declined card 0002, D UPI, E cancelled before paying, F declined 9995.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from backend.db import migrate
from backend.db.database import sync_url
from backend.db.sessions.search import Position, SearchCriteria, statement
from smartcart_contract.states import Status
from tests.backend.api import ADMIN_TOKEN, CASH, DECLINED_CARD, GOOD_CARD, Api
from tests.backend.conftest import AppFactory
from tests.backend.stepped_clock import SteppedClock, at

LIST = "/api/payments/sessions"
HOUR_MS = 3_600_000
INSUFFICIENT_FUNDS = {**GOOD_CARD, "number": "4000000000009995"}


@dataclass
class Shop:
    kiosk: Api
    admin: Api
    clock: SteppedClock
    ids: dict[str, str]  # label -> session id
    orders: dict[str, int]  # label -> order id

    async def list(self, **params: Any) -> dict[str, Any]:
        reply = await self.call(**params)
        assert reply.status == 200, reply.body
        return reply.body  # type: ignore[no-any-return]

    async def call(self, token: str = ADMIN_TOKEN, **params: Any) -> Any:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return await self.admin.call("GET", f"{LIST}?{query}" if query else LIST, token=token)

    async def labels(self, **params: Any) -> list[str]:
        by_id = {session_id: label for label, session_id in self.ids.items()}
        body = await self.list(**params)
        return [by_id.get(s["sessionId"], "?") for s in body["sessions"]]

    async def walk(self, **params: Any) -> list[str]:
        """Every page, following nextCursor, as session ids."""
        seen: list[str] = []
        cursor = None
        while True:
            body = await self.list(**params, **({"cursor": cursor} if cursor else {}))
            seen += [s["sessionId"] for s in body["sessions"]]
            cursor = body["nextCursor"]
            if cursor is None:
                return seen


@pytest.fixture
async def shop(start_app: AppFactory) -> Shop:
    clock = SteppedClock(at("2026-11-18T08:00:00Z"))
    kiosk, _, client = await start_app(clock=clock)
    admin = Api(client.session, kiosk.base, token=ADMIN_TOKEN)
    ids: dict[str, str] = {}
    orders: dict[str, int] = {}

    async def new(label: str, product: str = "masala-chai") -> str:
        clock.jump(at("2026-11-18T08:00:00Z") + HOUR_MS * len(ids))
        orders[label] = await kiosk.order((product, 1))
        ids[label] = await kiosk.session(orders[label])
        return ids[label]

    await kiosk.ok("POST", f"/api/payments/session/{await new('A')}/complete", CASH)
    await kiosk.pay(await new("B", "filter-coffee"))
    await kiosk.pay(await new("C"), DECLINED_CARD)
    await kiosk.action(await new("D", "samosa-2"), "pay", {"method": "upi", "upiId": "asha@okbank"})
    await kiosk.action(await new("E"), "cancel", {"reason": "customer left"})
    await kiosk.pay(await new("F"), INSUFFICIENT_FUNDS)
    for label, status in (("B", "COMPLETED"), ("C", "DECLINED"), ("D", "COMPLETED"), ("F", "DECLINED")):
        await kiosk.wait_for(ids[label], status)
    return Shop(kiosk, admin, clock, ids, orders)


# ---- filters ------------------------------------------------------------------------------------


async def test_the_list_is_newest_first_and_needs_the_admin_token(shop: Shop) -> None:
    body = await shop.list()
    assert [s["sessionId"] for s in body["sessions"]] == [shop.ids[x] for x in "FEDCBA"]
    assert body["nextCursor"] is None
    first = body["sessions"][0]
    assert (first["status"], first["cardLast4"], first["amountMinor"]) == ("DECLINED", "9995", 4000)
    assert (await shop.call(token=shop.kiosk.token)).status == 403
    assert (await shop.call(token="nobody")).status == 401


async def test_status_and_method_filter_alone_and_together(shop: Shop) -> None:
    assert await shop.labels(status="COMPLETED") == ["D", "B", "A"]
    assert await shop.labels(status="declined") == ["F", "C"]  # any case
    assert await shop.labels(status="EXPIRED") == []
    assert await shop.labels(method="card") == ["F", "C", "B"]
    assert await shop.labels(method="upi") == ["D"]
    assert await shop.labels(method="cash") == ["A"]
    assert await shop.labels(method="card", status="COMPLETED") == ["B"]


async def test_from_and_to_bound_the_creation_time(shop: Shop) -> None:
    assert await shop.labels(**{"from": "2026-11-18T09:00:00Z", "to": "2026-11-18T11:30:00Z"}) == ["D", "C", "B"]
    assert await shop.labels(to="2026-11-18T08:30:00Z") == ["A"]
    assert await shop.labels(**{"from": "2026-11-18"}) == list("FEDCBA")
    assert await shop.labels(**{"from": "2026-11-19"}) == []
    assert await shop.labels(**{"from": "2026-11-18T10:30:00Z"}, status="DECLINED") == ["F"]


async def test_q_finds_an_order_id_last_4_upi_id_charge_id_or_session_id_exactly(shop: Shop) -> None:
    assert await shop.labels(q=str(shop.orders["C"])) == ["C"]
    assert await shop.labels(q="4242") == ["B"]
    assert await shop.labels(q="0002") == ["C"]
    assert await shop.labels(q="asha@okbank") == ["D"]
    charge = (await shop.kiosk.get(shop.ids["B"]))["gatewayChargeId"]
    assert charge and await shop.labels(q=charge) == ["B"]
    assert await shop.labels(q=shop.ids["E"].upper()) == ["E"]
    # Exact, not "contains": a piece of a charge id or a UPI id finds nothing.
    assert await shop.labels(q=charge[:8]) == []
    assert await shop.labels(q="asha") == []
    assert await shop.labels(q="4242", status="DECLINED") == []
    assert await shop.labels(q="%25") == []  # a literal "%", no wildcard


# ---- paging -------------------------------------------------------------------------------------


async def test_pages_follow_the_cursor_and_hold_while_new_sessions_arrive(shop: Shop) -> None:
    assert await shop.walk(limit=4) == [shop.ids[x] for x in "FEDCBA"]
    assert await shop.walk(limit=1, method="card") == [shop.ids[x] for x in "FCB"]

    first = await shop.list(limit=2)
    assert [s["sessionId"] for s in first["sessions"]] == [shop.ids["F"], shop.ids["E"]]
    # Sessions arrive between the pages, some in the very same millisecond as the last row
    # of the first page: none of them moves a row of the later pages.
    shop.clock.jump(at("2026-11-18T15:00:00Z"))
    arrived = [await shop.kiosk.session() for _ in range(3)]
    second = await shop.list(limit=2, cursor=first["nextCursor"])
    third = await shop.list(limit=2, cursor=second["nextCursor"])
    assert [s["sessionId"] for s in second["sessions"] + third["sessions"]] == [
        shop.ids[x] for x in "DCBA"
    ]
    assert third["nextCursor"] is None
    # A fresh first page starts with what arrived, newest first.
    top = await shop.list(limit=3)
    assert {s["sessionId"] for s in top["sessions"]} == set(arrived)


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-11-19", "to": "2026-11-18"}, "`from` must not be after `to`"),
        ({"status": "PAID"}, "status"),
        ({"status": "COMPLETED,DECLINED"}, "status"),
        ({"method": "cheque"}, "method"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "djE6MTIzOnh5eg"}, "cursor"),  # base64 of "v1:123:xyz"
        ({"q": "%00"}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"sort": "amount"}, "sort"),
    ],
)
async def test_bad_parameters_are_400_json_and_change_nothing(
    shop: Shop, params: dict[str, str], mentions: str
) -> None:
    before = [await shop.kiosk.get(session_id) for session_id in shop.ids.values()]
    listed_before = await shop.list()

    reply = await shop.call(**params)

    assert reply.status == 400 and reply.content_type == "application/json", reply.body
    assert reply.body["code"] == "invalid_input" and mentions in reply.body["message"], reply.body
    assert [await shop.kiosk.get(session_id) for session_id in shop.ids.values()] == before
    assert await shop.list() == listed_before


# ---- query plans ----------------------------------------------------------------------------------

_FILTERS = {
    "none": SearchCriteria(),
    "range": SearchCriteria(from_ms=1, until_ms=2),
    "status": SearchCriteria(status=Status.COMPLETED),
    "method": SearchCriteria(method="card"),
    "status and method": SearchCriteria(status=Status.DECLINED, method="card", from_ms=1),
    "q digits": SearchCriteria(text="4242"),
    "q upi": SearchCriteria(text="asha@okbank"),
    "q charge": SearchCriteria(text="ch_0123456789abcdef"),
    "q session id": SearchCriteria(text="0" * 32),
    "next page": SearchCriteria(after=Position(10**12, "f" * 32)),
    "next page of a status": SearchCriteria(status=Status.DECLINED, after=Position(10**12, "f" * 32)),
    "next page of q": SearchCriteria(text="1234", after=Position(10**12, "f" * 32)),
}


def _literal_sql(criteria: SearchCriteria, dialect: Any) -> str:
    return str(statement(criteria).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@pytest.mark.sqlite_only("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's plan is checked below")
def test_sqlite_reads_every_filter_off_an_index(database_url: str) -> None:
    migrate.upgrade(database_url)  # the indexes the migrations build, not create_all's
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            for name, criteria in _FILTERS.items():
                sql = _literal_sql(criteria, engine.dialect)
                steps = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
                reads = [s for s in steps if s.startswith(("SCAN", "SEARCH"))]
                assert reads and all("USING" in s and "INDEX" in s for s in reads), (name, steps)
                if criteria.text is None:
                    # Read in the page's order: no sort, so a page costs its rows, not the table.
                    assert not any("TEMP B-TREE" in s for s in steps), (name, steps)
                    assert reads[0].startswith("SEARCH") or name == "none", (name, steps)
    finally:
        engine.dispose()


def test_postgresql_can_read_every_filter_off_an_index(pg_database_url: str) -> None:
    """With sequential scans priced out, every filter still has a plan whose index read the
    filter bounds. On an empty table the planner may still sort (a bitmap scan costs as much as
    an ordered one); bench/history_search.py shows what it chooses on 1,000,000 sessions."""
    migrate.upgrade(pg_database_url)
    engine = create_engine(sync_url(pg_database_url))
    try:
        with engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))
            for name, criteria in _FILTERS.items():
                sql = _literal_sql(criteria, engine.dialect)
                plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
                assert "Seq Scan" not in plan and "Index" in plan, (name, plan)
                if name != "none":  # the filter bounds the index read, not a Filter over all of it
                    assert "Index Cond" in plan or "Recheck Cond" in plan, (name, plan)
    finally:
        engine.dispose()


# ---- the timeline ---------------------------------------------------------------------------------


async def test_a_resume_after_a_slow_failed_look_up_is_stamped_after_it(start_app: AppFactory) -> None:
    """The resume asks the gateway first; the look-up fails after a timeout. The history lists
    the look-up, then the resume, and their times must read the same way (the resume used to
    be stamped with the time its request arrived, before the look-up)."""
    kiosk, _, _ = await start_app(gateway_timeout_s=0.4, reconcile_min_s=60, reconcile_max_s=60)
    await kiosk.faults("reply_lost")
    session_id = await kiosk.session()
    await kiosk.pay(session_id)
    await kiosk.wait_for(session_id, "INTERRUPTED")
    await kiosk.action(session_id, "interrupt", {"reason": "APP_CLOSED"})  # no automatic retry
    await kiosk.wait_until(session_id, lambda s: s["events"][-1]["kind"] == "lookup_failed")
    await kiosk.faults("timeout")  # the resume's look-up waits out the gateway timeout

    reply = await kiosk.action(session_id, "resume")
    assert reply.status < 300, reply.body

    events = (await kiosk.get(session_id))["events"]
    kinds = [e["kind"] for e in events]
    resumed = kinds.index("resumed")
    assert kinds[resumed - 1] == "lookup_failed", kinds
    times = [e["at"] for e in events]
    assert times == sorted(times), list(zip(kinds, times, strict=True))
