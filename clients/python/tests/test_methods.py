"""roomhistory/_methods.py is what clients/python/scripts/gen_methods.py writes from its one table, and both
clients take every RPC from it with the same parameters."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

from roomhistory import AsyncRoomHistoryClient, RoomHistoryClient
from roomhistory._methods import AsyncMethods, SyncMethods
from roomhistory.v1 import room_history_service_pb2 as pb

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gen_methods.py"


def test_the_generated_methods_are_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gen_methods", SCRIPT)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.OUT.read_text(encoding="utf-8") == generator.render(), f"stale: run python {SCRIPT}"


def test_both_clients_have_the_same_methods_with_the_same_parameters() -> None:
    sync = {n: inspect.signature(f) for n, f in vars(SyncMethods).items() if not n.startswith("_")}
    aio = {n: inspect.signature(f) for n, f in vars(AsyncMethods).items() if not n.startswith("_")}
    methods = pb.DESCRIPTOR.services_by_name["RoomHistoryService"].methods
    unary = {m.name for m in methods if not m.server_streaming and not m.client_streaming}
    covered = {"".join(part.title() for part in name.split("_")) for name in sync}
    assert sync == aio
    # Every unary RPC has a method: a new RPC fails here until it gets a row in scripts/gen_methods.py.
    assert unary == covered
    assert all(inspect.iscoroutinefunction(getattr(AsyncRoomHistoryClient, n)) for n in aio)
    assert all(not inspect.iscoroutinefunction(getattr(RoomHistoryClient, n)) for n in sync)


# The streaming RPCs, written by hand in client.py and aio.py: the method of each, and what it is in asyncio.
STREAMING = {"Watch": ("watch", "stream"), "WatchRooms": ("watch_rooms", "stream"), "ExportRooms": ("export_rooms", "asyncgen"),
             "ImportRooms": ("import_rooms", "coroutine")}


def test_every_streaming_rpc_has_a_method_in_both_clients() -> None:
    methods = pb.DESCRIPTOR.services_by_name["RoomHistoryService"].methods
    streaming = {m.name for m in methods if m.server_streaming or m.client_streaming}
    assert streaming == set(STREAMING)
    for name, kind in STREAMING.values():
        sync, aio = getattr(RoomHistoryClient, name), getattr(AsyncRoomHistoryClient, name)
        sync_params = dict(inspect.signature(sync).parameters)
        aio_params = dict(inspect.signature(aio).parameters)
        assert list(sync_params) == list(aio_params), name
        assert [p.default for p in sync_params.values()] == [p.default for p in aio_params.values()], name
        assert {"asyncgen": inspect.isasyncgenfunction, "coroutine": inspect.iscoroutinefunction,
                "stream": lambda f: not inspect.iscoroutinefunction(f)}[kind](aio), name
        assert not inspect.iscoroutinefunction(sync) and not inspect.isasyncgenfunction(sync)
