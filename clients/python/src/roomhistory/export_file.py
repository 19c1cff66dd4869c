"""The file form of the export format "roomhistory.export.v1" (export.proto): JSON Lines, UTF-8, one
ExportRecord per line in the proto3 JSON mapping (google.protobuf.json_format), the header first.

Writing uses the JSON (camelCase) names; reading accepts camelCase and the original proto names alike, and
ignores fields it does not know (as the TypeScript client's fromJSON does). Files are written and read one
line at a time, so memory stays bounded by the largest room, whatever the file's size. The TypeScript
client's writeExportFile / readExportFile read and write the same files.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from google.protobuf import json_format

from .convert import from_datetime
from .v1 import export_pb2 as export

if TYPE_CHECKING:
    from .aio import AsyncRoomHistoryClient
    from .client import RoomHistoryClient

#: The one format this version writes and reads.
EXPORT_FORMAT = "roomhistory.export.v1"

#: A file path.
PathLike = str | os.PathLike[str]


class ExportFileError(ValueError):
    """A file that is not a roomhistory.export.v1 export: ``line`` (1-based) is the line at fault."""

    def __init__(self, path: PathLike, line: int, problem: str) -> None:
        super().__init__(f"{os.fspath(path)}: line {line}: {problem}")
        self.path = os.fspath(path)
        self.line = line


@dataclass
class TransferProgress:
    """How far an export to or an import from a file got: the records of each kind so far (the header not
    counted) and the bytes written or read."""

    rooms: int = 0
    namespaces: int = 0
    bytes: int = 0


#: Called after every record with the totals so far.
Progress = Callable[[TransferProgress], None]


def header_record(source: str = "roomhistory", exported_at: datetime.datetime | None = None) -> export.ExportRecord:
    """The record that opens an export (``exported_at`` None: now)."""
    when = exported_at or datetime.datetime.now(datetime.timezone.utc)
    header = export.ExportHeader(format=EXPORT_FORMAT, exported_at=from_datetime(when), source=source)
    return export.ExportRecord(header=header)


def record_to_line(record: export.ExportRecord) -> str:
    """One line of the file form (no newline): the record in proto3 JSON."""
    return json.dumps(json_format.MessageToDict(record), ensure_ascii=False, separators=(",", ":"))


def line_to_record(line: str, number: int, path: PathLike = "<export>") -> export.ExportRecord:
    """A line of the file form as a record; ExportFileError naming the line when it is not one."""
    try:
        value = json.loads(line)
    except ValueError as err:
        raise ExportFileError(path, number, f"is not JSON ({err})") from None
    if not isinstance(value, dict):
        raise ExportFileError(path, number, "is not a JSON object")
    try:
        return json_format.ParseDict(value, export.ExportRecord(), ignore_unknown_fields=True)
    except json_format.ParseError as err:
        raise ExportFileError(path, number, f"is not an ExportRecord ({err})") from None


def _check_header(record: export.ExportRecord, number: int, path: PathLike) -> None:
    if record.WhichOneof("record") != "header":
        raise ExportFileError(path, number, f'is not a header; a {EXPORT_FORMAT} export starts with {{"header": ...}}')
    if record.header.format != EXPORT_FORMAT:
        raise ExportFileError(path, number, f"format {record.header.format!r} is not {EXPORT_FORMAT!r}")


def _count(record: export.ExportRecord, progress: TransferProgress, size: int) -> None:
    kind = record.WhichOneof("record")
    if kind == "room":
        progress.rooms += 1
    elif kind == "namespace":
        progress.namespaces += 1
    progress.bytes += size


class _Writer:
    """Writes records as lines: a header first (the one given, else a new one), and no other header."""

    def __init__(self, out: TextIO, path: PathLike, source: str, progress: Progress | None) -> None:
        self._out, self._path, self._source, self._progress = out, path, source, progress
        self.totals = TransferProgress()
        self._lines = 0

    def write(self, record: export.ExportRecord) -> None:
        if record.WhichOneof("record") == "header":
            if self._lines:
                raise ExportFileError(self._path, self._lines + 1, "a header can only be the first record")
            _check_header(record, 1, self._path)
        elif not self._lines:
            self._line(header_record(self._source))
        self._line(record)
        if record.WhichOneof("record") != "header" and self._progress:
            self._progress(TransferProgress(**vars(self.totals)))

    def finish(self) -> TransferProgress:
        if not self._lines:
            self._line(header_record(self._source))
        return self.totals

    def _line(self, record: export.ExportRecord) -> None:
        text = record_to_line(record) + "\n"
        self._out.write(text)
        self._lines += 1
        _count(record, self.totals, len(text.encode("utf-8")))


def write_export_file(
    path: PathLike, records: Iterable[export.ExportRecord], *, source: str = "roomhistory", progress: Progress | None = None
) -> TransferProgress:
    """Writes ``records`` to ``path`` (replacing it) as a roomhistory.export.v1 file, one line each. The first
    record may be a header (it must name the format); otherwise a header with ``source`` and the time now is
    written first. Returns the totals written."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        writer = _Writer(out, path, source, progress)
        for record in records:
            writer.write(record)
        return writer.finish()


def read_export_file(path: PathLike, *, progress: Progress | None = None) -> Iterator[export.ExportRecord]:
    """The records of a roomhistory.export.v1 file, header first, one line at a time. ExportFileError, naming
    the line, for a file without the header (empty, or another first record), of another format, or with a
    line that is not a record; blank lines are skipped."""
    totals = TransferProgress()
    with open(path, encoding="utf-8") as lines:
        seen_header = False
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            record = line_to_record(line, number, path)
            if not seen_header:
                _check_header(record, number, path)
                seen_header = True
            elif record.WhichOneof("record") == "header":
                raise ExportFileError(path, number, "a header can only be the first record")
            _count(record, totals, len(line.encode("utf-8")))
            yield record
            if progress and record.WhichOneof("record") != "header":
                progress(TransferProgress(**vars(totals)))
        if not seen_header:
            raise ExportFileError(path, 1, f"the file is empty: no {EXPORT_FORMAT} header")


def export_rooms_to_file(
    client: RoomHistoryClient,
    path: PathLike,
    room_ids: Iterable[str] | None = None,
    *,
    namespace: str = "",
    all: bool = False,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> TransferProgress:
    """ExportRooms (``room_ids``, ``namespace`` or ``all``, as client.export_rooms) into a file, record by
    record as the server streams them. Returns the totals written; ``progress`` is called after each."""
    records = client.export_rooms(room_ids, namespace=namespace, all=all, timeout=timeout)
    return write_export_file(path, records, progress=progress)


def import_rooms_from_file(
    client: RoomHistoryClient,
    path: PathLike,
    expected_version: int | None = None,
    replace_existing: bool = False,
    progress: Progress | None = None,
    *,
    timeout: float | None = None,
) -> export.ImportRoomsResponse:
    """ImportRooms from a file, sent line by line as it is read (header included: the server checks it).
    ``expected_version`` and ``replace_existing`` apply to every room record, as in client.import_rooms;
    ``progress`` is called after each record read. Returns the server's report (refused records are in
    ``failures``); a malformed file raises ExportFileError and cancels the import before it ends."""
    source = _Source(read_export_file(path, progress=progress))
    try:
        return client.import_rooms(
            source, expected_version=expected_version, replace_existing=replace_existing, timeout=timeout
        )
    finally:
        source.raise_failure()


async def export_rooms_to_file_async(
    client: AsyncRoomHistoryClient,
    path: PathLike,
    room_ids: Iterable[str] | None = None,
    *,
    namespace: str = "",
    all: bool = False,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> TransferProgress:
    """export_rooms_to_file for the asyncio client (each line is written to the file's buffer as its record
    arrives; the file is opened and closed in a thread)."""
    records: AsyncIterable[export.ExportRecord] = client.export_rooms(
        room_ids, namespace=namespace, all=all, timeout=timeout
    )
    out = await asyncio.to_thread(open, path, "w", encoding="utf-8", newline="\n")
    try:
        writer = _Writer(out, path, "roomhistory", progress)
        async for record in records:
            writer.write(record)
        return writer.finish()
    finally:
        await asyncio.to_thread(out.close)


async def import_rooms_from_file_async(
    client: AsyncRoomHistoryClient,
    path: PathLike,
    expected_version: int | None = None,
    replace_existing: bool = False,
    progress: Progress | None = None,
    *,
    timeout: float | None = None,
) -> export.ImportRoomsResponse:
    """import_rooms_from_file for the asyncio client."""
    source = _Source(read_export_file(path, progress=progress))
    try:
        return await client.import_rooms(
            source, expected_version=expected_version, replace_existing=replace_existing, timeout=timeout
        )
    finally:
        source.raise_failure()


class _Source(Iterator[export.ExportRecord]):
    """The file's records as the import's request stream. gRPC reads the stream in its own thread or task
    and turns a failure there into a cancelled call; this keeps the failure (e.g. an ExportFileError) so
    that the caller gets it instead."""

    def __init__(self, records: Iterator[export.ExportRecord]) -> None:
        self._records = records
        self._failure: Exception | None = None

    def __next__(self) -> export.ExportRecord:
        try:
            return next(self._records)
        except StopIteration:
            raise
        except Exception as err:
            self._failure = err
            raise

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
