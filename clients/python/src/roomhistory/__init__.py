"""Python client for roomhistory, the conversation-history service for LLM workers.

- :class:`RoomHistoryClient` (blocking) and :class:`AsyncRoomHistoryClient` (asyncio): one method per
  RPC, deadlines, failures raised as :mod:`roomhistory.errors` exceptions, and a ``watch`` that resumes
  by itself.
- :class:`RoomMirror` and :class:`AsyncRoomMirror`: a live in-memory copy of rooms fed by one watch.
- :mod:`roomhistory.export_file`: export files (roomhistory.export.v1, JSON Lines) written from and
  imported into a server; :mod:`roomhistory.importers.echo`: the Echo bot's conversation files as export
  records.
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
from .export_file import (
    EXPORT_FORMAT,
    ExportFileError,
    TransferProgress,
    export_header,
    export_rooms_to_file,
    export_rooms_to_file_async,
    import_rooms_from_file,
    import_rooms_from_file_async,
    read_export_file,
    write_export_file,
)
from .importers import echo_conversation_to_records
from .mirror import RoomMirror
from .v1.change_pb2 import ChangeKind, RoomChange
from .v1.export_pb2 import ExportRecord
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
    "EXPORT_FORMAT",
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
    "ExportFileError",
    "ExportRecord",
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
    "TransferProgress",
    "UnauthenticatedError",
    "UnavailableError",
    "VersionConflictError",
    "WatchStream",
    "change_kind",
    "echo_conversation_to_records",
    "enum_name",
    "export_header",
    "export_rooms_to_file",
    "export_rooms_to_file_async",
    "from_datetime",
    "from_openai",
    "import_rooms_from_file",
    "import_rooms_from_file_async",
    "new_idempotency_key",
    "read_export_file",
    "read_window",
    "read_window_async",
    "retry_on_conflict",
    "retry_on_conflict_async",
    "role",
    "to_datetime",
    "to_openai",
    "trust_from_env",
    "write_export_file",
]
