"""The kiosk sends its outbox to the fleet server, oldest first, and forgets what was acknowledged.

A batch covers a run of outbox rows from the oldest on, up to `batch` rows, MAX_SESSIONS sessions
and `max_body_bytes` of JSON, and carries each session they name once, as its current snapshot. The server answers
with the seq it holds everything through; only then are the rows up to it deleted. So a batch
lost on the way, refused, or cut short by a SIGKILL of either side is simply sent again (the
server recognises a resend by its seq, backend/sync/apply.py); nothing is ever deleted unsent.

A refusal (the server answered 4xx: an invoice series two kiosks share, a revoked token) is kept
with the server's code and message for the kiosk's status, so the operator sees "Sync refused"
rather than a count that only grows; the rows stay and are sent again with back-off.

Idle, it waits for a commit that fills the outbox (`poke`, from the writer thread) or for
`idle_s`; failing, it backs off from `retry_s` to `retry_max_s`, and commits do not cut the wait
short: a kiosk offline for a day tries once per back-off, not once per payment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from backend.clock import Clock
from backend.db.database import Database
from backend.http.schemas.sync import MAX_SESSIONS, SyncSessionIn
from backend.payments.pass_loop import PassLoop
from backend.sync import outbox, snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refusal:
    """The fleet server answered the last try with a 4xx, or its answer showed this database
    behind it (restored from a backup): the batch as it is will be refused again until someone
    fixes the cause (an invoice series, the kiosk's token, the restore), so the kiosk's operator
    has to see it. Its rows stay in the outbox and are sent again with back-off."""

    status: int  # the server's HTTP status
    code: str | None
    message: str | None


@dataclass(frozen=True, slots=True)
class SyncStatus:
    pending: int
    last_success_ms: int | None
    last_error: str | None
    last_error_ms: int | None
    # Set when the last failure was the server's refusal; None when it was not reached (or failed).
    refusal: Refusal | None = None


class SyncError(Exception):
    """The server did not take the batch; the message says why, for the kiosk's status."""

    def __init__(self, reason: str, refusal: Refusal | None = None) -> None:
        super().__init__(reason)
        self.refusal = refusal


class SyncForwarder:
    def __init__(
        self,
        db: Database,
        url: str,
        token: str,
        *,
        clock: Clock,
        retry_s: float,
        retry_max_s: float,
        idle_s: float,
        batch: int,
        max_body_bytes: int,
        timeout_s: float,
        via: str | None = None,
    ) -> None:
        self._db = db
        # `via` (tester mode): the fault proxy in front of the server. Requests go to it, but still
        # name the server in Host, so a server that checks its name answers as it would directly.
        target = urlsplit(url)
        relay = urlsplit(via) if via is not None else target
        path = target.path.rstrip("/") + "/api/sync/batch"
        self._endpoint = urlunsplit((relay.scheme, relay.netloc, path, "", ""))
        self._host = target.netloc if via is not None else None
        self._token = token
        self._clock = clock
        self._batch = batch
        self._max_body = max_body_bytes
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._loop = PassLoop(idle_s=idle_s, min_backoff_s=retry_s, max_backoff_s=retry_max_s)
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._failing = False
        self.last_success_ms: int | None = None
        self.last_error: str | None = None
        self.last_error_ms: int | None = None
        self.refusal: Refusal | None = None

    def poke_threadsafe(self) -> None:
        """From the writer thread, after a commit that queued something."""
        loop = self._event_loop
        if loop is None or self._failing:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(self._loop.poke)

    async def status(self) -> SyncStatus:
        pending = await self._db.read(outbox.pending)
        return SyncStatus(pending, self.last_success_ms, self.last_error, self.last_error_ms, self.refusal)

    async def run(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        # One request per connection: a cut link (or the fault proxy) never leaves a pooled
        # connection that looks alive.
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True), timeout=self._timeout
        ) as http:

            async def one_pass() -> bool:
                try:
                    while await self.send_once(http):
                        pass
                except SyncError as exc:
                    self._failed(str(exc), exc.refusal)
                    return True
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    self._failed(str(exc) or type(exc).__name__)
                    return True
                except Exception as exc:  # a bug must not stop syncing for good
                    log.exception("sync pass failed")
                    self._failed(f"internal error: {exc}")
                    return True
                self._failing = False
                return False

            await self._loop.run(one_pass)

    def _failed(self, reason: str, refusal: Refusal | None = None) -> None:
        if reason != self.last_error:
            log.warning("sync to the fleet server failed: %s; trying again with back-off", reason)
        self._failing = True
        self.last_error, self.last_error_ms, self.refusal = reason, self._clock(), refusal

    async def send_once(self, http: aiohttp.ClientSession) -> bool:
        """Send the oldest batch; False when the outbox was empty."""
        rows = await self._db.read(lambda conn: outbox.oldest(conn, self._batch))
        if not rows:
            return False
        ids = list(dict.fromkeys(session_id for _, session_id in rows))
        found = {s.session.id: s for s in await self._db.read(lambda conn: snapshot.read(conn, ids))}
        body, through = self._encode(rows, found)
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        if self._host is not None:
            headers["Host"] = self._host
        async with http.post(self._endpoint, data=body, headers=headers) as response:
            answer = await _json(response)
            if response.status != 200 or not isinstance(answer, dict):
                detail = _text(answer, "message")
                code = _text(answer, "code")
                refusal = Refusal(response.status, code, detail) if 400 <= response.status < 500 else None
                raise SyncError(
                    f"the fleet server answered {response.status} {code or ''}: {detail or ''}".strip(), refusal
                )
        acknowledged = answer.get("throughSeq")
        if not isinstance(acknowledged, int) or acknowledged < through:
            raise SyncError(f"the fleet server acknowledged {acknowledged!r}, not seq {through}")
        if acknowledged > through:
            await self._check_not_behind(acknowledged)
        await self._db.write(lambda conn: outbox.acknowledge(conn, acknowledged))
        self.last_success_ms = self._clock()
        self.last_error = self.last_error_ms = None
        self.refusal = None
        return True

    async def _check_not_behind(self, acknowledged: int) -> None:
        """The server holds seqs through `acknowledged`, past this batch: a resend after a lost
        reply, when this database numbered them itself. If it never did, the database was
        restored from a backup (or the token is another machine's), and the rows here are new
        changes the server would take for resends: deleting them would lose them. They stay,
        and the operator is told, until the fleet's admin sorts it out."""
        handed_out = await self._db.read(outbox.high_water)
        if acknowledged > handed_out:
            message = (
                f"the fleet server already holds this kiosk's changes through seq {acknowledged}, but this "
                f"database has only numbered {handed_out}: it was restored from a backup, or its token is "
                "another kiosk's. Nothing was deleted; ask the fleet admin"
            )
            # Sending again cannot help either: shown as refused, as a refusal by the server is.
            raise SyncError(message, Refusal(200, "kiosk_database_behind", message))

    def _encode(self, rows: list[tuple[int, str]], found: dict[str, snapshot.SessionSnapshot]) -> tuple[bytes, int]:
        """The batch's JSON and its seq: rows from the oldest on while the body stays within
        max_body_bytes and MAX_SESSIONS (always at least one session). A row of a session no longer there
        (purged after its retention) is covered with nothing to send."""
        parts: list[str] = []
        included: set[str] = set()
        size = 0
        through = rows[0][0]
        for seq, session_id in rows:
            if session_id not in included and session_id in found:
                part = json.dumps(SyncSessionIn.wire(found[session_id]), separators=(",", ":"))
                if parts and (len(parts) >= MAX_SESSIONS or size + len(part) + 64 > self._max_body):
                    break
                parts.append(part)
                size += len(part) + 1
                included.add(session_id)
            through = seq
        body = f'{{"throughSeq":{through},"sessions":[{",".join(parts)}]}}'
        return body.encode(), through


async def _json(response: aiohttp.ClientResponse) -> object:
    """The body as JSON; None when empty or not JSON (a proxy's HTML page, a bare 413)."""
    if response.content_length == 0:
        return None
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def _text(answer: object, key: str) -> str | None:
    """A field of the server's error body, if it is a string (a proxy's answer may be anything)."""
    value = answer.get(key) if isinstance(answer, dict) else None
    return value if isinstance(value, str) else None
