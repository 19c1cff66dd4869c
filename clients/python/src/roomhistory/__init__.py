"""Python client for roomhistory, the conversation-history service for LLM workers.

- :class:`RoomHistoryClient` (blocking) and :class:`AsyncRoomHistoryClient` (asyncio): one method per
  RPC, deadlines, failures raised as :mod:`roomhistory.errors` exceptions, and a ``watch`` that resumes
  by itself.
- :class:`RoomMirror` and :class:`AsyncRoomMirror`: a live in-memory copy of rooms fed by one watch.
- The generated messages, re-exported here (``Message``, ``Role``, ...); all of them live in
  :mod:`roomhistory.v1`.
"""

from ._paging import DEFAULT_PAGE_SIZE, RoomChangedWhilePagingError, read_window, read_window_async
from ._requests import new_idempotency_key
from ._retry import CONFLICT_POLICY, RetryPolicy, retry_on_conflict, retry_on_conflict_async
from ._trust import trust_from_env
from ._watch import DEFAULT_PROGRESS_INTERVAL, WatchStream
from ._watch_aio import AsyncWatchStream
from ._window import RoomChangedEvent
from .aio import AsyncRoomHistoryClient
from .aio_mirror import AsyncRoomMirror
from .client import DEFAULT_TIMEOUT, RoomHistoryClient
from .convert import change_kind, enum_name, from_datetime, from_openai, role, to_datetime, to_openai
from .errors import (
    AbortedError,
    CancelledError,
    ClientClosedError,
    DeadlineExceededError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    RollupConflictError,
    RoomHistoryError,
    RoomNotFollowedError,
    SummaryOutdatedError,
    UnauthenticatedError,
    UnavailableError,
    VersionConflictError,
)
from .mirror import RoomMirror
from .v1.change_pb2 import ChangeKind, RoomChange
from .v1.memory_bank_pb2 import MemoryBankUse, MemoryGranularity
from .v1.message_pb2 import (
    ContentPart,
    FileData,
    ImageUrl,
    InputAudio,
    Message,
    MessageKind,
    Reaction,
    Role,
    ToolCall,
)
from .v1.metadata_pb2 import ListRoomsOrder, Participant, RoomMetadata
from .v1.room_history_service_pb2 import (
    Durability,
    IdMarkers,
    RenderForm,
    RenderFormat,
    SenderStyle,
    TokenEncoding,
)

__all__ = [
    "CONFLICT_POLICY",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_PROGRESS_INTERVAL",
    "DEFAULT_TIMEOUT",
    "AbortedError",
    "AsyncRoomHistoryClient",
    "AsyncRoomMirror",
    "AsyncWatchStream",
    "CancelledError",
    "ChangeKind",
    "ClientClosedError",
    "ContentPart",
    "DeadlineExceededError",
    "Durability",
    "FileData",
    "IdMarkers",
    "ImageUrl",
    "InputAudio",
    "InternalError",
    "InvalidArgumentError",
    "ListRoomsOrder",
    "MemoryBankUse",
    "MemoryGranularity",
    "Message",
    "MessageKind",
    "NotFoundError",
    "Participant",
    "PermissionDeniedError",
    "Reaction",
    "RenderForm",
    "RenderFormat",
    "ResourceExhaustedError",
    "RetryPolicy",
    "Role",
    "RollupConflictError",
    "RoomChange",
    "RoomChangedEvent",
    "RoomChangedWhilePagingError",
    "RoomHistoryClient",
    "RoomHistoryError",
    "RoomMetadata",
    "RoomMirror",
    "RoomNotFollowedError",
    "SenderStyle",
    "SummaryOutdatedError",
    "TokenEncoding",
    "ToolCall",
    "UnauthenticatedError",
    "UnavailableError",
    "VersionConflictError",
    "WatchStream",
    "change_kind",
    "enum_name",
    "from_datetime",
    "from_openai",
    "new_idempotency_key",
    "read_window",
    "read_window_async",
    "retry_on_conflict",
    "retry_on_conflict_async",
    "role",
    "to_datetime",
    "to_openai",
    "trust_from_env",
]
