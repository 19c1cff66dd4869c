"""Messages that use every field, with text that is hard to get byte-identical: emoji with skin tones and
ZWJ sequences, CJK, combining characters, astral-plane letters, JSON arguments kept byte for byte."""

from __future__ import annotations

from google.protobuf import empty_pb2, timestamp_pb2, unknown_fields

from roomhistory import ContentPart, ImageUrl, Message, MessageKind, Reaction, Role, ToolCall

HARD_TEXT = "héllo 👋🏽 世界 e\u0301 ñ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👨\u200d👩\u200d👧\u200d👦 \U0001f9ec 한국어 عربى"
ARGUMENTS = '{"q": "naïve café ☕", "n": 1.50, "nested": {"a": [1, "\\u00e9", null]}, "emoji": "🙂"}'


def ts(seconds: int, nanos: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)


def rich_messages(tag: str) -> list[Message]:
    """The fixture, with ids made unique by `tag` (seq is left for the server)."""
    return [
        Message(
            id=f"{tag}-u1", role=Role.ROLE_USER, content=HARD_TEXT, sender="名前 ✍️",
            created_at=ts(1_700_000_000, 123_456_789),
            metadata={"emoji": "🎉", "lang": "日本語", "ключ": "значение", "zwj": "👩\u200d💻"},
        ),
        Message(
            id=f"{tag}-a1", role=Role.ROLE_ASSISTANT, content="",
            tool_calls=[
                ToolCall(id="call_1", name="search", arguments=ARGUMENTS),
                ToolCall(id="call_2", name="noop", arguments=""),
            ],
            created_at=ts(1_700_000_001, 1),
        ),
        Message(
            id=f"{tag}-t1", role=Role.ROLE_TOOL, tool_call_id="call_1", content="résultat: 𝟙𝟚𝟛", is_error=True,
            created_at=ts(1_700_000_002, 999_999_999),
        ),
        Message(
            id=f"{tag}-t2", role=Role.ROLE_TOOL, tool_call_id="call_2", content="", created_at=ts(1_700_000_002, 5),
        ),
        Message(
            id=f"{tag}-🎨", role=Role.ROLE_USER, content="caption ✓",
            parts=[
                ContentPart(text="look at this 👀 图片"),
                ContentPart(image_url=ImageUrl(url="https://example.com/a%20b.png?x=ü", detail="high")),
                ContentPart(image_url=ImageUrl(url="data:image/png;base64,iVBORw0KGgo=")),
                ContentPart(text=""),
            ],
            reactions=[Reaction(emoji="👍🏽", count=3), Reaction(emoji="❤️", count=0)],
            created_at=ts(1_700_000_003, 500_000_000),
            edited_at=ts(1_700_000_004, 0),
            deleted_at=ts(1_700_000_005, 42),
            metadata={"k": ""},
        ),
        Message(
            id=f"{tag}-th", role=Role.ROLE_ASSISTANT, kind=MessageKind.MESSAGE_KIND_THINKING,
            content="thinking… ∑ ∞ \U0010fffd", created_at=ts(1_700_000_006, 7),
        ),
        Message(
            id=f"{tag}-a2", role=Role.ROLE_ASSISTANT, kind=MessageKind.MESSAGE_KIND_CHAT, content=HARD_TEXT[::-1],
            created_at=ts(1_700_000_007, 8),
        ),
    ]


def wire_fields(encoded: bytes) -> list[tuple[int, bytes]]:
    """A message's top-level fields as (number, raw bytes of the value), in wire order; the metadata map
    (field 15) comes last as sorted (key, value) pairs, since neither the order of a map's entries nor
    whether an entry writes an empty value out is defined by the wire format."""
    fields = _fields(encoded)
    metadata = sorted(_map_entry(data) for number, data in fields if number == 15)
    return [f for f in fields if f[0] != 15] + [(15, key + b"=" + value) for key, value in metadata]


def _fields(encoded: bytes) -> list[tuple[int, bytes]]:
    parsed = empty_pb2.Empty.FromString(encoded)  # every field lands in the unknown field set, as bytes
    unknown = unknown_fields.UnknownFieldSet(parsed)
    return [(unknown[i].field_number, _raw(unknown[i].data)) for i in range(len(unknown))]


def _map_entry(entry: bytes) -> tuple[bytes, bytes]:
    values = dict(_fields(entry))
    return values.get(1, b""), values.get(2, b"")


def _raw(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, int):
        return data.to_bytes(8, "little", signed=data < 0)
    return repr(data).encode()


def without_seq(messages: list[Message]) -> list[Message]:
    """The messages without the fields the server sets on write (seq, and tokens: its count of the text)."""
    out = []
    for m in messages:
        copy = Message()
        copy.CopyFrom(m)
        copy.seq = 0
        copy.tokens = 0
        out.append(copy)
    return out
