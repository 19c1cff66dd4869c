import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListRoomsOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_ROOMS_ORDER_UNSPECIFIED: _ClassVar[ListRoomsOrder]
    LIST_ROOMS_ORDER_ID: _ClassVar[ListRoomsOrder]
    LIST_ROOMS_ORDER_LAST_ACTIVITY: _ClassVar[ListRoomsOrder]
LIST_ROOMS_ORDER_UNSPECIFIED: ListRoomsOrder
LIST_ROOMS_ORDER_ID: ListRoomsOrder
LIST_ROOMS_ORDER_LAST_ACTIVITY: ListRoomsOrder

class Participant(_message.Message):
    __slots__ = ("id", "display_name", "first_seen", "last_seen")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    first_seen: _timestamp_pb2.Timestamp
    last_seen: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., first_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RoomMetadata(_message.Message):
    __slots__ = ("title", "namespace", "participants", "labels", "summary")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    title: str
    namespace: str
    participants: _containers.RepeatedCompositeFieldContainer[Participant]
    labels: _containers.RepeatedScalarFieldContainer[str]
    summary: str
    def __init__(self, title: _Optional[str] = ..., namespace: _Optional[str] = ..., participants: _Optional[_Iterable[_Union[Participant, _Mapping]]] = ..., labels: _Optional[_Iterable[str]] = ..., summary: _Optional[str] = ...) -> None: ...

class UpdateRoomMetadataRequest(_message.Message):
    __slots__ = ("room_id", "title", "namespace", "participants", "labels", "summary", "update_mask", "expected_version")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    title: str
    namespace: str
    participants: _containers.RepeatedCompositeFieldContainer[Participant]
    labels: _containers.RepeatedScalarFieldContainer[str]
    summary: str
    update_mask: _field_mask_pb2.FieldMask
    expected_version: int
    def __init__(self, room_id: _Optional[str] = ..., title: _Optional[str] = ..., namespace: _Optional[str] = ..., participants: _Optional[_Iterable[_Union[Participant, _Mapping]]] = ..., labels: _Optional[_Iterable[str]] = ..., summary: _Optional[str] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateRoomMetadataResponse(_message.Message):
    __slots__ = ("version", "metadata")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    version: int
    metadata: RoomMetadata
    def __init__(self, version: _Optional[int] = ..., metadata: _Optional[_Union[RoomMetadata, _Mapping]] = ...) -> None: ...

class RoomListing(_message.Message):
    __slots__ = ("room_id", "title", "namespace", "labels", "last_activity")
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    title: str
    namespace: str
    labels: _containers.RepeatedScalarFieldContainer[str]
    last_activity: _timestamp_pb2.Timestamp
    def __init__(self, room_id: _Optional[str] = ..., title: _Optional[str] = ..., namespace: _Optional[str] = ..., labels: _Optional[_Iterable[str]] = ..., last_activity: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
