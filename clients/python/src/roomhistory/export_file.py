"""The file form of the export format "roomhistory.export.v1" (export.proto): JSON Lines, UTF-8, one
ExportRecord per line in the proto3 JSON mapping (google.protobuf.json_format), the header first.

Writing uses the JSON (camelCase) names; reading accepts camelCase and the original proto names alike, and
ignores fields it does not know (as the TypeScript client's fromJSON does). Files are written and read one
line at a time, so memory stays bounded by the largest room, whatever the file's size. The TypeScript
client's writeExportFile / readExportFile read and write the same files.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
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
    """A file that is not a readable roomhistory.export.v1 export: ``line`` is the line at fault (1-based; 0
    when it is not about one line). TypeScript: ExportFileError, with the same messages."""

    def __init__(self, path: PathLike, line: int, problem: str) -> None:
        where = f"{os.fspath(path)}:{line}" if line else os.fspath(path)
        super().__init__(f"{where}: {problem}")
        self.path = os.fspath(path)
        self.line = line


@dataclass
class TransferProgress:
    """Counts of what a file helper wrote, read or sent so far: ``records`` counts every record, the header
    included; ``rooms`` and ``namespaces`` the room and namespace (memory bank) records."""

    records: int = 0
    rooms: int = 0
    namespaces: int = 0

    def count(self, record: export.ExportRecord) -> None:
        self.records += 1
        kind = record.WhichOneof("record")
        if kind == "room":
            self.rooms += 1
        elif kind == "namespace":
            self.namespaces += 1


#: Called after every record with the counts so far (a copy).
Progress = Callable[[TransferProgress], None]


def export_header(source: str = "roomhistory", exported_at: datetime.datetime | None = None) -> export.ExportRecord:
    """A header record for this format, exported at ``exported_at`` (None: now) from ``source``."""
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
        raise ExportFileError(path, number, f"not JSON ({err})") from None
    if not isinstance(value, dict):
        raise ExportFileError(path, number, "not a JSON object")
    try:
        record = json_format.ParseDict(value, export.ExportRecord(), ignore_unknown_fields=True)
    except json_format.ParseError as err:
        raise ExportFileError(path, number, f"not an ExportRecord ({err})") from None
    if record.WhichOneof("record") is None:
        raise ExportFileError(path, number, "an ExportRecord holds exactly one of header, room, namespace")
    return record


def _check_format(record: export.ExportRecord, path: PathLike, line: int) -> None:
    if record.WhichOneof("record") != "header":
        raise ExportFileError(path, line, f'the first record must be a "{EXPORT_FORMAT}" header')
    if record.header.format != EXPORT_FORMAT:
        raise ExportFileError(path, line, f'format {json.dumps(record.header.format)} is not "{EXPORT_FORMAT}"')


class _Writer:
    """Writes records as lines to ``path + ".partial"``: a header first (the one given, else a new one) and
    no other header; finish() renames the file to ``path``, abort() removes it."""

    def __init__(self, path: PathLike, out: TextIO, progress: Progress | None) -> None:
        self._path, self._out, self._progress = path, out, progress
        self.totals = TransferProgress()

    def write(self, record: export.ExportRecord) -> None:
        if record.WhichOneof("record") == "header":
            if self.totals.records:
                raise ExportFileError(self._path, self.totals.records + 1, "a header after the first record")
            _check_format(record, self._path, 1)
        elif not self.totals.records:
            self._line(export_header())
        self._line(record)

    def finish(self) -> TransferProgress:
        if not self.totals.records:
            self._line(export_header())
        self._out.close()
        os.replace(_partial(self._path), self._path)
        return self.totals

    def abort(self) -> None:
        self._out.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(_partial(self._path))

    def _line(self, record: export.ExportRecord) -> None:
        self._out.write(record_to_line(record) + "\n")
        self.totals.count(record)
        if self._progress:
            self._progress(dataclasses.replace(self.totals))


def _partial(path: PathLike) -> str:
    return os.fspath(path) + ".partial"


def _open_partial(path: PathLike) -> TextIO:
    return open(_partial(path), "w", encoding="utf-8", newline="\n")


def write_export_file(
    path: PathLike, records: Iterable[export.ExportRecord], *, progress: Progress | None = None
) -> TransferProgress:
    """Writes ``records`` to ``path``, one line each, and returns the counts. When the first record is not a
    header, a header (source "roomhistory") is written first; a header of another format, or a header after
    the first record, is refused with an ExportFileError. The file appears at ``path`` only once complete
    (it is written as ``path + ".partial"``, then renamed), so a failed export never leaves a file that
    looks whole."""
    writer = _Writer(path, _open_partial(path), progress)
    try:
        for record in records:
            writer.write(record)
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


def read_export_file(path: PathLike) -> Iterator[export.ExportRecord]:
    """The records of the export file at ``path``, header first, read line by line (memory bounded by the
    longest line). Blank lines are skipped. An ExportFileError names the line when the first record is not a
    header of this format, a line is not a JSON object holding exactly one record, or a header comes again
    later (an empty file: line 0); a missing file raises the file system's error."""
    seen = 0
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            record = line_to_record(line, number, path)
            if not seen:
                _check_format(record, path, number)
            elif record.WhichOneof("record") == "header":
                raise ExportFileError(path, number, "a header after the first record")
            seen += 1
            yield record
    if not seen:
        raise ExportFileError(path, 0, f'empty: no "{EXPORT_FORMAT}" header')


def _counted(records: Iterable[export.ExportRecord], progress: Progress | None) -> Iterator[export.ExportRecord]:
    totals = TransferProgress()
    for record in records:
        yield record
        totals.count(record)
        if progress:
            progress(dataclasses.replace(totals))


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
    """Exports what ``room_ids``, ``namespace`` or ``all`` names (exactly one, as client.export_rooms) into
    the file at ``path`` (see write_export_file), record by record as the server streams them, and returns
    the counts; ``progress`` is called after every record."""
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
    """Imports the export file at ``path`` into the server (client.import_rooms, line by line as the file is
    read; the header is sent too, and checked again there) and returns the server's report (refused
    records are in ``failures``). ``expected_version`` and ``replace_existing`` apply to every room record.
    A file that is not a valid export raises ExportFileError, and the import stops there: records before
    the bad line may have been imported. ``progress`` counts the records sent."""
    source = _Source(_counted(read_export_file(path), progress))
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
    arrives; the file is opened in a thread)."""
    records: AsyncIterable[export.ExportRecord] = client.export_rooms(
        room_ids, namespace=namespace, all=all, timeout=timeout
    )
    writer = _Writer(path, await asyncio.to_thread(_open_partial, path), progress)
    try:
        async for record in records:
            writer.write(record)
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


async def import_rooms_from_file_async(
    client: AsyncRoomHistoryClient,
    path: PathLike,
    expected_version: int | None = None,
    replace_existing: bool = False,
    progress: Progress | None = None,
    *,
    timeout: float | None = None,
) -> export.ImportRoomsResponse:
    """import_rooms_from_file for the asyncio client (the file is read with blocking reads, one line at a
    time)."""
    source = _Source(_counted(read_export_file(path), progress))
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
