"""Retries and resumption, in one place: which failures are transient, the jittered exponential backoff
every retry and reconnect waits on, which calls are safe to repeat and their bounded retry, and the
unbounded retry the mirrors use to re-read a room. Nothing else in the package loops on errors.

Which calls are retried, on which statuses, is one specification with the TypeScript client
(clients/ts/src/backoff.ts), written as data in clients/testdata/retry-vectors.json: reads always; an
append when it carries an idempotency key (the clients set one per call by default; the server then
stores it once and answers a retry with the first result) or an expected_version; any other mutation
only with an expected_version (a repeat then fails with VERSION_CONFLICT instead of applying twice);
ReapIdleRooms always; ReportUsage never. A quota's RESOURCE_EXHAUSTED is retried after the server's
RetryInfo delay (retry_wait).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from .errors import RoomHistoryError, VersionConflictError
from .v1 import room_history_service_pb2 as pb

T = TypeVar("T")
log = logging.getLogger("roomhistory")


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait between attempts, and how many attempts one call that is safe to retry gets."""

    #: initial is the delay ceiling before the first retry, in seconds.
    initial: float = 0.1
    #: maximum caps the delay ceiling, in seconds.
    maximum: float = 5.0
    #: multiplier grows the ceiling after every failed attempt.
    multiplier: float = 2.0
    #: max_attempts bounds the attempts of one call, the first included (the call's deadline bounds them
    #: too). Watches and mirrors retry for as long as they are open.
    max_attempts: int = 5


DEFAULT_POLICY = RetryPolicy()


class Backoff:
    """Exponential delays with equal jitter: half the ceiling plus a random share of the other half, so
    many workers reconnecting after a restart spread out, and none retries at once."""

    def __init__(self, policy: RetryPolicy = DEFAULT_POLICY, rng: Callable[[], float] = random.random) -> None:
        self.policy = policy
        self.attempt = 0
        self._random = rng

    def next_delay(self) -> float:
        """The wait before the next attempt, in seconds; grows with every call until reset()."""
        p = self.policy
        ceiling = min(p.maximum, p.initial * p.multiplier**self.attempt)
        self.attempt += 1
        return ceiling / 2 + self._random() * ceiling / 2

    def reset(self) -> None:
        """After a success: the next failure waits the shortest delay again."""
        self.attempt = 0


def is_transient(err: BaseException) -> bool:
    """UNAVAILABLE (a server restarting, Redis unreachable, a lost connection) may go away by itself;
    anything else says something about the request, or is a server bug (INTERNAL), and would fail again.
    A watch resumes after exactly these failures (clients/testdata/watch-vectors.json, `resume`)."""
    if isinstance(err, RoomHistoryError):
        return err.code == grpc.StatusCode.UNAVAILABLE
    code = getattr(err, "code", None)
    return bool(isinstance(err, grpc.RpcError) and callable(code) and code() == grpc.StatusCode.UNAVAILABLE)


#: Statuses a call that is safe to repeat is retried on: UNAVAILABLE (a server restarting, Redis
#: unreachable, a lost connection) and DEADLINE_EXCEEDED sent by a server or proxy (a call's own deadline
#: leaves no time for another attempt anyway).
RETRYABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})

#: Requests that are always safe to repeat: reads, ReapIdleRooms (it expires what is idle then), PlanRollup
#: (a repeat plans from the bank as it is then) and PutConversationSummary (the same covers_version
#: replaces the entry with the same text). Not CommitRollup: a repeat after a lost reply is ABORTED
#: (ROLLUP_CONFLICT), as if another worker had committed; nor SetNamespaceOptions (no expected_version).
_ALWAYS_SAFE = frozenset(
    {"GetHistoryRequest", "RenderMessagesRequest", "GetRoomInfoRequest", "ListRoomsRequest", "ReapIdleRoomsRequest",
     "GetArchiveRequest", "SearchHistoryRequest", "ExportSummaryRequest", "GetRunCursorRequest",
     "GetMemoryBankRequest", "ListRoomsNeedingSummaryRequest", "RenderMemoryBankRequest", "PlanRollupRequest",
     "PutConversationSummaryRequest"}
)


def retry_safe(request: Message) -> bool:
    """Whether a request may be sent again after a failure that may have reached the server."""
    descriptor = request.DESCRIPTOR
    if descriptor.name in _ALWAYS_SAFE:
        return True
    if isinstance(request, pb.AppendMessagesRequest) and request.idempotency_key:
        return True
    # A cursor update moves no version: its guard is expected_next_seq (a repeat then fails with
    # CURSOR_CONFLICT instead of merging the values twice over a newer cursor).
    if isinstance(request, pb.UpdateRunCursorRequest):
        return request.HasField("expected_next_seq")
    return "expected_version" in descriptor.fields_by_name and request.HasField("expected_version")


#: The longest wait a server's RetryInfo gets: a longer delay is cut to this, in seconds (TypeScript: 30000 ms).
MAX_RETRY_INFO_DELAY = 30.0


def retry_wait(
    code: grpc.StatusCode, retry_info: float | None, backoff_delay: float, remaining: float | None
) -> float | None:
    """The wait before retrying a failed call that is safe to repeat, in seconds, or None to give up.

    A retryable status (RETRYABLE_CODES) waits ``backoff_delay``; a RESOURCE_EXHAUSTED retries only when the
    server sent a RetryInfo (a quota: a size limit would fail again). A RetryInfo delay, capped at
    MAX_RETRY_INFO_DELAY, replaces the backoff (a zero delay keeps it). No wait reaches ``remaining``, what
    is left of the call's deadline (None: no deadline). UNAUTHENTICATED and PERMISSION_DENIED are never
    retried, whatever they carry. The rule is clients/testdata/retry-vectors.json (`waits`).
    """
    quota = code == grpc.StatusCode.RESOURCE_EXHAUSTED and retry_info is not None
    if not quota and code not in RETRYABLE_CODES:
        return None
    wait = min(retry_info, MAX_RETRY_INFO_DELAY) if retry_info else backoff_delay
    return wait if remaining is None or wait < remaining else None


def resume_delay(err: RoomHistoryError, backoff_delay: float) -> float | None:
    """The wait before a failed watch stream is reopened, or None when the watch ends with ``err``:
    ``backoff_delay`` after UNAVAILABLE; after a RESOURCE_EXHAUSTED that carries a RetryInfo (the token's cap
    on open watch streams), the server's delay, capped at MAX_RETRY_INFO_DELAY (zero keeps the backoff).
    TypeScript: resumeDelay."""
    if err.code == grpc.StatusCode.UNAVAILABLE:
        return backoff_delay
    if err.code != grpc.StatusCode.RESOURCE_EXHAUSTED or err.retry_delay is None:
        return None
    return min(err.retry_delay, MAX_RETRY_INFO_DELAY) if err.retry_delay else backoff_delay


def retry_delay(err: RoomHistoryError, backoff: Backoff, deadline: float | None) -> float | None:
    """The wait before retrying a failed call that is safe to retry, or None to give up and raise `err`
    (retry_wait, within the policy's attempts).

    ``deadline`` is a time.monotonic() value (None: no deadline); a retry that could not start before it
    is not attempted.
    """
    if backoff.attempt + 1 >= backoff.policy.max_attempts:
        return None
    backoff_delay = backoff.next_delay()
    remaining = None if deadline is None else deadline - time.monotonic()
    return retry_wait(err.code, err.retry_delay, backoff_delay, remaining)


def retry_until_closed(attempt: Callable[[], T], wait: Callable[[float], bool], policy: RetryPolicy) -> T | None:
    """Runs ``attempt`` until it succeeds, for work that must eventually happen (a mirror's re-read of a
    room). Between failures it calls ``wait(delay)``, which returns False once the owner is closed: then
    the result is None."""
    backoff = Backoff(policy)
    while True:
        try:
            return attempt()
        except RoomHistoryError as err:
            delay = backoff.next_delay()
            log.warning("%s; retrying in %.2fs", err, delay)
        if not wait(delay):
            return None


async def retry_until_cancelled(attempt: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """retry_until_closed for asyncio: cancelling the caller's task ends it."""
    backoff = Backoff(policy)
    while True:
        try:
            return await attempt()
        except RoomHistoryError as err:
            delay = backoff.next_delay()
            log.warning("%s; retrying in %.2fs", err, delay)
        await asyncio.sleep(delay)


#: The backoff of a compare-and-set loop that lost to another writer: short first waits (a conflict is
#: settled by one more round trip), growing to a second so that many writers of one room spread out.
CONFLICT_POLICY = RetryPolicy(initial=0.01, maximum=1.0, multiplier=2.0, max_attempts=50)


def retry_on_conflict(attempt: Callable[[], T], policy: RetryPolicy = CONFLICT_POLICY) -> T:
    """Runs a compare-and-set ``attempt`` (it reads the room, then writes with ``expected_version``) again
    after each VersionConflictError, with jittered exponential backoff, up to ``policy.max_attempts`` in
    all; the last conflict is raised. Other errors are raised at once.

    >>> def add_turn() -> AppendMessagesResponse:
    ...     version = client.get_room_info(room).version
    ...     return client.append_messages(room, [reply], expected_version=version)
    >>> retry_on_conflict(add_turn)
    """
    backoff = Backoff(policy)
    while True:
        try:
            return attempt()
        except VersionConflictError:
            if backoff.attempt + 1 >= policy.max_attempts:
                raise
            time.sleep(backoff.next_delay())


async def retry_on_conflict_async(attempt: Callable[[], Awaitable[T]], policy: RetryPolicy = CONFLICT_POLICY) -> T:
    """retry_on_conflict for asyncio: ``attempt`` is a coroutine function."""
    backoff = Backoff(policy)
    while True:
        try:
            return await attempt()
        except VersionConflictError:
            if backoff.attempt + 1 >= policy.max_attempts:
                raise
            await asyncio.sleep(backoff.next_delay())
