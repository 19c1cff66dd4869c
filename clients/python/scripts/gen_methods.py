"""Writes roomhistory/_methods.py: the RPC methods of RoomHistoryClient (SyncMethods) and
AsyncRoomHistoryClient (AsyncMethods), both from the one table below, so the two clients cannot drift.
Run `python clients/python/scripts/gen_methods.py`; tests/test_methods.py fails when the file is stale.
Each row: method name, RPC, parameters (before the trailing `timeout`), the request expression, docstring."""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "roomhistory" / "_methods.py"

WRITE = [
    "expected_version: int | None = None",
    "durability: pb.Durability | None = None",
]

RPCS: list[tuple[str, str, list[str], str, str]] = [
    (
        "append_messages", "AppendMessages",
        ["room_id: str", "messages: Iterable[msg.Message]", "*", "expected_version: int | None = None",
         "idempotency_key: str | None = None", "durability: pb.Durability | None = None"],
        "_requests.append_messages(room_id, messages, expected_version, idempotency_key, durability)",
        """Appends messages atomically; with expected_version, raises VersionConflictError on a mismatch.

        The request always carries an idempotency key: ``idempotency_key``, or a new random key per call
        when it is None or empty, and is retried on UNAVAILABLE and DEADLINE_EXCEEDED with that same key:
        the server stores the messages once, and a retry answers the first call's result (``replayed``
        true).""",
    ),
    (
        "get_history", "GetHistory",
        ["room_id: str", "*", "limit: int = 0", "after_seq: int = 0", "page_size: int = 0", 'page_token: str = ""',
         'run_id: str = ""', 'phase_id: str = ""'],
        "pb.GetHistoryRequest(room_id=room_id, limit=limit, after_seq=after_seq, page_size=page_size, "
        "page_token=page_token, run_id=run_id, phase_id=phase_id)",
        """The room's window, oldest first, and its version (limit 0 means all); with page_size, one page
        (pass next_page_token back for the next; the version tells whether the room changed meanwhile).
        ``run_id`` / ``phase_id`` return only that run's / phase's messages.""",
    ),
    (
        "render_messages", "RenderMessages",
        ["room_id: str", "room_context: Mapping[str, Any] | None = None", "*", 'template: str = ""',
         "include_thinking: bool = False", "form: pb.RenderForm = pb.RENDER_FORM_UNSPECIFIED",
         "format: pb.RenderFormat = pb.RENDER_FORMAT_UNSPECIFIED",
         "sender_style: pb.SenderStyle = pb.SENDER_STYLE_UNSPECIFIED",
         "id_markers: pb.IdMarkers = pb.ID_MARKERS_UNSPECIFIED", "max_tokens: int = 0",
         "encoding: pb.TokenEncoding = pb.TOKEN_ENCODING_UNSPECIFIED", 'run_id: str = ""', 'phase_id: str = ""',
         "memory_bank: bank.MemoryBankUse = bank.MEMORY_BANK_USE_UNSPECIFIED", "memory_bank_max_tokens: int = 0"],
        "pb.RenderMessagesRequest(room_id=room_id, room_context=_requests.struct(room_context), template=template, "
        "include_thinking=include_thinking, form=form, format=format, sender_style=sender_style, "
        "id_markers=id_markers, max_tokens=max_tokens, encoding=encoding, run_id=run_id, phase_id=phase_id, "
        "memory_bank=memory_bank, memory_bank_max_tokens=memory_bank_max_tokens)",
        """The room rendered for a chat API: system prompt from the template (the room's, see
        set_room_render_defaults, when none is named), then the history, as ``messages`` (the default) or,
        with ``form=RenderForm.RENDER_FORM_JSON``, as ``messages_json``. ``format`` picks OpenAI chat (the
        default) or Anthropic messages; ``sender_style``, ``id_markers`` how senders and message ids
        appear; ``max_tokens`` (0: none) keeps only the newest turns that fit, counted in ``encoding``;
        ``run_id`` / ``phase_id`` render only that run's / phase's messages. ``memory_bank`` reads the room's
        namespace memory bank: MEMORY_BANK_USE_TEMPLATE gives it to the template as ``memory_bank``,
        MEMORY_BANK_USE_PREPEND also puts it before the system prompt, within ``memory_bank_max_tokens``
        (0: the namespace's max_tokens); ``memory_bank_tokens`` in the response is its size.""",
    ),
    (
        "set_room_render_defaults", "SetRoomRenderDefaults",
        ["room_id: str", "*", 'template: str = ""', "room_context: Mapping[str, Any] | None = None",
         "encoding: pb.TokenEncoding = pb.TOKEN_ENCODING_UNSPECIFIED", *WRITE],
        "_requests.write_options(pb.SetRoomRenderDefaultsRequest(room_id=room_id, template=template, "
        "room_context=_requests.struct(room_context), encoding=encoding), expected_version, durability)",
        """Sets how render_messages renders the room when a call does not say: its template, its stored
        room_context (merged under each call's) and its token encoding, all three at once (what is left
        out returns to the server's default). Watchers get CHANGE_KIND_RENDER_DEFAULTS.""",
    ),
    (
        "report_usage", "ReportUsage",
        ["room_id: str", "version: int", "input_tokens: int", "*", "estimated_tokens: int = 0",
         "format: pb.RenderFormat = pb.RENDER_FORMAT_UNSPECIFIED"],
        "pb.ReportUsageRequest(room_id=room_id, version=version, input_tokens=input_tokens, "
        "estimated_tokens=estimated_tokens, format=format)",
        """Tells the server the provider's input-token count (e.g. Anthropic ``usage.input_tokens``) for
        a render of the room at ``version``, so it calibrates the room's estimates; pass the render's
        ``estimated_tokens`` when you have it. Never retried: each report counts once.""",
    ),
    (
        "update_message", "UpdateMessage",
        ["room_id: str", "message_id: str", "content: str", "*", *WRITE],
        "_requests.update_message(room_id, message_id, content, expected_version, durability)",
        """Replaces a message's content (the newest with that id); NotFoundError for an unknown id.""",
    ),
    (
        "mark_deleted", "MarkDeleted",
        ["room_id: str", "message_id: str", "*", "deleted_at: _requests.When | None = None", *WRITE],
        "_requests.mark_deleted(room_id, message_id, deleted_at, expected_version, durability)",
        """Sets a message's deleted_at (the server's clock when None; a naive datetime is UTC), keeping
        its content.""",
    ),
    (
        "patch_reactions", "PatchReactions",
        ["room_id: str", "message_id: str", "reactions: _requests.Reactions", "*", *WRITE],
        "_requests.patch_reactions(room_id, message_id, reactions, expected_version, durability)",
        """Replaces a message's reactions (a {emoji: count} mapping or Reaction messages).""",
    ),
    (
        "clear_room", "ClearRoom",
        ["room_id: str", "*", *WRITE],
        "_requests.write_options(pb.ClearRoomRequest(room_id=room_id), expected_version, durability)",
        """Empties the room's history; its version still goes up.""",
    ),
    (
        "set_room_limit", "SetRoomLimit",
        ["room_id: str", "limit: int", "*", "max_bytes: int | None = None", *WRITE],
        "_requests.set_room_limit(room_id, limit, max_bytes, expected_version, durability)",
        """Sets the room's window (clamped to [50, 1000]) and, unless None, its byte budget.""",
    ),
    (
        "discard_rebackfill", "DiscardRebackfill",
        ["room_id: str", "*", *WRITE],
        "_requests.write_options(pb.DiscardRebackfillRequest(room_id=room_id), expected_version, durability)",
        """Clears the room's re-backfill mark.""",
    ),
    (
        "get_room_info", "GetRoomInfo",
        ["room_id: str"],
        "pb.GetRoomInfoRequest(room_id=room_id)",
        """The room's version, size, limit, retention and marks.""",
    ),
    (
        "list_rooms", "ListRooms",
        ["*", "page_size: int = 0", 'page_token: str = ""', 'namespace: str = ""', 'label: str = ""',
         "order: meta.ListRoomsOrder = meta.LIST_ROOMS_ORDER_UNSPECIFIED", 'prefix: str = ""'],
        "pb.ListRoomsRequest(page_size=page_size, page_token=page_token, namespace=namespace, label=label, "
        "order=order, prefix=prefix)",
        """One page of room ids (and ``rooms``: their title, namespace, labels and last activity), by id or,
        with ``order=LIST_ROOMS_ORDER_LAST_ACTIVITY``, newest activity first; ``namespace`` / ``label`` list
        only the rooms of that namespace / with that label, ``prefix`` only the ids starting with it. Pass
        next_page_token back, with the same filters and order, for the next page (or use iter_rooms for all of
        them).""",
    ),
    (
        "delete_room", "DeleteRoom",
        ["room_id: str", "*", *WRITE],
        "_requests.write_options(pb.DeleteRoomRequest(room_id=room_id), expected_version, durability)",
        """Removes the room's history, settings and ListRooms entry; its version stays as a tombstone
        (watchers get CHANGE_KIND_DELETED) and ``deleted`` is False when there was no room.""",
    ),
    (
        "set_room_retention", "SetRoomRetention",
        ["room_id: str", "idle_ttl_seconds: int | None", "*", *WRITE],
        "_requests.set_room_retention(room_id, idle_ttl_seconds, expected_version, durability)",
        """Sets how long the room may stay idle before the server expires it: 0 keeps it until deleted,
        None returns it to the server default.""",
    ),
    (
        "reap_idle_rooms", "ReapIdleRooms",
        ["*", "max_idle_seconds: int = 0", "dry_run: bool = False", "limit: int = 0"],
        "pb.ReapIdleRoomsRequest(max_idle_seconds=max_idle_seconds, dry_run=dry_run, limit=limit)",
        """Expires idle rooms now, as the server's schedule does (max_idle_seconds 0: rooms past their own
        retention); with dry_run, only lists them. Retried: a repeat expires only what is idle then.""",
    ),
    (
        "set_agent_options", "SetAgentOptions",
        ["room_id: str", "*", "max_context_tokens: int = 0", "compaction_threshold: float | None = None",
         "output_keys: Iterable[str] = ()", "archive_trimmed: bool = False", *WRITE],
        "_requests.write_options(pb.SetAgentOptionsRequest(room_id=room_id, max_context_tokens=max_context_tokens, "
        "compaction_threshold=compaction_threshold, output_keys=list(output_keys), archive_trimmed=archive_trimmed), "
        "expected_version, durability)",
        """Sets the room's agent options, all at once: its context budget (0: none), the share of it at which
        it needs compaction (None: 0.8), the output keys compaction preserves, and whether trimmed turns go
        to the archive. Watchers get CHANGE_KIND_AGENT_OPTIONS. Retried only with an expected_version.""",
    ),
    (
        "prune_tool_results", "PruneToolResults",
        ["room_id: str", "*", "protect_tokens: int | None = None", "min_prune_tokens: int | None = None", *WRITE],
        "_requests.write_options(pb.PruneToolResultsRequest(room_id=room_id, protect_tokens=protect_tokens, "
        "min_prune_tokens=min_prune_tokens), expected_version, durability)",
        """Replaces old tool results by placeholders (originals to the archive); None means the server's
        default (protect 5000 tokens, prune only when 2000 would be freed). ``pruned`` 0: nothing happened.
        Watchers get CHANGE_KIND_PRUNE. Retried only with an expected_version.""",
    ),
    (
        "compact_history", "CompactHistory",
        ["room_id: str", "summary: str", "*", "keep_recent: int | None = None",
         "keep_recent_tokens: int | None = None", "phase_graduated: bool = False", *WRITE],
        "_requests.write_options(pb.CompactHistoryRequest(room_id=room_id, summary=summary, keep_recent=keep_recent, "
        "keep_recent_tokens=keep_recent_tokens, phase_graduated=phase_graduated), expected_version, durability)",
        """Replaces the front of the window by one summary turn (the replaced turns go to the archive),
        keeping ``keep_recent`` messages or the newest within ``keep_recent_tokens`` (give at most one;
        neither: the server keeps 2). ``compacted`` 0: nothing happened. Watchers get CHANGE_KIND_COMPACT.
        Retried only with an expected_version.""",
    ),
    (
        "compact_preserving_structure", "CompactPreservingStructure",
        ["room_id: str", "*", "keep_recent: int | None = None", "phase_graduated: bool = False",
         "aggressive: bool = False", *WRITE],
        "_requests.write_options(pb.CompactPreservingStructureRequest(room_id=room_id, keep_recent=keep_recent, "
        "phase_graduated=phase_graduated, aggressive=aggressive), expected_version, durability)",
        """Moves free text before the split to the archive behind a reference turn, keeping tool calls
        (arguments shortened); ``aggressive`` also collapses old tool pairs into a digest. Watchers get
        CHANGE_KIND_COMPACT. Retried only with an expected_version.""",
    ),
    (
        "get_archive", "GetArchive",
        ["room_id: str", "*", "from_seq: int = 0", "to_seq: int = 0", "page_size: int = 0", 'page_token: str = ""'],
        "pb.GetArchiveRequest(room_id=room_id, from_seq=from_seq, to_seq=to_seq, page_size=page_size, "
        "page_token=page_token)",
        """One page of what pruning, compaction and archived trims moved out of the window, oldest first,
        as stored (seqs 0: unbounded); pass next_page_token back for the next page.""",
    ),
    (
        "search_history", "SearchHistory",
        ["room_id: str", "*", 'text: str = ""', 'sender: str = ""', "from_time: _requests.When | None = None",
         "to_time: _requests.When | None = None", "include_archive: bool = False", "page_size: int = 0",
         'page_token: str = ""'],
        "pb.SearchHistoryRequest(room_id=room_id, text=text, sender=sender, from_time=_requests.timestamp(from_time), "
        "to_time=_requests.timestamp(to_time), include_archive=include_archive, page_size=page_size, "
        "page_token=page_token)",
        """One page of the room's turns matching ``text`` (case-insensitive), ``sender`` and the time range
        (a naive datetime is UTC), in the window and, with include_archive, the archive.""",
    ),
    (
        "export_summary", "ExportSummary",
        ["room_id: str", "*", "recent: int = 0"],
        "pb.ExportSummaryRequest(room_id=room_id, recent=recent)",
        """A digest of the room (info, counts per role and tool, runs, the ``recent`` newest messages; 0:
        10) for an operator or a supervisor agent.""",
    ),
    (
        "get_run_cursor", "GetRunCursor",
        ["room_id: str", "run_id: str"],
        "pb.GetRunCursorRequest(room_id=room_id, run_id=run_id)",
        """A run's cursor: the seq it reads from next and its values (``exists`` False: none yet).""",
    ),
    (
        "update_run_cursor", "UpdateRunCursor",
        ["room_id: str", "run_id: str", "*", "next_seq: int | None = None",
         "values: Mapping[str, str] | None = None", "expected_next_seq: int | None = None"],
        "pb.UpdateRunCursorRequest(room_id=room_id, run_id=run_id, next_seq=next_seq, values=dict(values or {}), "
        "expected_next_seq=expected_next_seq)",
        """Sets a run's cursor (next_seq None: kept; values merged, an empty value removes its key); with
        ``expected_next_seq`` (0: no cursor yet), CursorConflict-ABORTED when it differs. Moves no version.
        Retried only with an expected_next_seq.""",
    ),
    (
        "update_room_metadata", "UpdateRoomMetadata",
        ["room_id: str", "*", "title: str | None = None", "namespace: str | None = None",
         "participants: Iterable[meta.Participant] | None = None", "labels: Iterable[str] | None = None",
         "summary: str | None = None", "expected_version: int | None = None"],
        "_requests.update_room_metadata(room_id, title, namespace, participants, labels, summary, expected_version)",
        """Replaces the room's metadata fields given (not None): an empty string or list clears that field,
        what is left out is kept (the request's update_mask names exactly the fields given). Participants
        kept by id keep their first/last seen; appends add senders by themselves. Creates an empty room
        (version 1) when there is none. Watchers get CHANGE_KIND_METADATA; ``version`` is unchanged when
        nothing changed. Retried only with an expected_version.""",
    ),
    (
        "set_namespace_options", "SetNamespaceOptions",
        ["namespace: str", "*", "memory_bank_enabled: bool = False", "max_tokens: int = 0", "idle_minutes: int = 0",
         "max_turns_per_summary: int = 0"],
        "bank.SetNamespaceOptionsRequest(namespace=namespace, memory_bank_enabled=memory_bank_enabled, "
        "max_tokens=max_tokens, idle_minutes=idle_minutes, max_turns_per_summary=max_turns_per_summary)",
        """Sets the namespace's memory bank options, all at once (0: the server's default: max_tokens 2000,
        idle_minutes 10, max_turns_per_summary 40). PRIVACY: with the bank enabled, every room of the
        namespace may be shown summaries derived from the other rooms of the namespace (other users'
        conversations). Never retried (no expected_version to guard a repeat).""",
    ),
    (
        "get_memory_bank", "GetMemoryBank",
        ["namespace: str"],
        "bank.GetMemoryBankRequest(namespace=namespace)",
        """The namespace's options (defaults when never set) and its bank entries, whole.""",
    ),
    (
        "list_rooms_needing_summary", "ListRoomsNeedingSummary",
        ["namespace: str", "*", "idle_minutes: int = 0", "page_size: int = 0",
         "as_of: _requests.When | None = None"],
        "bank.ListRoomsNeedingSummaryRequest(namespace=namespace, idle_minutes=idle_minutes, page_size=page_size, "
        "as_of=_requests.timestamp(as_of))",
        """The namespace's rooms idle for at least ``idle_minutes`` (0: the namespace's) at ``as_of`` (None:
        the server's clock; a naive datetime is UTC) whose newest turn is newer than their summary, least
        recently active first; ``more`` says a longer page would list more.""",
    ),
    (
        "put_conversation_summary", "PutConversationSummary",
        ["room_id: str", "summary: str", "covers_version: int", "*", "last_turn_at: _requests.When | None = None",
         "source_message_count: int = 0"],
        "bank.PutConversationSummaryRequest(room_id=room_id, summary=summary, covers_version=covers_version, "
        "last_turn_at=_requests.timestamp(last_turn_at), source_message_count=source_message_count)",
        """Upserts the room's conversation entry in its namespace's bank (``created``: it had none).
        SummaryOutdatedError (an AbortedError) when the stored summary covers a newer version than
        ``covers_version``; FAILED_PRECONDITION when the room's namespace has no enabled bank. Retried: a
        repeat with the same covers_version replaces the entry with the same text.""",
    ),
    (
        "plan_rollup", "PlanRollup",
        ["namespace: str", "*", "as_of: _requests.When | None = None"],
        "bank.PlanRollupRequest(namespace=namespace, as_of=_requests.timestamp(as_of))",
        """The merges that bring the namespace's bank within budget (empty ``groups`` when it fits), each
        with the plan token commit_rollup takes; ages are measured at ``as_of`` (None: the server's clock).
        Retried: a repeat plans from the bank as it is then (it drops entries only while still over budget
        with nothing left to merge).""",
    ),
    (
        "commit_rollup", "CommitRollup",
        ["plan: str", "digest_text: str"],
        "bank.CommitRollupRequest(plan=plan, digest_text=digest_text)",
        """Replaces a planned group's sources with ``digest_text``, atomically. RollupConflictError (an
        AbortedError) when a source or the folded digest changed since the plan, which is also what a
        repeat of a commit that succeeded gets: never retried, plan again instead.""",
    ),
    (
        "render_memory_bank", "RenderMemoryBank",
        ["namespace: str", "*", "max_tokens: int = 0"],
        "bank.RenderMemoryBankRequest(namespace=namespace, max_tokens=max_tokens)",
        """The namespace's bank as the block put before a system prompt (header line, then Recent
        conversations / By day / By week / By month, newest first), within ``max_tokens`` (0: the
        namespace's max_tokens); empty text when the bank has no entries.""",
    ),
]

HEADER = '''"""The RPC methods of both clients, generated by clients/python/scripts/gen_methods.py from one table;
do not edit. RoomHistoryClient and AsyncRoomHistoryClient inherit them and supply ``_unary`` (one call with
its deadline, retries and typed errors) and ``_stub``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from . import _requests
from .v1 import memory_bank_pb2 as bank
from .v1 import message_pb2 as msg
from .v1 import metadata_pb2 as meta
from .v1 import room_history_service_pb2 as pb
from .v1 import room_history_service_pb2_grpc as pb_grpc

R = TypeVar("R")
'''


#: The module of an RPC's messages when it is not room_history_service_pb2 (pb).
MODULE = {
    "UpdateRoomMetadata": "meta",
    **{rpc: "bank" for rpc in ["SetNamespaceOptions", "GetMemoryBank", "ListRoomsNeedingSummary",
                               "PutConversationSummary", "PlanRollup", "CommitRollup", "RenderMemoryBank"]},
}


def method(name: str, rpc: str, params: list[str], request: str, doc: str, is_async: bool) -> str:
    params = [*params] if "*" in params else [*params, "*"]
    signature = ",\n        ".join(["self", *params, "timeout: float | None = None"])
    response = f"{MODULE.get(rpc, 'pb')}.{rpc}Response"
    head = f"    async def {name}(\n        {signature},\n    ) -> {response}:"
    if not is_async:
        head = head.replace("async def", "def")
    call = f"self._unary(self._stub.{rpc}, request, timeout)"
    body = f"        request = {request}\n        return {'await ' if is_async else ''}{call}"
    return f'{head}\n        """{doc}"""\n{body}\n'


def render() -> str:
    parts = [HEADER]
    for cls, is_async, stub, unary in [
        ("SyncMethods", False, "RoomHistoryServiceStub", "Callable[..., R], request: Any, timeout: float | None) -> R"),
        ("AsyncMethods", True, "RoomHistoryServiceAsyncStub",
         "Callable[..., Awaitable[R]], request: Any, timeout: float | None) -> R"),
    ]:
        kind = "asyncio" if is_async else "blocking"
        parts.append(f"\n\nclass {cls}:\n    \"\"\"The RPC methods of the {kind} client.\"\"\"\n\n    _stub: pb_grpc.{stub}\n")
        prefix = "async " if is_async else ""
        parts.append(f"\n    {prefix}def _unary(self, method: {unary}:\n        raise NotImplementedError\n")
        for row in RPCS:
            parts.append("\n" + method(*row, is_async=is_async))
    return "".join(parts)


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(0 if OUT.read_text(encoding="utf-8") == render() else 1)
    OUT.write_text(render(), encoding="utf-8")
