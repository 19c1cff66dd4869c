/**
 * PruneToolResults and GetArchive. A prune is planned in TypeScript (src/agent/prune.ts) from one
 * snapshot and applied with one atomic store call (rewriteHead), which refuses when the room moved
 * since the snapshot; a caller that named no expected_version did not ask to fail then, so the
 * handler re-reads and re-plans (src/service/planned-rewrite.ts) instead of answering ABORTED.
 */
import type * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { DEFAULT_MIN_PRUNE_TOKENS, DEFAULT_PROTECT_TOKENS, planPrune } from "../agent/prune.js";
import { invalid } from "../domain/errors.js";
import type { HistoryStore } from "../store/store.js";
import { entryToMessage } from "../wire/convert.js";
import { checkRoomId } from "../wire/validate.js";
import { writeOptions, type DurabilityDefaults } from "./write-options.js";
import { applyPlanned } from "./planned-rewrite.js";

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export class PruneArchiveHandlers {
  constructor(
    private readonly store: HistoryStore,
    private readonly durability: DurabilityDefaults,
  ) {}

  async pruneToolResults(req: pb.PruneToolResultsRequest): Promise<pb.PruneToolResultsResponse> {
    const roomId = checkRoomId(req.roomId);
    const rule = {
      protectTokens: req.protectTokens ?? DEFAULT_PROTECT_TOKENS,
      minPruneTokens: req.minPruneTokens ?? DEFAULT_MIN_PRUNE_TOKENS,
    };
    const opts = writeOptions(req, this.durability);
    const { version, outcome } = await applyPlanned(this.store, roomId, opts, (snap) => planPrune(snap, rule));
    if (!outcome) return { version, pruned: 0, freedTokens: 0, seqs: [] };
    return { version, pruned: outcome.seqs.length, freedTokens: outcome.freedTokens, seqs: outcome.seqs };
  }

  async getArchive(req: pb.GetArchiveRequest): Promise<pb.GetArchiveResponse> {
    const roomId = checkRoomId(req.roomId);
    if (req.toSeq !== 0 && req.toSeq < req.fromSeq) throw invalid("to_seq", "must be zero or at least from_seq");
    const limit = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(req.pageSize, MAX_PAGE_SIZE);
    const page = await this.store.readArchive(roomId, {
      fromSeq: req.fromSeq, toSeq: req.toSeq, afterSeq: afterSeqOf(req.pageToken), limit,
    });
    return {
      messages: page.entries.map(entryToMessage),
      nextPageToken: page.nextAfterSeq === undefined ? "" : `a1:${page.nextAfterSeq}`,
    };
  }
}

/** The seq a page token continues after; undefined for the first page. */
function afterSeqOf(token: string): number | undefined {
  if (token === "") return undefined;
  const m = /^a1:(\d{1,16})$/.exec(token);
  if (!m) throw invalid("page_token", "is not a next_page_token of GetArchive");
  return Number(m[1]);
}
