import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MemoryGranularity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_GRANULARITY_UNSPECIFIED: _ClassVar[MemoryGranularity]
    MEMORY_GRANULARITY_CONVERSATION: _ClassVar[MemoryGranularity]
    MEMORY_GRANULARITY_DAY: _ClassVar[MemoryGranularity]
    MEMORY_GRANULARITY_WEEK: _ClassVar[MemoryGranularity]
    MEMORY_GRANULARITY_MONTH: _ClassVar[MemoryGranularity]

class MemoryBankUse(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_BANK_USE_UNSPECIFIED: _ClassVar[MemoryBankUse]
    MEMORY_BANK_USE_NONE: _ClassVar[MemoryBankUse]
    MEMORY_BANK_USE_TEMPLATE: _ClassVar[MemoryBankUse]
    MEMORY_BANK_USE_PREPEND: _ClassVar[MemoryBankUse]
MEMORY_GRANULARITY_UNSPECIFIED: MemoryGranularity
MEMORY_GRANULARITY_CONVERSATION: MemoryGranularity
MEMORY_GRANULARITY_DAY: MemoryGranularity
MEMORY_GRANULARITY_WEEK: MemoryGranularity
MEMORY_GRANULARITY_MONTH: MemoryGranularity
MEMORY_BANK_USE_UNSPECIFIED: MemoryBankUse
MEMORY_BANK_USE_NONE: MemoryBankUse
MEMORY_BANK_USE_TEMPLATE: MemoryBankUse
MEMORY_BANK_USE_PREPEND: MemoryBankUse

class NamespaceOptions(_message.Message):
    __slots__ = ("namespace", "memory_bank_enabled", "max_tokens", "idle_minutes", "max_turns_per_summary")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BANK_ENABLED_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    IDLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MAX_TURNS_PER_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    memory_bank_enabled: bool
    max_tokens: int
    idle_minutes: int
    max_turns_per_summary: int
    def __init__(self, namespace: _Optional[str] = ..., memory_bank_enabled: _Optional[bool] = ..., max_tokens: _Optional[int] = ..., idle_minutes: _Optional[int] = ..., max_turns_per_summary: _Optional[int] = ...) -> None: ...

class SetNamespaceOptionsRequest(_message.Message):
    __slots__ = ("namespace", "memory_bank_enabled", "max_tokens", "idle_minutes", "max_turns_per_summary")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BANK_ENABLED_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    IDLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MAX_TURNS_PER_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    memory_bank_enabled: bool
    max_tokens: int
    idle_minutes: int
    max_turns_per_summary: int
    def __init__(self, namespace: _Optional[str] = ..., memory_bank_enabled: _Optional[bool] = ..., max_tokens: _Optional[int] = ..., idle_minutes: _Optional[int] = ..., max_turns_per_summary: _Optional[int] = ...) -> None: ...

class SetNamespaceOptionsResponse(_message.Message):
    __slots__ = ("options",)
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    options: NamespaceOptions
    def __init__(self, options: _Optional[_Union[NamespaceOptions, _Mapping]] = ...) -> None: ...

class MemoryBankEntry(_message.Message):
    __slots__ = ("id", "granularity", "period_key", "room_id", "summary", "token_count", "source_message_count", "last_source_at", "created_at", "updated_at", "covers_version", "revision")
    ID_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    PERIOD_KEY_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_SOURCE_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    COVERS_VERSION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    id: str
    granularity: MemoryGranularity
    period_key: str
    room_id: str
    summary: str
    token_count: int
    source_message_count: int
    last_source_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    covers_version: int
    revision: int
    def __init__(self, id: _Optional[str] = ..., granularity: _Optional[_Union[MemoryGranularity, str]] = ..., period_key: _Optional[str] = ..., room_id: _Optional[str] = ..., summary: _Optional[str] = ..., token_count: _Optional[int] = ..., source_message_count: _Optional[int] = ..., last_source_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., covers_version: _Optional[int] = ..., revision: _Optional[int] = ...) -> None: ...

class GetMemoryBankRequest(_message.Message):
    __slots__ = ("namespace",)
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    def __init__(self, namespace: _Optional[str] = ...) -> None: ...

class GetMemoryBankResponse(_message.Message):
    __slots__ = ("options", "entries", "total_tokens", "dropped_entries")
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    DROPPED_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    options: NamespaceOptions
    entries: _containers.RepeatedCompositeFieldContainer[MemoryBankEntry]
    total_tokens: int
    dropped_entries: int
    def __init__(self, options: _Optional[_Union[NamespaceOptions, _Mapping]] = ..., entries: _Optional[_Iterable[_Union[MemoryBankEntry, _Mapping]]] = ..., total_tokens: _Optional[int] = ..., dropped_entries: _Optional[int] = ...) -> None: ...

class ListRoomsNeedingSummaryRequest(_message.Message):
    __slots__ = ("namespace", "idle_minutes", "page_size", "as_of")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    IDLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    idle_minutes: int
    page_size: int
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, namespace: _Optional[str] = ..., idle_minutes: _Optional[int] = ..., page_size: _Optional[int] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RoomNeedingSummary(_message.Message):
    __slots__ = ("room_id", "version", "last_activity", "summarized_version")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    SUMMARIZED_VERSION_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    version: int
    last_activity: _timestamp_pb2.Timestamp
    summarized_version: int
    def __init__(self, room_id: _Optional[str] = ..., version: _Optional[int] = ..., last_activity: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summarized_version: _Optional[int] = ...) -> None: ...

class ListRoomsNeedingSummaryResponse(_message.Message):
    __slots__ = ("rooms", "more")
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    rooms: _containers.RepeatedCompositeFieldContainer[RoomNeedingSummary]
    more: bool
    def __init__(self, rooms: _Optional[_Iterable[_Union[RoomNeedingSummary, _Mapping]]] = ..., more: _Optional[bool] = ...) -> None: ...

class PutConversationSummaryRequest(_message.Message):
    __slots__ = ("room_id", "summary", "covers_version", "last_turn_at", "source_message_count")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    COVERS_VERSION_FIELD_NUMBER: _ClassVar[int]
    LAST_TURN_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    summary: str
    covers_version: int
    last_turn_at: _timestamp_pb2.Timestamp
    source_message_count: int
    def __init__(self, room_id: _Optional[str] = ..., summary: _Optional[str] = ..., covers_version: _Optional[int] = ..., last_turn_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source_message_count: _Optional[int] = ...) -> None: ...

class PutConversationSummaryResponse(_message.Message):
    __slots__ = ("entry", "created")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    entry: MemoryBankEntry
    created: bool
    def __init__(self, entry: _Optional[_Union[MemoryBankEntry, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class PlanRollupRequest(_message.Message):
    __slots__ = ("namespace", "as_of")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, namespace: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RollupGroup(_message.Message):
    __slots__ = ("plan", "to", "period_key", "sources")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    PERIOD_KEY_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    plan: str
    to: MemoryGranularity
    period_key: str
    sources: _containers.RepeatedCompositeFieldContainer[MemoryBankEntry]
    def __init__(self, plan: _Optional[str] = ..., to: _Optional[_Union[MemoryGranularity, str]] = ..., period_key: _Optional[str] = ..., sources: _Optional[_Iterable[_Union[MemoryBankEntry, _Mapping]]] = ..., **kwargs) -> None: ...

class PlanRollupResponse(_message.Message):
    __slots__ = ("groups", "total_tokens", "max_tokens", "dropped_entries")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    DROPPED_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[RollupGroup]
    total_tokens: int
    max_tokens: int
    dropped_entries: int
    def __init__(self, groups: _Optional[_Iterable[_Union[RollupGroup, _Mapping]]] = ..., total_tokens: _Optional[int] = ..., max_tokens: _Optional[int] = ..., dropped_entries: _Optional[int] = ...) -> None: ...

class CommitRollupRequest(_message.Message):
    __slots__ = ("plan", "digest_text")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    DIGEST_TEXT_FIELD_NUMBER: _ClassVar[int]
    plan: str
    digest_text: str
    def __init__(self, plan: _Optional[str] = ..., digest_text: _Optional[str] = ...) -> None: ...

class CommitRollupResponse(_message.Message):
    __slots__ = ("digest", "sources_replaced", "total_tokens")
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SOURCES_REPLACED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    digest: MemoryBankEntry
    sources_replaced: int
    total_tokens: int
    def __init__(self, digest: _Optional[_Union[MemoryBankEntry, _Mapping]] = ..., sources_replaced: _Optional[int] = ..., total_tokens: _Optional[int] = ...) -> None: ...

class RenderMemoryBankRequest(_message.Message):
    __slots__ = ("namespace", "max_tokens")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    max_tokens: int
    def __init__(self, namespace: _Optional[str] = ..., max_tokens: _Optional[int] = ...) -> None: ...

class RenderMemoryBankResponse(_message.Message):
    __slots__ = ("text", "tokens", "entries_rendered", "entries_omitted")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_RENDERED_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_OMITTED_FIELD_NUMBER: _ClassVar[int]
    text: str
    tokens: int
    entries_rendered: int
    entries_omitted: int
    def __init__(self, text: _Optional[str] = ..., tokens: _Optional[int] = ..., entries_rendered: _Optional[int] = ..., entries_omitted: _Optional[int] = ...) -> None: ...
