"""Typed exceptions for failed calls, and the one table from gRPC status codes to them.

The server sends a ``google.rpc.Status`` in the trailing metadata ``grpc-status-details-bin``; its
``google.rpc.ErrorInfo`` detail carries the machine-readable facts (``reason``, and metadata such as
``current_version`` on a conflict or ``field`` on a bad argument); a quota refusal also carries a
``google.rpc.RetryInfo``, how long to wait before trying again (``retry_delay``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

_DETAILS_KEY = "grpc-status-details-bin"


class RoomHistoryError(Exception):
    """A call failed. ``code`` is the gRPC status; ``reason`` and ``metadata`` come from the ErrorInfo;
    ``retry_delay`` is the RetryInfo delay in seconds (None when the server sent none; TypeScript:
    retryDelayMs).

    ``message`` (also ``details``, its TypeScript name) is the server's message; ``str(err)`` is
    ``"CODE: message"``.
    """

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode = grpc.StatusCode.UNKNOWN,
        reason: str = "",
        metadata: Mapping[str, str] | None = None,
        retry_delay: float | None = None,
    ) -> None:
        super().__init__(f"{code.name}: {message}")
        self.message = message
        self.code = code
        self.reason = reason
        self.metadata: dict[str, str] = dict(metadata or {})
        self.retry_delay = retry_delay

    @property
    def details(self) -> str:
        """The server's message (the name the TypeScript client uses)."""
        return self.message


class AbortedError(RoomHistoryError):
    """ABORTED: the write was refused and changed nothing; VersionConflictError when it was a version
    conflict."""


class VersionConflictError(AbortedError):
    """ABORTED with reason VERSION_CONFLICT: expected_version did not match; ``current_version`` is the
    room's version now. (An ABORTED without that reason is a plain AbortedError.)"""

    @property
    def current_version(self) -> int:
        """The room's version when the write was refused."""
        return int(self.metadata.get("current_version", "0"))

    @property
    def expected_version(self) -> int:
        """The version the write expected."""
        return int(self.metadata.get("expected_version", "0"))

    @property
    def room_id(self) -> str:
        """The room written."""
        return self.metadata.get("room_id", "")


class SummaryOutdatedError(AbortedError):
    """ABORTED with reason SUMMARY_OUTDATED: PutConversationSummary's covers_version is older than the
    version the room's stored summary covers (another worker summarised a newer version)."""

    @property
    def covers_version(self) -> int:
        """The version the stored summary covers."""
        return int(self.metadata.get("covers_version", "0"))


class RollupConflictError(AbortedError):
    """ABORTED with reason ROLLUP_CONFLICT: a source or the folded digest of a roll-up plan changed since
    PlanRollup (another worker committed it, or a summary was replaced); plan again."""


class NotFoundError(RoomHistoryError):
    """NOT_FOUND: the message id is not in the room."""

    @property
    def message_id(self) -> str:
        """The id that was not found; empty when the server did not say."""
        return self.metadata.get("message_id", "")

    @property
    def room_id(self) -> str:
        """The room searched; empty when the server did not say."""
        return self.metadata.get("room_id", "")


class InvalidArgumentError(RoomHistoryError):
    """INVALID_ARGUMENT: ``field`` names the malformed field (e.g. ``messages[0].role``)."""

    @property
    def field(self) -> str:
        return self.metadata.get("field", "")


class ResourceExhaustedError(RoomHistoryError):
    """RESOURCE_EXHAUSTED: a size limit was exceeded (``field`` names what was too large), or a quota (calls,
    appended bytes, open watches of a token): then ``retry_delay`` says when to try again, and the client
    retries a call that is safe to repeat by itself after that wait (_retry.retry_wait)."""

    @property
    def field(self) -> str:
        return self.metadata.get("field", "")


class UnavailableError(RoomHistoryError):
    """UNAVAILABLE: the server or its store cannot be reached; a write may have been applied all the same.
    Safe to retry reads, appends with their idempotency key and writes with expected_version (the client
    does so by itself)."""


class DeadlineExceededError(RoomHistoryError):
    """DEADLINE_EXCEEDED: the call's timeout passed before the server answered."""


class CancelledError(RoomHistoryError):
    """CANCELLED: the call was cancelled (e.g. the client was closed: ClientClosedError). Not
    asyncio.CancelledError, which cancelling the calling task raises as usual."""


class ClientClosedError(CancelledError):
    """A call on a client after close(), or one that close() ended: CANCELLED, raised by the client."""

    def __init__(self, message: str = "the client is closed") -> None:
        super().__init__(message, code=grpc.StatusCode.CANCELLED)


class InternalError(RoomHistoryError):
    """INTERNAL: an unexpected server failure (details in the server's log only)."""


class UnauthenticatedError(RoomHistoryError):
    """UNAUTHENTICATED: the call carried no valid token (none, unknown, expired or revoked). Never retried:
    fix the token (or the token_provider) first."""


class PermissionDeniedError(RoomHistoryError):
    """PERMISSION_DENIED: the token is valid but lacks the right (read, write, watch, admin) or the room is
    outside its prefixes. Never retried."""


class RoomNotFollowedError(RoomHistoryError, KeyError):
    """A mirror was asked about a room it does not follow (never followed, or unfollowed):
    FAILED_PRECONDITION, raised by the client itself. Also a KeyError."""

    def __init__(self, room_id: str) -> None:
        super().__init__(
            f"room {room_id!r} is not followed by this mirror; call follow() first",
            code=grpc.StatusCode.FAILED_PRECONDITION,
            metadata={"room_id": room_id},
        )
        self.room_id = room_id

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"


#: The one table from status codes to exceptions (clients/testdata/error-vectors.json); other codes raise
#: RoomHistoryError. An ABORTED whose reason is in ABORTED_BY_REASON raises that subclass.
ERROR_BY_CODE: dict[grpc.StatusCode, type[RoomHistoryError]] = {
    grpc.StatusCode.ABORTED: AbortedError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.CANCELLED: CancelledError,
    grpc.StatusCode.INTERNAL: InternalError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
}


#: ABORTED's reasons that have an exception of their own (any other reason: AbortedError).
ABORTED_BY_REASON: dict[str, type[AbortedError]] = {
    "VERSION_CONFLICT": VersionConflictError,
    "SUMMARY_OUTDATED": SummaryOutdatedError,
    "ROLLUP_CONFLICT": RollupConflictError,
}


def error_from_rpc(err: grpc.RpcError) -> RoomHistoryError:
    """Turns a failed call (sync or grpc.aio) into the exception its status code maps to."""
    code: grpc.StatusCode = _call(err, "code") or grpc.StatusCode.UNKNOWN
    message: str = _call(err, "details") or code.name
    reason, metadata, retry_delay = _status_details(_call(err, "trailing_metadata") or ())
    cls = ERROR_BY_CODE.get(code, RoomHistoryError)
    if code == grpc.StatusCode.ABORTED:
        cls = ABORTED_BY_REASON.get(reason, AbortedError)
    return cls(message, code=code, reason=reason, metadata=metadata, retry_delay=retry_delay)


def _call(err: grpc.RpcError, name: str) -> Any:
    method = getattr(err, name, None)
    return method() if callable(method) else None


def _status_details(trailers: Iterable[tuple[str, str | bytes]]) -> tuple[str, dict[str, str], float | None]:
    """The reason and metadata of the first ErrorInfo in grpc-status-details-bin, and its RetryInfo delay in
    seconds (None without one)."""
    reason, metadata, retry_delay = "", {}, None
    for key, value in trailers:
        if key != _DETAILS_KEY or not isinstance(value, bytes):
            continue
        seen_info = False
        for detail in status_pb2.Status.FromString(value).details:
            info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
            if not seen_info and detail.Unpack(info):
                reason, metadata, seen_info = info.reason, dict(info.metadata), True
            elif detail.Unpack(retry) and retry.HasField("retry_delay"):
                retry_delay = retry.retry_delay.seconds + retry.retry_delay.nanos / 1e9
    return reason, metadata, retry_delay
