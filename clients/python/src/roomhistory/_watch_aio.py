"""AsyncWatchStream: the asyncio watch, with the cursors and resume rules of _watch.WatchResumer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from typing import Any

import grpc
import grpc.aio

from ._resume import Rooms, WatchResumer
from ._tracing import call_metadata
from .v1 import change_pb2
from .v1 import room_history_service_pb2 as pb
from .v1 import room_history_service_pb2_grpc as pb_grpc

#: What _read returns for a read that the call's cancellation ended.
_CANCELLED = object()


class AsyncWatchStream(AsyncIterator[change_pb2.RoomChange]):
    """An async iterator of RoomChange that resumes by itself (see RoomHistoryClient.watch).

    ``add()``/``remove()`` change the rooms of the open watch (on the open WatchRooms stream; rooms
    already watched keep their cursor). ``aclose()``, the client's ``close()``, or cancelling the consuming
    task ends it; iteration raises a RoomHistoryError only for a failure that retrying cannot fix.
    """

    def __init__(
        self,
        open_channel: Callable[[], grpc.aio.Channel],
        owns_channel: bool,
        resumer: WatchResumer,
        on_close: Callable[[AsyncWatchStream], None] = lambda _: None,
    ) -> None:
        self._open_channel = open_channel
        self._owns_channel = owns_channel
        self._resumer = resumer
        self._on_close = on_close
        self._call: Any = None
        self._closed = False
        self._requests: asyncio.Queue[pb.WatchRoomsRequest | None] | None = None
        self._rooms_changed = asyncio.Event()
        self._running = False
        self._changes = self._follow()

    @property
    def cursors(self) -> dict[str, int]:
        """The version delivered so far per room."""
        return dict(self._resumer.cursors)

    @property
    def rooms(self) -> list[str]:
        """The rooms watched."""
        return list(self._resumer.cursors)

    @property
    def watermark(self) -> float | None:
        """The newest watermark the server vouched for (seconds since the epoch), or None."""
        return self._resumer.watermark

    def _follows(self, room_id: str) -> bool:
        return room_id in self._resumer.cursors

    def _found_by(self, *, prefix: str = "", namespace: str = "") -> list[str] | None:
        return self._resumer.selector_rooms(prefix, namespace)

    def add(self, rooms: Rooms) -> None:
        """Follows more rooms on the open stream (a mapping to the version held, or ids)."""
        self._send(self._resumer.add(rooms))

    def remove(self, room_ids: Iterable[str]) -> None:
        """Stops following rooms on the open stream (with none left, the watch waits for add())."""
        self._send(self._resumer.remove(room_ids))

    def follow(self, *, prefix: str = "", namespace: str = "") -> None:
        """Follows every room whose id starts with ``prefix``, or of ``namespace``, now and later."""
        self._send(self._resumer.follow(prefix, namespace))

    def unfollow(self, *, prefix: str = "", namespace: str = "") -> None:
        """Stops following a selector; the rooms only it found go with it."""
        self._send(self._resumer.unfollow(prefix, namespace))

    def request_progress(self) -> None:
        """Asks the server for a progress message with the stream's watermark now (see ``watermark``)."""
        self._send(pb.WatchRoomsRequest(progress=pb.ProgressRequest(request_id=self._resumer.next_id())))

    def _send(self, request: pb.WatchRoomsRequest | None) -> None:
        if request is None:
            return
        self._rooms_changed.set()
        if self._requests is not None:
            self._requests.put_nowait(request)

    def __aiter__(self) -> AsyncWatchStream:
        return self

    async def __anext__(self) -> change_pb2.RoomChange:
        self._running = True
        try:
            return await self._changes.__anext__()
        finally:
            self._running = False

    async def aclose(self) -> None:
        """Ends the watch: cancels the call and closes the watch's own connection; a pending iteration ends."""
        if self._closed:
            return
        self._closed = True
        self._on_close(self)
        self._rooms_changed.set()
        if self._call is not None:
            self._call.cancel()
        if not self._running:  # else the running generator sees _closed and returns by itself
            await self._changes.aclose()

    close = aclose

    async def __aenter__(self) -> AsyncWatchStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _follow(self) -> AsyncGenerator[change_pb2.RoomChange, None]:
        resumer = self._resumer
        channel: grpc.aio.Channel | None = None
        try:
            while not self._closed:
                if not resumer.cursors and not resumer.selectors:  # nothing left: wait for add() or close
                    self._rooms_changed.clear()
                    await self._rooms_changed.wait()
                    continue
                channel = channel or self._open_channel()
                self._requests = requests = asyncio.Queue[pb.WatchRoomsRequest | None]()
                for request in resumer.requests():
                    requests.put_nowait(request)
                self._call = call = pb_grpc.RoomHistoryServiceStub(channel).WatchRooms(_drain(requests), metadata=call_metadata())
                err: grpc.RpcError | None = None
                idle = False
                try:
                    while True:
                        response = await _read(call, resumer.idle_timeout)
                        if response is None:
                            idle = True
                            break
                        if response is grpc.aio.EOF or response is _CANCELLED:
                            break
                        change = resumer.accept(response)
                        if change is not None:
                            yield change
                except grpc.RpcError as e:
                    err = e
                finally:
                    self._call = None
                    self._requests = None
                    requests.put_nowait(None)
                    call.cancel()
                if self._closed:
                    return
                if idle and self._owns_channel:
                    # The connection may be dead too: the next stream gets a new one.
                    await channel.close()
                    channel = None
                await asyncio.sleep(resumer.delay_after(err, idle))
        finally:
            self._closed = True
            self._on_close(self)
            if channel is not None and self._owns_channel:
                await channel.close()


async def _drain(requests: asyncio.Queue[pb.WatchRoomsRequest | None]) -> AsyncIterator[pb.WatchRoomsRequest]:
    """A WatchRooms stream's requests until None (the stream is over; ending this half-closes it)."""
    while (request := await requests.get()) is not None:
        yield request


async def _read(call: Any, timeout: float) -> Any:
    """The stream's next message, None after `timeout` seconds without one (the call is then cancelled),
    or _CANCELLED when the call was cancelled meanwhile (by add/remove or close). Not asyncio.wait_for:
    cancelling a pending grpc.aio read does not end it until the call itself is cancelled, so wait_for
    would wait forever for its cancellation."""
    read = asyncio.ensure_future(call.read())
    try:
        done, _ = await asyncio.wait({read}, timeout=timeout)
    finally:
        if not read.done():
            call.cancel()
            read.add_done_callback(_discard)
    if not done:
        return None
    if read.cancelled():
        return _CANCELLED
    return read.result()


def _discard(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()
