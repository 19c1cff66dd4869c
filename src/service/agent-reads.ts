/**
 * The read side of agent histories (issue 11): run cursors, SearchHistory and ExportSummary. Thin
 * handlers as in room-history.ts: validate, call the store, shape the reply; the rules live in
 * src/store/run-cursor.ts and src/service/search.ts.
 */
import type * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { Entry } from "../domain/entry.js";
import { invalid } from "../domain/errors.js";
import type { HistoryStore, RoomSnapshot } from "../store/store.js";
import { entryToMessage, isoToTimestamp, timestampToIso } from "../wire/convert.js";
import { checkAgentName, checkRoomId } from "../wire/validate.js";
import { isoToInstant } from "../domain/timestamps.js";
import { cursorAfter, cursorStart } from "./history.js";
import {
  decodeSearchToken, encodeSearchToken, matchesSearch, positionAfter, startAt, type SearchPosition, type SearchQuery,
} from "./search.js";

/** How many archived entries one readArchive call asks for while a search scans the archive. */
const ARCHIVE_SCAN_PAGE = 500;

export class AgentReads {
  constructor(
    private readonly store: HistoryStore,
    /** The GetRoomInfo handler: ExportSummary's `info` is the very same answer. */
    private readonly roomInfo: (req: pb.GetRoomInfoRequest) => Promise<pb.GetRoomInfoResponse>,
  ) {}

  async getRunCursor(req: pb.GetRunCursorRequest): Promise<pb.GetRunCursorResponse> {
    const roomId = checkRoomId(req.roomId);
    const c = await this.store.getRunCursor(roomId, requiredRunId(req.runId));
    return { exists: c.exists, nextSeq: c.nextSeq, values: c.values };
  }

  async updateRunCursor(req: pb.UpdateRunCursorRequest): Promise<pb.UpdateRunCursorResponse> {
    const roomId = checkRoomId(req.roomId);
    const runId = requiredRunId(req.runId);
    if (Object.keys(req.values).some((k) => k === "")) throw invalid("values", "a key is empty");
    const c = await this.store.updateRunCursor(roomId, runId, {
      nextSeq: req.nextSeq, values: req.values, expectedNextSeq: req.expectedNextSeq,
    });
    return { nextSeq: c.nextSeq, values: c.values };
  }

  async searchHistory(req: pb.SearchHistoryRequest): Promise<pb.SearchHistoryResponse> {
    const roomId = checkRoomId(req.roomId);
    const query: SearchQuery = {
      text: req.text.toLowerCase(), sender: req.sender,
      from: instant(timestampToIso(req.fromTime, "from_time")), to: instant(timestampToIso(req.toTime, "to_time")),
    };
    const size = Math.min(req.pageSize || 100, 1000);
    let at: SearchPosition = req.pageToken
      ? decodeSearchToken(req.pageToken)
      : { section: req.includeArchive ? "archive" : "window", seq: 0, count: 0 };
    const hits: pb.SearchHit[] = [];
    if (at.section === "archive" && req.includeArchive) {
      const found = await this.archiveHits(roomId, query, at, size + 1);
      const page = found.slice(0, size);
      hits.push(...page.map((e) => ({ message: entryToMessage(e), archived: true })));
      if (found.length > size) return { hits, nextPageToken: encodeSearchToken(positionAfter("archive", found, size)) };
      at = { section: "window", seq: 0, count: 0 };
    }
    const snap = await this.store.read(roomId);
    const found = snap.entries.filter((e) => matchesSearch(e, query));
    const from = at.section === "window" && (at.seq || at.count) ? cursorStart(found, { afterSeq: at.seq, skip: at.count }) : 0;
    const end = Math.min(found.length, from + size - hits.length);
    hits.push(...found.slice(from, end).map((e) => ({ message: entryToMessage(e), archived: false })));
    if (end >= found.length) return { hits, nextPageToken: "" };
    const next = cursorAfter(found, end);
    return { hits, nextPageToken: encodeSearchToken({ section: "window", seq: next.afterSeq, count: next.skip }) };
  }

  /** Up to `want` archived matches at or after `at`, oldest first, scanning the archive page by page. */
  private async archiveHits(roomId: string, query: SearchQuery, at: SearchPosition, want: number): Promise<Entry[]> {
    const out: Entry[] = [];
    // Entries of seq at.seq are read again (some were returned already) and skipped by startAt.
    let afterSeq: number | undefined = at.seq > 0 ? at.seq - 1 : undefined;
    for (;;) {
      const page = await this.store.readArchive(roomId, { fromSeq: 0, toSeq: 0, afterSeq, limit: ARCHIVE_SCAN_PAGE });
      out.push(...page.entries.filter((e) => matchesSearch(e, query)));
      const rest = out.slice(startAt(out, at));
      if (rest.length >= want || page.nextAfterSeq === undefined) return rest.slice(0, want);
      afterSeq = page.nextAfterSeq;
    }
  }

  async exportSummary(req: pb.ExportSummaryRequest): Promise<pb.ExportSummaryResponse> {
    const roomId = checkRoomId(req.roomId);
    const recent = Math.min(req.recent || 10, 100);
    const { info, snap } = await this.sameVersion(roomId);
    const messagesByRole: Record<string, number> = {};
    const toolCallsByName: Record<string, number> = {};
    const runIds = new Set<string>();
    let toolErrors = 0;
    let first: string | undefined;
    let last: string | undefined;
    for (const e of snap.entries) {
      messagesByRole[e.role] = (messagesByRole[e.role] ?? 0) + 1;
      for (const call of e.tool_calls ?? []) toolCallsByName[call.function.name] = (toolCallsByName[call.function.name] ?? 0) + 1;
      if (e.role === "tool" && e.is_error) toolErrors++;
      if (e.run_id) runIds.add(e.run_id);
      if (e.created_at && isoToInstant(e.created_at)) {
        if (!first || earlier(e.created_at, first)) first = e.created_at;
        if (!last || earlier(last, e.created_at)) last = e.created_at;
      }
    }
    return {
      info, messagesByRole, toolCallsByName, toolErrors, runIds: [...runIds],
      firstMessageAt: isoToTimestamp(first), lastMessageAt: isoToTimestamp(last),
      recentMessages: snap.entries.slice(-recent).map(entryToMessage),
    };
  }

  /**
   * GetRoomInfo's answer and a snapshot of the same version: a write between the two reads makes
   * them read again (a few times; then the newest pair is returned, the info possibly one write older).
   */
  private async sameVersion(roomId: string): Promise<{ info: pb.GetRoomInfoResponse; snap: RoomSnapshot }> {
    for (let attempt = 1; ; attempt++) {
      const info = await this.roomInfo({ roomId });
      const snap = await this.store.read(roomId);
      if (snap.version === info.version || attempt === 3) return { info, snap };
    }
  }
}

function requiredRunId(runId: string): string {
  if (!runId) throw invalid("run_id", "is required");
  return checkAgentName(runId, "run_id");
}

function instant(iso: string | undefined) {
  return iso === undefined ? undefined : isoToInstant(iso);
}

/** Whether created_at `a` is before `b`, compared as instants (both parse). */
function earlier(a: string, b: string): boolean {
  const x = isoToInstant(a)!;
  const y = isoToInstant(b)!;
  return x.seconds < y.seconds || (x.seconds === y.seconds && x.nanos < y.nanos);
}
