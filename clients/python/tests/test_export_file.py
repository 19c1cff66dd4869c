"""The file form of roomhistory.export.v1 (roomhistory.export_file), without a server: round trip, the
header rules, both field spellings, errors naming the line, and reading one line at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf import json_format
from procs import run_ts

from roomhistory import Message, Role
from roomhistory.export_file import (
    EXPORT_FORMAT,
    ExportFileError,
    TransferProgress,
    export_header,
    read_export_file,
    record_to_line,
    write_export_file,
)
from roomhistory.v1 import export_pb2 as export
from roomhistory.v1 import memory_bank_pb2 as bank
from roomhistory.v1 import metadata_pb2 as meta


def room_record(room_id: str, n: int = 2) -> export.ExportRecord:
    messages = [Message(role=Role.ROLE_USER, content=f"turn {i} ✓", id=f"m{i}", seq=i + 1) for i in range(n)]
    room = export.ExportedRoom(
        room_id=room_id, version=7, last_seq=n, messages=messages,
        metadata=meta.RoomMetadata(title="A title", namespace="guild-1", labels=["a", "b"]),
    )
    room.idle_ttl_seconds = 0  # optional: present with its zero value
    return export.ExportRecord(room=room)


def namespace_record() -> export.ExportRecord:
    options = bank.NamespaceOptions(namespace="guild-1", memory_bank_enabled=True, max_tokens=2000)
    entry = bank.MemoryBankEntry(id="day:2026-11-20", granularity=bank.MEMORY_GRANULARITY_DAY, summary="- x")
    return export.ExportRecord(namespace=export.ExportedNamespace(options=options, entries=[entry], dropped_entries=3))


def test_a_file_round_trips_with_a_header_first(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    records = [room_record("r1"), room_record("r2", 0), namespace_record()]
    seen: list[TransferProgress] = []
    totals = write_export_file(path, records, progress=seen.append)
    assert (totals.records, totals.rooms, totals.namespaces) == (4, 2, 1)
    assert [(p.records, p.rooms, p.namespaces) for p in seen] == [(1, 0, 0), (2, 1, 0), (3, 2, 0), (4, 2, 1)]
    assert not (tmp_path / "out.jsonl.partial").exists()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and json.loads(lines[0])["header"]["format"] == EXPORT_FORMAT
    assert json.loads(lines[0])["header"]["source"] == "roomhistory"
    assert "roomId" in json.loads(lines[1])["room"]  # written with the JSON (camelCase) names
    back = list(read_export_file(path))
    assert back[0].header.format == EXPORT_FORMAT
    assert back[1:] == records
    assert back[1].room.HasField("idle_ttl_seconds")


def test_a_header_given_is_kept_and_a_second_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    header = export_header("echo-bot")
    write_export_file(path, [header, room_record("r")])
    assert next(read_export_file(path)) == header
    with pytest.raises(ExportFileError, match=":3: a header after the first record"):
        write_export_file(path, [header, room_record("r"), header])
    assert next(read_export_file(path)) == header  # the failed write left the file before it alone
    assert not (tmp_path / "h.jsonl.partial").exists()
    empty = tmp_path / "empty.jsonl"
    write_export_file(empty, [])
    assert [r.WhichOneof("record") for r in read_export_file(empty)] == ["header"]


def test_original_proto_names_are_read(tmp_path: Path) -> None:
    path = tmp_path / "snake.jsonl"
    lines = [
        {"header": {"format": EXPORT_FORMAT, "exported_at": "2026-11-22T08:00:00Z", "source": "by hand"}},
        {"room": {"room_id": "r", "version": "3", "last_seq": 2, "idle_ttl_seconds": 60,
                  "metadata": {"title": "t", "participants": [{"id": "u1", "display_name": "Ann"}]},
                  "messages": [{"role": "ROLE_USER", "content": "hi", "created_at": "2026-11-22T07:00:00Z"}],
                  "some_future_field": True}},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + "\n", encoding="utf-8")
    header, record = list(read_export_file(path))
    assert header.header.source == "by hand"
    room = record.room
    assert (room.room_id, room.version, room.last_seq, room.idle_ttl_seconds) == ("r", 3, 2, 60)
    assert room.metadata.participants[0].display_name == "Ann"
    assert room.messages[0].role == Role.ROLE_USER and room.messages[0].created_at.seconds > 0


@pytest.mark.parametrize(
    "first,problem",
    [
        (None, 'empty: no "roomhistory.export.v1" header'),
        (json.dumps({"room": {"roomId": "r"}}), ':1: the first record must be a "roomhistory.export.v1" header'),
        (json.dumps({"header": {"format": "roomhistory.export.v2"}}), ':1: format "roomhistory.export.v2" is not'),
        ("{not json", ":1: not JSON"),
        ("[1, 2]", ":1: not a JSON object"),
        ("{}", ":1: an ExportRecord holds exactly one of header, room, namespace"),
    ],
)
def test_a_file_without_the_header_is_refused_naming_the_line(tmp_path: Path, first: str | None, problem: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("" if first is None else first + "\n", encoding="utf-8")
    with pytest.raises(ExportFileError, match=problem) as raised:
        list(read_export_file(path))
    assert raised.value.line == (0 if first is None else 1) and str(path) in str(raised.value)


def test_a_bad_line_later_is_named_after_the_records_before_it(tmp_path: Path) -> None:
    path = tmp_path / "later.jsonl"
    good = [record_to_line(export_header()), record_to_line(room_record("r"))]
    path.write_text("\n".join([*good, '{"room": {"version": "x"}}']) + "\n", encoding="utf-8")
    read: list[export.ExportRecord] = []
    with pytest.raises(ExportFileError, match=":3: not an ExportRecord"):
        for record in read_export_file(path):
            read.append(record)
    assert len(read) == 2  # one line at a time: the good records came before the failure


def test_reading_is_lazy(tmp_path: Path) -> None:
    path = tmp_path / "lazy.jsonl"
    write_export_file(path, (room_record(f"r{i}", 1) for i in range(100)))
    records = read_export_file(path)
    assert next(records).WhichOneof("record") == "header"
    assert next(records).room.room_id == "r0"


def rich_room(room_id: str) -> export.ExportRecord:
    """A room with what a file must carry across languages: 64-bit numbers, timestamps (to the nanosecond,
    and before 1970), a Struct, a map, an optional zero, tool calls, non-ASCII text."""
    record = room_record(room_id, 3)
    room = record.room
    room.version = 2**53 - 1
    room.messages[0].created_at.FromJsonString("2026-11-22T08:00:00.123456789Z")
    room.messages[1].created_at.FromJsonString("1969-12-31T23:59:59.500Z")
    room.messages[2].created_at.FromJsonString("2026-11-22T08:00:01Z")
    room.messages[1].tool_calls.add(id="call_1", name="search", arguments='{"q":"ü"}')
    room.messages[1].metadata["k"] = "v ✓"
    room.render_defaults.room_context.update({"lang": "de", "n": 2, "nested": {"x": [1, "a"]}})
    room.agent_options.output_keys.extend(["answer"])
    room.run_cursors.add(run_id="run-1", next_seq=4, values={"a": "b"})
    room.metadata.participants.add(id="u1", display_name="Zoë")
    room.metadata.participants[0].first_seen.FromJsonString("2026-11-22T07:59:00Z")
    return record


def test_a_python_file_reads_in_typescript_and_back(tmp_path: Path) -> None:
    path = tmp_path / "py.jsonl"
    records = [rich_room("r1"), namespace_record(), rich_room("r2")]
    write_export_file(path, records)
    out = run_ts("transfer.ts", "read", str(path))
    from_ts = [json_format.ParseDict(json.loads(line), export.ExportRecord()) for line in out.splitlines()]
    assert from_ts[0].header.format == EXPORT_FORMAT and from_ts[1:] == records


def test_a_typescript_file_reads_in_python(tmp_path: Path) -> None:
    path = tmp_path / "ts.jsonl"
    records = [rich_room("r1"), namespace_record()]
    lines = "".join(record_to_line(r) + "\n" for r in records)
    totals = json.loads(run_ts("transfer.ts", "write", str(path), input=lines))
    assert totals == {"records": 3, "rooms": 1, "namespaces": 1}
    back = list(read_export_file(path))
    assert back[0].header.format == EXPORT_FORMAT and back[1:] == records
