import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from roomhistory.v1 import memory_bank_pb2 as _memory_bank_pb2
from roomhistory.v1 import message_pb2 as _message_pb2
from roomhistory.v1 import metadata_pb2 as _metadata_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExportHeader(_message.Message):
    __slots__ = ("format", "exported_at", "source")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    EXPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    format: str
    exported_at: _timestamp_pb2.Timestamp
    source: str
    def __init__(self, format: _Optional[str] = ..., exported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class ExportedRenderDefaults(_message.Message):
    __slots__ = ("template", "room_context", "encoding")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    ROOM_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    template: str
    room_context: _struct_pb2.Struct
    encoding: str
    def __init__(self, template: _Optional[str] = ..., room_context: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., encoding: _Optional[str] = ...) -> None: ...

class ExportedAgentOptions(_message.Message):
    __slots__ = ("max_context_tokens", "compaction_threshold", "output_keys", "archive_trimmed")
    MAX_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPACTION_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_KEYS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_TRIMMED_FIELD_NUMBER: _ClassVar[int]
    max_context_tokens: int
    compaction_threshold: float
    output_keys: _containers.RepeatedScalarFieldContainer[str]
    archive_trimmed: bool
    def __init__(self, max_context_tokens: _Optional[int] = ..., compaction_threshold: _Optional[float] = ..., output_keys: _Optional[_Iterable[str]] = ..., archive_trimmed: _Optional[bool] = ...) -> None: ...

class ExportedRunCursor(_message.Message):
    __slots__ = ("run_id", "next_seq", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_SEQ_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    next_seq: int
    values: _containers.ScalarMap[str, str]
    def __init__(self, run_id: _Optional[str] = ..., next_seq: _Optional[int] = ..., values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ExportedRoom(_message.Message):
    __slots__ = ("room_id", "version", "last_seq", "limit", "max_bytes", "idle_ttl_seconds", "rebackfill_requested", "metadata", "created_at", "updated_at", "messages", "archive", "render_defaults", "agent_options", "run_cursors")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    IDLE_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REBACKFILL_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_FIELD_NUMBER: _ClassVar[int]
    RENDER_DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    AGENT_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    RUN_CURSORS_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    version: int
    last_seq: int
    limit: int
    max_bytes: int
    idle_ttl_seconds: int
    rebackfill_requested: bool
    metadata: _metadata_pb2.RoomMetadata
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    archive: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    render_defaults: ExportedRenderDefaults
    agent_options: ExportedAgentOptions
    run_cursors: _containers.RepeatedCompositeFieldContainer[ExportedRunCursor]
    def __init__(self, room_id: _Optional[str] = ..., version: _Optional[int] = ..., last_seq: _Optional[int] = ..., limit: _Optional[int] = ..., max_bytes: _Optional[int] = ..., idle_ttl_seconds: _Optional[int] = ..., rebackfill_requested: _Optional[bool] = ..., metadata: _Optional[_Union[_metadata_pb2.RoomMetadata, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., archive: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., render_defaults: _Optional[_Union[ExportedRenderDefaults, _Mapping]] = ..., agent_options: _Optional[_Union[ExportedAgentOptions, _Mapping]] = ..., run_cursors: _Optional[_Iterable[_Union[ExportedRunCursor, _Mapping]]] = ...) -> None: ...

class ExportedNamespace(_message.Message):
    __slots__ = ("options", "entries", "dropped_entries")
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    DROPPED_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    options: _memory_bank_pb2.NamespaceOptions
    entries: _containers.RepeatedCompositeFieldContainer[_memory_bank_pb2.MemoryBankEntry]
    dropped_entries: int
    def __init__(self, options: _Optional[_Union[_memory_bank_pb2.NamespaceOptions, _Mapping]] = ..., entries: _Optional[_Iterable[_Union[_memory_bank_pb2.MemoryBankEntry, _Mapping]]] = ..., dropped_entries: _Optional[int] = ...) -> None: ...

class ExportRecord(_message.Message):
    __slots__ = ("header", "room", "namespace")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    header: ExportHeader
    room: ExportedRoom
    namespace: ExportedNamespace
    def __init__(self, header: _Optional[_Union[ExportHeader, _Mapping]] = ..., room: _Optional[_Union[ExportedRoom, _Mapping]] = ..., namespace: _Optional[_Union[ExportedNamespace, _Mapping]] = ...) -> None: ...

class ExportRoomsRequest(_message.Message):
    __slots__ = ("room_ids", "namespace", "all")
    ROOM_IDS_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    room_ids: _containers.RepeatedScalarFieldContainer[str]
    namespace: str
    all: bool
    def __init__(self, room_ids: _Optional[_Iterable[str]] = ..., namespace: _Optional[str] = ..., all: _Optional[bool] = ...) -> None: ...

class ExportRoomsResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: ExportRecord
    def __init__(self, record: _Optional[_Union[ExportRecord, _Mapping]] = ...) -> None: ...

class ImportRoomsRequest(_message.Message):
    __slots__ = ("record", "expected_version", "replace_existing")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REPLACE_EXISTING_FIELD_NUMBER: _ClassVar[int]
    record: ExportRecord
    expected_version: int
    replace_existing: bool
    def __init__(self, record: _Optional[_Union[ExportRecord, _Mapping]] = ..., expected_version: _Optional[int] = ..., replace_existing: _Optional[bool] = ...) -> None: ...

class ImportFailure(_message.Message):
    __slots__ = ("room_id", "namespace", "code", "message", "current_version")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    namespace: str
    code: int
    message: str
    current_version: int
    def __init__(self, room_id: _Optional[str] = ..., namespace: _Optional[str] = ..., code: _Optional[int] = ..., message: _Optional[str] = ..., current_version: _Optional[int] = ...) -> None: ...

class ImportRoomsResponse(_message.Message):
    __slots__ = ("rooms_created", "rooms_replaced", "namespaces_imported", "failures", "failed_count")
    ROOMS_CREATED_FIELD_NUMBER: _ClassVar[int]
    ROOMS_REPLACED_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_IMPORTED_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    rooms_created: int
    rooms_replaced: int
    namespaces_imported: int
    failures: _containers.RepeatedCompositeFieldContainer[ImportFailure]
    failed_count: int
    def __init__(self, rooms_created: _Optional[int] = ..., rooms_replaced: _Optional[int] = ..., namespaces_imported: _Optional[int] = ..., failures: _Optional[_Iterable[_Union[ImportFailure, _Mapping]]] = ..., failed_count: _Optional[int] = ...) -> None: ...
