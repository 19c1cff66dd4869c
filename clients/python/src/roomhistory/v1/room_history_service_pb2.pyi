import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from roomhistory.v1 import change_pb2 as _change_pb2
from roomhistory.v1 import export_pb2 as _export_pb2
from roomhistory.v1 import memory_bank_pb2 as _memory_bank_pb2
from roomhistory.v1 import message_pb2 as _message_pb2
from roomhistory.v1 import metadata_pb2 as _metadata_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RenderForm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RENDER_FORM_UNSPECIFIED: _ClassVar[RenderForm]
    RENDER_FORM_MESSAGES: _ClassVar[RenderForm]
    RENDER_FORM_JSON: _ClassVar[RenderForm]

class RenderFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RENDER_FORMAT_UNSPECIFIED: _ClassVar[RenderFormat]
    RENDER_FORMAT_OPENAI_CHAT: _ClassVar[RenderFormat]
    RENDER_FORMAT_ANTHROPIC_MESSAGES: _ClassVar[RenderFormat]

class SenderStyle(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SENDER_STYLE_UNSPECIFIED: _ClassVar[SenderStyle]
    SENDER_STYLE_NAME: _ClassVar[SenderStyle]
    SENDER_STYLE_PREFIX: _ClassVar[SenderStyle]
    SENDER_STYLE_NONE: _ClassVar[SenderStyle]

class IdMarkers(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ID_MARKERS_UNSPECIFIED: _ClassVar[IdMarkers]
    ID_MARKERS_ON: _ClassVar[IdMarkers]
    ID_MARKERS_OFF: _ClassVar[IdMarkers]

class TokenEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOKEN_ENCODING_UNSPECIFIED: _ClassVar[TokenEncoding]
    TOKEN_ENCODING_O200K_BASE: _ClassVar[TokenEncoding]
    TOKEN_ENCODING_CL100K_BASE: _ClassVar[TokenEncoding]

class WatchCancelReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WATCH_CANCEL_REASON_UNSPECIFIED: _ClassVar[WatchCancelReason]
    WATCH_CANCEL_REASON_REMOVED: _ClassVar[WatchCancelReason]
    WATCH_CANCEL_REASON_INVALID_ROOM_ID: _ClassVar[WatchCancelReason]
    WATCH_CANCEL_REASON_OUT_OF_SCOPE: _ClassVar[WatchCancelReason]
    WATCH_CANCEL_REASON_LIMIT: _ClassVar[WatchCancelReason]
    WATCH_CANCEL_REASON_LEFT_NAMESPACE: _ClassVar[WatchCancelReason]
    WATCH_CANCEL_REASON_NOT_WATCHED: _ClassVar[WatchCancelReason]
RENDER_FORM_UNSPECIFIED: RenderForm
RENDER_FORM_MESSAGES: RenderForm
RENDER_FORM_JSON: RenderForm
RENDER_FORMAT_UNSPECIFIED: RenderFormat
RENDER_FORMAT_OPENAI_CHAT: RenderFormat
RENDER_FORMAT_ANTHROPIC_MESSAGES: RenderFormat
SENDER_STYLE_UNSPECIFIED: SenderStyle
SENDER_STYLE_NAME: SenderStyle
SENDER_STYLE_PREFIX: SenderStyle
SENDER_STYLE_NONE: SenderStyle
ID_MARKERS_UNSPECIFIED: IdMarkers
ID_MARKERS_ON: IdMarkers
ID_MARKERS_OFF: IdMarkers
TOKEN_ENCODING_UNSPECIFIED: TokenEncoding
TOKEN_ENCODING_O200K_BASE: TokenEncoding
TOKEN_ENCODING_CL100K_BASE: TokenEncoding
WATCH_CANCEL_REASON_UNSPECIFIED: WatchCancelReason
WATCH_CANCEL_REASON_REMOVED: WatchCancelReason
WATCH_CANCEL_REASON_INVALID_ROOM_ID: WatchCancelReason
WATCH_CANCEL_REASON_OUT_OF_SCOPE: WatchCancelReason
WATCH_CANCEL_REASON_LIMIT: WatchCancelReason
WATCH_CANCEL_REASON_LEFT_NAMESPACE: WatchCancelReason
WATCH_CANCEL_REASON_NOT_WATCHED: WatchCancelReason

class Durability(_message.Message):
    __slots__ = ("replicas", "timeout_ms", "fsync")
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    FSYNC_FIELD_NUMBER: _ClassVar[int]
    replicas: int
    timeout_ms: int
    fsync: bool
    def __init__(self, replicas: _Optional[int] = ..., timeout_ms: _Optional[int] = ..., fsync: _Optional[bool] = ...) -> None: ...

class AppendMessagesRequest(_message.Message):
    __slots__ = ("room_id", "messages", "expected_version", "idempotency_key", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    expected_version: int
    idempotency_key: str
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., expected_version: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class AppendMessagesResponse(_message.Message):
    __slots__ = ("version", "messages", "trimmed", "replayed")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    TRIMMED_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    version: int
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    trimmed: int
    replayed: bool
    def __init__(self, version: _Optional[int] = ..., messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., trimmed: _Optional[int] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetHistoryRequest(_message.Message):
    __slots__ = ("room_id", "limit", "after_seq", "page_size", "page_token", "run_id", "phase_id")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    limit: int
    after_seq: int
    page_size: int
    page_token: str
    run_id: str
    phase_id: str
    def __init__(self, room_id: _Optional[str] = ..., limit: _Optional[int] = ..., after_seq: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., run_id: _Optional[str] = ..., phase_id: _Optional[str] = ...) -> None: ...

class GetHistoryResponse(_message.Message):
    __slots__ = ("version", "messages", "next_page_token")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    version: int
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    next_page_token: str
    def __init__(self, version: _Optional[int] = ..., messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RenderMessagesRequest(_message.Message):
    __slots__ = ("room_id", "room_context", "template", "include_thinking", "form", "format", "sender_style", "id_markers", "max_tokens", "encoding", "run_id", "phase_id", "memory_bank", "memory_bank_max_tokens")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    ROOM_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_THINKING_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SENDER_STYLE_FIELD_NUMBER: _ClassVar[int]
    ID_MARKERS_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BANK_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BANK_MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    room_context: _struct_pb2.Struct
    template: str
    include_thinking: bool
    form: RenderForm
    format: RenderFormat
    sender_style: SenderStyle
    id_markers: IdMarkers
    max_tokens: int
    encoding: TokenEncoding
    run_id: str
    phase_id: str
    memory_bank: _memory_bank_pb2.MemoryBankUse
    memory_bank_max_tokens: int
    def __init__(self, room_id: _Optional[str] = ..., room_context: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., template: _Optional[str] = ..., include_thinking: _Optional[bool] = ..., form: _Optional[_Union[RenderForm, str]] = ..., format: _Optional[_Union[RenderFormat, str]] = ..., sender_style: _Optional[_Union[SenderStyle, str]] = ..., id_markers: _Optional[_Union[IdMarkers, str]] = ..., max_tokens: _Optional[int] = ..., encoding: _Optional[_Union[TokenEncoding, str]] = ..., run_id: _Optional[str] = ..., phase_id: _Optional[str] = ..., memory_bank: _Optional[_Union[_memory_bank_pb2.MemoryBankUse, str]] = ..., memory_bank_max_tokens: _Optional[int] = ...) -> None: ...

class RenderedMessage(_message.Message):
    __slots__ = ("role", "content", "parts", "tool_calls", "tool_call_id", "name", "is_error", "tool_results")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    IS_ERROR_FIELD_NUMBER: _ClassVar[int]
    TOOL_RESULTS_FIELD_NUMBER: _ClassVar[int]
    role: str
    content: str
    parts: _containers.RepeatedCompositeFieldContainer[_message_pb2.ContentPart]
    tool_calls: _containers.RepeatedCompositeFieldContainer[_message_pb2.ToolCall]
    tool_call_id: str
    name: str
    is_error: bool
    tool_results: _containers.RepeatedCompositeFieldContainer[RenderedMessage]
    def __init__(self, role: _Optional[str] = ..., content: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[_message_pb2.ContentPart, _Mapping]]] = ..., tool_calls: _Optional[_Iterable[_Union[_message_pb2.ToolCall, _Mapping]]] = ..., tool_call_id: _Optional[str] = ..., name: _Optional[str] = ..., is_error: _Optional[bool] = ..., tool_results: _Optional[_Iterable[_Union[RenderedMessage, _Mapping]]] = ...) -> None: ...

class RenderMessagesResponse(_message.Message):
    __slots__ = ("messages", "version", "estimated_tokens", "messages_json", "repaired", "system", "dropped_messages", "truncated", "dropped_parts", "converted_parts", "encoding", "tokens_exact", "memory_bank_tokens")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_JSON_FIELD_NUMBER: _ClassVar[int]
    REPAIRED_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    DROPPED_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    DROPPED_PARTS_FIELD_NUMBER: _ClassVar[int]
    CONVERTED_PARTS_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    TOKENS_EXACT_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BANK_TOKENS_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[RenderedMessage]
    version: int
    estimated_tokens: int
    messages_json: str
    repaired: int
    system: str
    dropped_messages: int
    truncated: bool
    dropped_parts: int
    converted_parts: int
    encoding: TokenEncoding
    tokens_exact: bool
    memory_bank_tokens: int
    def __init__(self, messages: _Optional[_Iterable[_Union[RenderedMessage, _Mapping]]] = ..., version: _Optional[int] = ..., estimated_tokens: _Optional[int] = ..., messages_json: _Optional[str] = ..., repaired: _Optional[int] = ..., system: _Optional[str] = ..., dropped_messages: _Optional[int] = ..., truncated: _Optional[bool] = ..., dropped_parts: _Optional[int] = ..., converted_parts: _Optional[int] = ..., encoding: _Optional[_Union[TokenEncoding, str]] = ..., tokens_exact: _Optional[bool] = ..., memory_bank_tokens: _Optional[int] = ...) -> None: ...

class SetRoomRenderDefaultsRequest(_message.Message):
    __slots__ = ("room_id", "template", "room_context", "encoding", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    ROOM_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    template: str
    room_context: _struct_pb2.Struct
    encoding: TokenEncoding
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., template: _Optional[str] = ..., room_context: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., encoding: _Optional[_Union[TokenEncoding, str]] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class SetRoomRenderDefaultsResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class ReportUsageRequest(_message.Message):
    __slots__ = ("room_id", "version", "input_tokens", "estimated_tokens", "format")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    version: int
    input_tokens: int
    estimated_tokens: int
    format: RenderFormat
    def __init__(self, room_id: _Optional[str] = ..., version: _Optional[int] = ..., input_tokens: _Optional[int] = ..., estimated_tokens: _Optional[int] = ..., format: _Optional[_Union[RenderFormat, str]] = ...) -> None: ...

class ReportUsageResponse(_message.Message):
    __slots__ = ("calibration", "samples")
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    calibration: float
    samples: int
    def __init__(self, calibration: _Optional[float] = ..., samples: _Optional[int] = ...) -> None: ...

class UpdateMessageRequest(_message.Message):
    __slots__ = ("room_id", "message_id", "content", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    message_id: str
    content: str
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., message_id: _Optional[str] = ..., content: _Optional[str] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class UpdateMessageResponse(_message.Message):
    __slots__ = ("version", "message")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    version: int
    message: _message_pb2.Message
    def __init__(self, version: _Optional[int] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class MarkDeletedRequest(_message.Message):
    __slots__ = ("room_id", "message_id", "deleted_at", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    message_id: str
    deleted_at: _timestamp_pb2.Timestamp
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., message_id: _Optional[str] = ..., deleted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class MarkDeletedResponse(_message.Message):
    __slots__ = ("version", "message")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    version: int
    message: _message_pb2.Message
    def __init__(self, version: _Optional[int] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class PatchReactionsRequest(_message.Message):
    __slots__ = ("room_id", "message_id", "reactions", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REACTIONS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    message_id: str
    reactions: _containers.RepeatedCompositeFieldContainer[_message_pb2.Reaction]
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., message_id: _Optional[str] = ..., reactions: _Optional[_Iterable[_Union[_message_pb2.Reaction, _Mapping]]] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class PatchReactionsResponse(_message.Message):
    __slots__ = ("version", "message")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    version: int
    message: _message_pb2.Message
    def __init__(self, version: _Optional[int] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class ClearRoomRequest(_message.Message):
    __slots__ = ("room_id", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class ClearRoomResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class SetRoomLimitRequest(_message.Message):
    __slots__ = ("room_id", "limit", "max_bytes", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    limit: int
    max_bytes: int
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., limit: _Optional[int] = ..., max_bytes: _Optional[int] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class SetRoomLimitResponse(_message.Message):
    __slots__ = ("limit", "version", "rebackfill_requested", "max_bytes", "trimmed")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REBACKFILL_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    TRIMMED_FIELD_NUMBER: _ClassVar[int]
    limit: int
    version: int
    rebackfill_requested: bool
    max_bytes: int
    trimmed: int
    def __init__(self, limit: _Optional[int] = ..., version: _Optional[int] = ..., rebackfill_requested: _Optional[bool] = ..., max_bytes: _Optional[int] = ..., trimmed: _Optional[int] = ...) -> None: ...

class DiscardRebackfillRequest(_message.Message):
    __slots__ = ("room_id", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class DiscardRebackfillResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class GetRoomInfoRequest(_message.Message):
    __slots__ = ("room_id",)
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class GetRoomInfoResponse(_message.Message):
    __slots__ = ("version", "message_count", "limit", "last_role", "rebackfill_requested", "updated_at", "entry_count", "idle_ttl_seconds", "retention_is_default", "expires_at", "exists", "window_bytes", "max_bytes", "template", "room_context", "encoding", "calibration", "token_count", "max_context_tokens", "compaction_threshold", "usage_ratio", "needs_compaction", "output_keys", "archive_trimmed", "current_phase", "archive_count", "metadata", "created_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    LAST_ROLE_FIELD_NUMBER: _ClassVar[int]
    REBACKFILL_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    IDLE_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    ROOM_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPACTION_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    USAGE_RATIO_FIELD_NUMBER: _ClassVar[int]
    NEEDS_COMPACTION_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_KEYS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_TRIMMED_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PHASE_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    message_count: int
    limit: int
    last_role: _message_pb2.Role
    rebackfill_requested: bool
    updated_at: _timestamp_pb2.Timestamp
    entry_count: int
    idle_ttl_seconds: int
    retention_is_default: bool
    expires_at: _timestamp_pb2.Timestamp
    exists: bool
    window_bytes: int
    max_bytes: int
    template: str
    room_context: _struct_pb2.Struct
    encoding: TokenEncoding
    calibration: float
    token_count: int
    max_context_tokens: int
    compaction_threshold: float
    usage_ratio: float
    needs_compaction: bool
    output_keys: _containers.RepeatedScalarFieldContainer[str]
    archive_trimmed: bool
    current_phase: str
    archive_count: int
    metadata: _metadata_pb2.RoomMetadata
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., message_count: _Optional[int] = ..., limit: _Optional[int] = ..., last_role: _Optional[_Union[_message_pb2.Role, str]] = ..., rebackfill_requested: _Optional[bool] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., entry_count: _Optional[int] = ..., idle_ttl_seconds: _Optional[int] = ..., retention_is_default: _Optional[bool] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., exists: _Optional[bool] = ..., window_bytes: _Optional[int] = ..., max_bytes: _Optional[int] = ..., template: _Optional[str] = ..., room_context: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., encoding: _Optional[_Union[TokenEncoding, str]] = ..., calibration: _Optional[float] = ..., token_count: _Optional[int] = ..., max_context_tokens: _Optional[int] = ..., compaction_threshold: _Optional[float] = ..., usage_ratio: _Optional[float] = ..., needs_compaction: _Optional[bool] = ..., output_keys: _Optional[_Iterable[str]] = ..., archive_trimmed: _Optional[bool] = ..., current_phase: _Optional[str] = ..., archive_count: _Optional[int] = ..., metadata: _Optional[_Union[_metadata_pb2.RoomMetadata, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetAgentOptionsRequest(_message.Message):
    __slots__ = ("room_id", "max_context_tokens", "compaction_threshold", "output_keys", "archive_trimmed", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPACTION_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_KEYS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_TRIMMED_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    max_context_tokens: int
    compaction_threshold: float
    output_keys: _containers.RepeatedScalarFieldContainer[str]
    archive_trimmed: bool
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., max_context_tokens: _Optional[int] = ..., compaction_threshold: _Optional[float] = ..., output_keys: _Optional[_Iterable[str]] = ..., archive_trimmed: _Optional[bool] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class SetAgentOptionsResponse(_message.Message):
    __slots__ = ("version", "needs_compaction")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NEEDS_COMPACTION_FIELD_NUMBER: _ClassVar[int]
    version: int
    needs_compaction: bool
    def __init__(self, version: _Optional[int] = ..., needs_compaction: _Optional[bool] = ...) -> None: ...

class PruneToolResultsRequest(_message.Message):
    __slots__ = ("room_id", "protect_tokens", "min_prune_tokens", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    PROTECT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MIN_PRUNE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    protect_tokens: int
    min_prune_tokens: int
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., protect_tokens: _Optional[int] = ..., min_prune_tokens: _Optional[int] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class PruneToolResultsResponse(_message.Message):
    __slots__ = ("version", "pruned", "freed_tokens", "seqs")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PRUNED_FIELD_NUMBER: _ClassVar[int]
    FREED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SEQS_FIELD_NUMBER: _ClassVar[int]
    version: int
    pruned: int
    freed_tokens: int
    seqs: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, version: _Optional[int] = ..., pruned: _Optional[int] = ..., freed_tokens: _Optional[int] = ..., seqs: _Optional[_Iterable[int]] = ...) -> None: ...

class CompactHistoryRequest(_message.Message):
    __slots__ = ("room_id", "summary", "keep_recent", "keep_recent_tokens", "phase_graduated", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    KEEP_RECENT_FIELD_NUMBER: _ClassVar[int]
    KEEP_RECENT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    PHASE_GRADUATED_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    summary: str
    keep_recent: int
    keep_recent_tokens: int
    phase_graduated: bool
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., summary: _Optional[str] = ..., keep_recent: _Optional[int] = ..., keep_recent_tokens: _Optional[int] = ..., phase_graduated: _Optional[bool] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class CompactHistoryResponse(_message.Message):
    __slots__ = ("version", "compacted", "summary", "preserved_values", "replaced_through_seq")
    class PreservedValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    COMPACTED_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PRESERVED_VALUES_FIELD_NUMBER: _ClassVar[int]
    REPLACED_THROUGH_SEQ_FIELD_NUMBER: _ClassVar[int]
    version: int
    compacted: int
    summary: _message_pb2.Message
    preserved_values: _containers.ScalarMap[str, str]
    replaced_through_seq: int
    def __init__(self, version: _Optional[int] = ..., compacted: _Optional[int] = ..., summary: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., preserved_values: _Optional[_Mapping[str, str]] = ..., replaced_through_seq: _Optional[int] = ...) -> None: ...

class CompactPreservingStructureRequest(_message.Message):
    __slots__ = ("room_id", "keep_recent", "phase_graduated", "aggressive", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    KEEP_RECENT_FIELD_NUMBER: _ClassVar[int]
    PHASE_GRADUATED_FIELD_NUMBER: _ClassVar[int]
    AGGRESSIVE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    keep_recent: int
    phase_graduated: bool
    aggressive: bool
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., keep_recent: _Optional[int] = ..., phase_graduated: _Optional[bool] = ..., aggressive: _Optional[bool] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class CompactPreservingStructureResponse(_message.Message):
    __slots__ = ("version", "archived", "shortened", "replaced_through_seq")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    SHORTENED_FIELD_NUMBER: _ClassVar[int]
    REPLACED_THROUGH_SEQ_FIELD_NUMBER: _ClassVar[int]
    version: int
    archived: int
    shortened: int
    replaced_through_seq: int
    def __init__(self, version: _Optional[int] = ..., archived: _Optional[int] = ..., shortened: _Optional[int] = ..., replaced_through_seq: _Optional[int] = ...) -> None: ...

class GetArchiveRequest(_message.Message):
    __slots__ = ("room_id", "from_seq", "to_seq", "page_size", "page_token")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_SEQ_FIELD_NUMBER: _ClassVar[int]
    TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    from_seq: int
    to_seq: int
    page_size: int
    page_token: str
    def __init__(self, room_id: _Optional[str] = ..., from_seq: _Optional[int] = ..., to_seq: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetArchiveResponse(_message.Message):
    __slots__ = ("messages", "next_page_token")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    next_page_token: str
    def __init__(self, messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SearchHistoryRequest(_message.Message):
    __slots__ = ("room_id", "text", "sender", "from_time", "to_time", "include_archive", "page_size", "page_token")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    FROM_TIME_FIELD_NUMBER: _ClassVar[int]
    TO_TIME_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    text: str
    sender: str
    from_time: _timestamp_pb2.Timestamp
    to_time: _timestamp_pb2.Timestamp
    include_archive: bool
    page_size: int
    page_token: str
    def __init__(self, room_id: _Optional[str] = ..., text: _Optional[str] = ..., sender: _Optional[str] = ..., from_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., to_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., include_archive: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("message", "archived")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    archived: bool
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., archived: _Optional[bool] = ...) -> None: ...

class SearchHistoryResponse(_message.Message):
    __slots__ = ("hits", "next_page_token")
    HITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    next_page_token: str
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ExportSummaryRequest(_message.Message):
    __slots__ = ("room_id", "recent")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    RECENT_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    recent: int
    def __init__(self, room_id: _Optional[str] = ..., recent: _Optional[int] = ...) -> None: ...

class ExportSummaryResponse(_message.Message):
    __slots__ = ("info", "messages_by_role", "tool_calls_by_name", "tool_errors", "run_ids", "first_message_at", "last_message_at", "recent_messages")
    class MessagesByRoleEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ToolCallsByNameEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    INFO_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_BY_ROLE_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALLS_BY_NAME_FIELD_NUMBER: _ClassVar[int]
    TOOL_ERRORS_FIELD_NUMBER: _ClassVar[int]
    RUN_IDS_FIELD_NUMBER: _ClassVar[int]
    FIRST_MESSAGE_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_AT_FIELD_NUMBER: _ClassVar[int]
    RECENT_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    info: GetRoomInfoResponse
    messages_by_role: _containers.ScalarMap[str, int]
    tool_calls_by_name: _containers.ScalarMap[str, int]
    tool_errors: int
    run_ids: _containers.RepeatedScalarFieldContainer[str]
    first_message_at: _timestamp_pb2.Timestamp
    last_message_at: _timestamp_pb2.Timestamp
    recent_messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    def __init__(self, info: _Optional[_Union[GetRoomInfoResponse, _Mapping]] = ..., messages_by_role: _Optional[_Mapping[str, int]] = ..., tool_calls_by_name: _Optional[_Mapping[str, int]] = ..., tool_errors: _Optional[int] = ..., run_ids: _Optional[_Iterable[str]] = ..., first_message_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_message_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recent_messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ...) -> None: ...

class GetRunCursorRequest(_message.Message):
    __slots__ = ("room_id", "run_id")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    run_id: str
    def __init__(self, room_id: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class GetRunCursorResponse(_message.Message):
    __slots__ = ("exists", "next_seq", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_SEQ_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    exists: bool
    next_seq: int
    values: _containers.ScalarMap[str, str]
    def __init__(self, exists: _Optional[bool] = ..., next_seq: _Optional[int] = ..., values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class UpdateRunCursorRequest(_message.Message):
    __slots__ = ("room_id", "run_id", "next_seq", "values", "expected_next_seq")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_SEQ_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_NEXT_SEQ_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    run_id: str
    next_seq: int
    values: _containers.ScalarMap[str, str]
    expected_next_seq: int
    def __init__(self, room_id: _Optional[str] = ..., run_id: _Optional[str] = ..., next_seq: _Optional[int] = ..., values: _Optional[_Mapping[str, str]] = ..., expected_next_seq: _Optional[int] = ...) -> None: ...

class UpdateRunCursorResponse(_message.Message):
    __slots__ = ("next_seq", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NEXT_SEQ_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    next_seq: int
    values: _containers.ScalarMap[str, str]
    def __init__(self, next_seq: _Optional[int] = ..., values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class DeleteRoomRequest(_message.Message):
    __slots__ = ("room_id", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class DeleteRoomResponse(_message.Message):
    __slots__ = ("version", "deleted")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    version: int
    deleted: bool
    def __init__(self, version: _Optional[int] = ..., deleted: _Optional[bool] = ...) -> None: ...

class SetRoomRetentionRequest(_message.Message):
    __slots__ = ("room_id", "idle_ttl_seconds", "expected_version", "durability")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    IDLE_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    idle_ttl_seconds: int
    expected_version: int
    durability: Durability
    def __init__(self, room_id: _Optional[str] = ..., idle_ttl_seconds: _Optional[int] = ..., expected_version: _Optional[int] = ..., durability: _Optional[_Union[Durability, _Mapping]] = ...) -> None: ...

class SetRoomRetentionResponse(_message.Message):
    __slots__ = ("version", "idle_ttl_seconds", "retention_is_default")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    IDLE_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    version: int
    idle_ttl_seconds: int
    retention_is_default: bool
    def __init__(self, version: _Optional[int] = ..., idle_ttl_seconds: _Optional[int] = ..., retention_is_default: _Optional[bool] = ...) -> None: ...

class ReapIdleRoomsRequest(_message.Message):
    __slots__ = ("max_idle_seconds", "dry_run", "limit")
    MAX_IDLE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    max_idle_seconds: int
    dry_run: bool
    limit: int
    def __init__(self, max_idle_seconds: _Optional[int] = ..., dry_run: _Optional[bool] = ..., limit: _Optional[int] = ...) -> None: ...

class ReapIdleRoomsResponse(_message.Message):
    __slots__ = ("room_ids", "count", "more")
    ROOM_IDS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    room_ids: _containers.RepeatedScalarFieldContainer[str]
    count: int
    more: bool
    def __init__(self, room_ids: _Optional[_Iterable[str]] = ..., count: _Optional[int] = ..., more: _Optional[bool] = ...) -> None: ...

class ListRoomsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "namespace", "label", "order", "prefix")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    namespace: str
    label: str
    order: _metadata_pb2.ListRoomsOrder
    prefix: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., namespace: _Optional[str] = ..., label: _Optional[str] = ..., order: _Optional[_Union[_metadata_pb2.ListRoomsOrder, str]] = ..., prefix: _Optional[str] = ...) -> None: ...

class ListRoomsResponse(_message.Message):
    __slots__ = ("room_ids", "next_page_token", "rooms")
    ROOM_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    room_ids: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    rooms: _containers.RepeatedCompositeFieldContainer[_metadata_pb2.RoomListing]
    def __init__(self, room_ids: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ..., rooms: _Optional[_Iterable[_Union[_metadata_pb2.RoomListing, _Mapping]]] = ...) -> None: ...

class RoomCursor(_message.Message):
    __slots__ = ("room_id", "known_version")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    KNOWN_VERSION_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    known_version: int
    def __init__(self, room_id: _Optional[str] = ..., known_version: _Optional[int] = ...) -> None: ...

class RoomVersion(_message.Message):
    __slots__ = ("room_id", "version")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    version: int
    def __init__(self, room_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ("rooms", "progress_interval_ms", "versions_only")
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_ONLY_FIELD_NUMBER: _ClassVar[int]
    rooms: _containers.RepeatedCompositeFieldContainer[RoomCursor]
    progress_interval_ms: int
    versions_only: bool
    def __init__(self, rooms: _Optional[_Iterable[_Union[RoomCursor, _Mapping]]] = ..., progress_interval_ms: _Optional[int] = ..., versions_only: _Optional[bool] = ...) -> None: ...

class WatchCreated(_message.Message):
    __slots__ = ("rooms", "request_id", "prefix", "namespace")
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    rooms: _containers.RepeatedCompositeFieldContainer[RoomVersion]
    request_id: int
    prefix: str
    namespace: str
    def __init__(self, rooms: _Optional[_Iterable[_Union[RoomVersion, _Mapping]]] = ..., request_id: _Optional[int] = ..., prefix: _Optional[str] = ..., namespace: _Optional[str] = ...) -> None: ...

class WatchProgress(_message.Message):
    __slots__ = ("sent_at", "watermark", "request_id")
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    WATERMARK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    sent_at: _timestamp_pb2.Timestamp
    watermark: _timestamp_pb2.Timestamp
    request_id: int
    def __init__(self, sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., watermark: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[int] = ...) -> None: ...

class WatchRoomsRequest(_message.Message):
    __slots__ = ("add", "remove", "progress", "options")
    ADD_FIELD_NUMBER: _ClassVar[int]
    REMOVE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    add: AddRooms
    remove: RemoveRooms
    progress: ProgressRequest
    options: WatchOptions
    def __init__(self, add: _Optional[_Union[AddRooms, _Mapping]] = ..., remove: _Optional[_Union[RemoveRooms, _Mapping]] = ..., progress: _Optional[_Union[ProgressRequest, _Mapping]] = ..., options: _Optional[_Union[WatchOptions, _Mapping]] = ...) -> None: ...

class AddRooms(_message.Message):
    __slots__ = ("rooms", "prefix", "namespace", "request_id")
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    rooms: _containers.RepeatedCompositeFieldContainer[RoomCursor]
    prefix: str
    namespace: str
    request_id: int
    def __init__(self, rooms: _Optional[_Iterable[_Union[RoomCursor, _Mapping]]] = ..., prefix: _Optional[str] = ..., namespace: _Optional[str] = ..., request_id: _Optional[int] = ...) -> None: ...

class RemoveRooms(_message.Message):
    __slots__ = ("room_ids", "prefix", "namespace", "request_id")
    ROOM_IDS_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    room_ids: _containers.RepeatedScalarFieldContainer[str]
    prefix: str
    namespace: str
    request_id: int
    def __init__(self, room_ids: _Optional[_Iterable[str]] = ..., prefix: _Optional[str] = ..., namespace: _Optional[str] = ..., request_id: _Optional[int] = ...) -> None: ...

class ProgressRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    def __init__(self, request_id: _Optional[int] = ...) -> None: ...

class WatchOptions(_message.Message):
    __slots__ = ("progress_interval_ms", "versions_only")
    PROGRESS_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_ONLY_FIELD_NUMBER: _ClassVar[int]
    progress_interval_ms: int
    versions_only: bool
    def __init__(self, progress_interval_ms: _Optional[int] = ..., versions_only: _Optional[bool] = ...) -> None: ...

class WatchCancelled(_message.Message):
    __slots__ = ("room_id", "prefix", "namespace", "reason", "message", "request_id")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    prefix: str
    namespace: str
    reason: WatchCancelReason
    message: str
    request_id: int
    def __init__(self, room_id: _Optional[str] = ..., prefix: _Optional[str] = ..., namespace: _Optional[str] = ..., reason: _Optional[_Union[WatchCancelReason, str]] = ..., message: _Optional[str] = ..., request_id: _Optional[int] = ...) -> None: ...

class WatchRoomsResponse(_message.Message):
    __slots__ = ("created", "change", "progress", "cancelled")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    created: WatchCreated
    change: _change_pb2.RoomChange
    progress: WatchProgress
    cancelled: WatchCancelled
    def __init__(self, created: _Optional[_Union[WatchCreated, _Mapping]] = ..., change: _Optional[_Union[_change_pb2.RoomChange, _Mapping]] = ..., progress: _Optional[_Union[WatchProgress, _Mapping]] = ..., cancelled: _Optional[_Union[WatchCancelled, _Mapping]] = ...) -> None: ...

class WatchResponse(_message.Message):
    __slots__ = ("created", "change", "progress")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    created: WatchCreated
    change: _change_pb2.RoomChange
    progress: WatchProgress
    def __init__(self, created: _Optional[_Union[WatchCreated, _Mapping]] = ..., change: _Optional[_Union[_change_pb2.RoomChange, _Mapping]] = ..., progress: _Optional[_Union[WatchProgress, _Mapping]] = ...) -> None: ...
