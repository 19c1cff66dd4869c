from roomhistory.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_KIND_UNSPECIFIED: _ClassVar[ChangeKind]
    CHANGE_KIND_APPEND: _ClassVar[ChangeKind]
    CHANGE_KIND_UPDATE: _ClassVar[ChangeKind]
    CHANGE_KIND_DELETE: _ClassVar[ChangeKind]
    CHANGE_KIND_REACTIONS: _ClassVar[ChangeKind]
    CHANGE_KIND_CLEAR: _ClassVar[ChangeKind]
    CHANGE_KIND_LIMIT: _ClassVar[ChangeKind]
    CHANGE_KIND_REBACKFILL: _ClassVar[ChangeKind]
    CHANGE_KIND_RESYNC: _ClassVar[ChangeKind]
    CHANGE_KIND_EXPIRED: _ClassVar[ChangeKind]
    CHANGE_KIND_DELETED: _ClassVar[ChangeKind]
    CHANGE_KIND_RETENTION: _ClassVar[ChangeKind]
    CHANGE_KIND_RENDER_DEFAULTS: _ClassVar[ChangeKind]
    CHANGE_KIND_AGENT_OPTIONS: _ClassVar[ChangeKind]
    CHANGE_KIND_PRUNE: _ClassVar[ChangeKind]
    CHANGE_KIND_COMPACT: _ClassVar[ChangeKind]
    CHANGE_KIND_METADATA: _ClassVar[ChangeKind]
    CHANGE_KIND_IMPORTED: _ClassVar[ChangeKind]
CHANGE_KIND_UNSPECIFIED: ChangeKind
CHANGE_KIND_APPEND: ChangeKind
CHANGE_KIND_UPDATE: ChangeKind
CHANGE_KIND_DELETE: ChangeKind
CHANGE_KIND_REACTIONS: ChangeKind
CHANGE_KIND_CLEAR: ChangeKind
CHANGE_KIND_LIMIT: ChangeKind
CHANGE_KIND_REBACKFILL: ChangeKind
CHANGE_KIND_RESYNC: ChangeKind
CHANGE_KIND_EXPIRED: ChangeKind
CHANGE_KIND_DELETED: ChangeKind
CHANGE_KIND_RETENTION: ChangeKind
CHANGE_KIND_RENDER_DEFAULTS: ChangeKind
CHANGE_KIND_AGENT_OPTIONS: ChangeKind
CHANGE_KIND_PRUNE: ChangeKind
CHANGE_KIND_COMPACT: ChangeKind
CHANGE_KIND_METADATA: ChangeKind
CHANGE_KIND_IMPORTED: ChangeKind

class RoomChange(_message.Message):
    __slots__ = ("room_id", "version", "previous_version", "kind", "messages", "messages_omitted", "trimmed", "replaced_through_seq", "token_count", "needs_compaction")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_OMITTED_FIELD_NUMBER: _ClassVar[int]
    TRIMMED_FIELD_NUMBER: _ClassVar[int]
    REPLACED_THROUGH_SEQ_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEEDS_COMPACTION_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    version: int
    previous_version: int
    kind: ChangeKind
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    messages_omitted: bool
    trimmed: int
    replaced_through_seq: int
    token_count: int
    needs_compaction: bool
    def __init__(self, room_id: _Optional[str] = ..., version: _Optional[int] = ..., previous_version: _Optional[int] = ..., kind: _Optional[_Union[ChangeKind, str]] = ..., messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., messages_omitted: _Optional[bool] = ..., trimmed: _Optional[int] = ..., replaced_through_seq: _Optional[int] = ..., token_count: _Optional[int] = ..., needs_compaction: _Optional[bool] = ...) -> None: ...
