"""Reading a room's window in pages (GetHistory page_size/page_token), so that no reply is larger than
the server's reply limit however large the room; the same rules as clients/ts/src/paging.ts.

Pages continue after the last seq the previous one returned; each carries the room's version, so a read
whose pages disagree (the room changed while it was read) is started again, and after a few such
restarts fails with RoomChangedWhilePagingError, which the mirrors' retry loops retry later."""

from __future__ import annotations

import grpc

from .aio import AsyncRoomHistoryClient
from .client import RoomHistoryClient
from .errors import AbortedError
from .v1 import room_history_service_pb2 as pb

DEFAULT_PAGE_SIZE = 200
"""Messages per page when reading a whole room: a default window (100 turns) in one or two pages."""

MAX_RESTARTS = 3
"""Restarts of a read whose pages came from different versions before it gives up."""


class RoomChangedWhilePagingError(AbortedError):
    """A room kept changing while it was read page by page (ABORTED); retrying later is safe."""

    def __init__(self, room_id: str) -> None:
        super().__init__(
            f"room {room_id} changed while it was read in pages {MAX_RESTARTS + 1} times",
            code=grpc.StatusCode.ABORTED,
            metadata={"room_id": room_id},
        )


def _merged(first: pb.GetHistoryResponse, pages: list[pb.GetHistoryResponse]) -> pb.GetHistoryResponse:
    window = pb.GetHistoryResponse(version=first.version)
    for page in [first, *pages]:
        window.messages.extend(page.messages)
    return window


def read_window(
    client: RoomHistoryClient, room_id: str, after_seq: int = 0, page_size: int = DEFAULT_PAGE_SIZE, timeout: float | None = None
) -> pb.GetHistoryResponse:
    """The room's window after ``after_seq`` (0: all of it) at one version, as one GetHistoryResponse."""
    get = client.get_history
    for _ in range(MAX_RESTARTS + 1):
        first = get(room_id, after_seq=after_seq, page_size=page_size, timeout=timeout)
        pages: list[pb.GetHistoryResponse] = []
        token = first.next_page_token
        while token and all(p.version == first.version for p in pages):
            page = get(room_id, page_size=page_size, page_token=token, timeout=timeout)
            pages.append(page)
            token = page.next_page_token
        if all(p.version == first.version for p in pages):
            return _merged(first, pages)
    raise RoomChangedWhilePagingError(room_id)


async def read_window_async(
    client: AsyncRoomHistoryClient, room_id: str, after_seq: int = 0, page_size: int = DEFAULT_PAGE_SIZE, timeout: float | None = None
) -> pb.GetHistoryResponse:
    """read_window for an AsyncRoomHistoryClient."""
    get = client.get_history
    for _ in range(MAX_RESTARTS + 1):
        first = await get(room_id, after_seq=after_seq, page_size=page_size, timeout=timeout)
        pages: list[pb.GetHistoryResponse] = []
        token = first.next_page_token
        while token and all(p.version == first.version for p in pages):
            page = await get(room_id, page_size=page_size, page_token=token, timeout=timeout)
            pages.append(page)
            token = page.next_page_token
        if all(p.version == first.version for p in pages):
            return _merged(first, pages)
    raise RoomChangedWhilePagingError(room_id)
