"""One consolidation pass over a namespace, through the service: summarise the settled rooms
(ListRoomsNeedingSummary, GetHistory, PutConversationSummary), then bring the bank within budget
(PlanRollup, CommitRollup per group, again until nothing is planned).

Every write is checked by the server, so several workers may run this at once: a summary older than the
stored one is refused (SUMMARY_OUTDATED) and a roll-up whose sources changed since its plan is refused
(ROLLUP_CONFLICT); both mean another worker did the work, and are logged at debug.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._paging import read_window
from ..client import RoomHistoryClient
from ..convert import to_datetime
from ..errors import NotFoundError, RollupConflictError, RoomHistoryError, SummaryOutdatedError
from ..v1 import memory_bank_pb2 as bank
from .model import Model, is_turn

log = logging.getLogger("roomhistory.consolidate")

#: The time the worker measures idleness and ages at (UTC, timezone-aware); tests pass a fake one.
Clock = Callable[[], datetime.datetime]
#: Told of what the worker stored: ("summary", room_id, covers_version) or ("digest", entry id, revision).
Listener = Callable[[str, str, int], Any]

#: The most rooms one ListRoomsNeedingSummary page asks for (the server's maximum).
PAGE_SIZE = 1000
#: The most PlanRollup rounds in one pass: each round moves one ladder step, so a few are enough; the
#: cap only stops a pass from going round forever against a server that keeps planning.
MAX_ROLLUP_ROUNDS = 12


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


@dataclass
class PassReport:
    """What one pass over a namespace did."""

    namespace: str
    enabled: bool = True
    summarized: int = 0
    digests: int = 0
    skipped: list[str] = field(default_factory=list)  # rooms / plans the model failed on (retried later)
    taken_by_others: int = 0  # SUMMARY_OUTDATED / ROLLUP_CONFLICT: another worker was first
    dropped_entries: int = 0


class ConsolidationWorker:
    """Summarises and rolls up the memory banks of ``namespaces`` with ``model``.

    ``clock`` is the time the worker decides at (passed as as_of to ListRoomsNeedingSummary and
    PlanRollup); ``listener`` is told of every entry stored (tests and logs)."""

    def __init__(
        self,
        client: RoomHistoryClient,
        model: Model,
        *,
        clock: Clock = utc_now,
        listener: Listener | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.clock = clock
        self.listener = listener

    def run_once(self, namespaces: list[str]) -> list[PassReport]:
        """One pass over each namespace."""
        return [self.consolidate(ns) for ns in namespaces]

    def consolidate(self, namespace: str) -> PassReport:
        """Summarises the namespace's settled rooms, then rolls its bank up within budget."""
        report = PassReport(namespace)
        options = self.client.get_memory_bank(namespace).options
        if not options.memory_bank_enabled:
            report.enabled = False
            log.debug("namespace %s: memory bank disabled, nothing to do", namespace)
            return report
        self.summarize_settled(namespace, options, report)
        self.roll_up(namespace, report)
        return report

    def summarize_settled(self, namespace: str, options: bank.NamespaceOptions, report: PassReport) -> None:
        """Every room ListRoomsNeedingSummary lists, page after page while a page makes progress (a page
        of rooms the model failed on would come back the same)."""
        tried: set[str] = set()
        while True:
            page = self.client.list_rooms_needing_summary(namespace, page_size=PAGE_SIZE, as_of=self.clock())
            fresh = [r for r in page.rooms if r.room_id not in tried]
            for room in fresh:
                tried.add(room.room_id)
                self.summarize_room(room.room_id, options.max_turns_per_summary, report)
            if not page.more or not fresh:
                return

    def summarize_room(self, room_id: str, max_turns: int, report: PassReport) -> None:
        """The room's newest ``max_turns`` user/assistant turns, summarised, stored at the version read."""
        try:
            window = read_window(self.client, room_id)
        except NotFoundError:
            return  # deleted since it was listed
        turns = [m for m in window.messages if is_turn(m)][-max(1, max_turns) :]
        if not turns:
            return
        text = self.model.summarize(turns)
        if text is None:
            report.skipped.append(room_id)
            return
        try:
            self.client.put_conversation_summary(
                room_id,
                text,
                window.version,
                last_turn_at=to_datetime(turns[-1].created_at),
                source_message_count=len(turns),
            )
        except SummaryOutdatedError:
            report.taken_by_others += 1
            log.debug("room %s: a newer summary is stored already (another worker)", room_id)
            return
        except RoomHistoryError as err:  # e.g. moved to a namespace without a bank since it was listed
            log.warning("room %s: summary refused: %s", room_id, err)
            return
        report.summarized += 1
        log.info("room %s: summary stored (version %d, %d turns)", room_id, window.version, len(turns))
        if self.listener:
            self.listener("summary", room_id, window.version)

    def roll_up(self, namespace: str, report: PassReport) -> None:
        """PlanRollup until the bank fits (no groups), or until a round commits nothing and met no other
        worker (every digest failed: the next pass tries again)."""
        for _ in range(MAX_ROLLUP_ROUNDS):
            plan = self.client.plan_rollup(namespace, as_of=self.clock())
            report.dropped_entries += plan.dropped_entries
            if plan.dropped_entries:
                log.info("namespace %s: %d oldest entries dropped (over budget)", namespace, plan.dropped_entries)
            if not plan.groups:
                return
            others = report.taken_by_others
            committed = sum(self.commit_group(group, report) for group in plan.groups)
            if not committed and report.taken_by_others == others:
                return

    def commit_group(self, group: bank.RollupGroup, report: PassReport) -> bool:
        """One group's digest from the model, committed; False when nothing was committed."""
        text = self.model.digest(list(group.sources))
        if text is None:
            report.skipped.append(group.plan)
            return False
        try:
            done = self.client.commit_rollup(group.plan, text)
        except RollupConflictError:
            report.taken_by_others += 1
            log.debug("roll-up %s: sources changed since the plan (another worker)", group.period_key)
            return False
        except RoomHistoryError as err:
            log.warning("roll-up %s refused: %s", group.period_key, err)
            return False
        report.digests += 1
        log.info("digest %s stored (%d entries merged)", done.digest.id, done.sources_replaced)
        if self.listener:
            self.listener("digest", done.digest.id, done.digest.revision)
        return True
