/**
 * CompactHistory and CompactPreservingStructure: validate, read a snapshot, plan the rewrite in
 * TypeScript (src/agent), apply it with one atomic store call (rewriteHead). The store refuses a plan
 * when the room moved since the snapshot; a caller that named no expected_version did not ask to fail
 * then, so the handler re-reads and re-plans (src/service/planned-rewrite.ts) instead of answering ABORTED.
 */
import type * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { planCompaction } from "../agent/compact.js";
import { planStructureCompaction } from "../agent/structure.js";
import type { HistoryStore } from "../store/store.js";
import { invalid, tooLarge } from "../domain/errors.js";
import { entryText } from "../domain/entry.js";
import { nowIso } from "../domain/timestamps.js";
import { entryToMessage, newMessageId } from "../wire/convert.js";
import { checkRoomId, type Limits } from "../wire/validate.js";
import { writeOptions, type DurabilityDefaults } from "./write-options.js";
import { applyPlanned } from "./planned-rewrite.js";

/** Re-plans after the room moved under a compaction that named no expected_version. */

/** CompactHistory's keep_recent when the request sets neither keep. */
export const DEFAULT_KEEP_RECENT = 2;
/** CompactPreservingStructure's keep_recent when unset. */
export const DEFAULT_STRUCTURE_KEEP_RECENT = 4;

export class CompactionHandlers {
  constructor(
    private readonly store: HistoryStore,
    private readonly limits: Limits,
    private readonly durability: DurabilityDefaults,
  ) {}

  async compactHistory(req: pb.CompactHistoryRequest): Promise<pb.CompactHistoryResponse> {
    const roomId = checkRoomId(req.roomId);
    if (req.summary.trim() === "") throw invalid("summary", "must not be empty");
    this.checkSummarySize(Buffer.byteLength(req.summary, "utf8"));
    const useTokens = req.keepRecent === undefined && req.keepRecentTokens !== undefined;
    const rule = {
      keepRecent: useTokens ? undefined : (req.keepRecent ?? DEFAULT_KEEP_RECENT),
      keepRecentTokens: useTokens ? req.keepRecentTokens : undefined,
      phaseGraduated: req.phaseGraduated,
    };
    const result = await applyPlanned(this.store, roomId, writeOptions(req, this.durability), (snap) => {
      const outcome = planCompaction(snap, {
        ...rule, summary: req.summary, outputKeys: snap.agentOptions?.outputKeys ?? [], id: newMessageId(), now: nowIso(),
      });
      // The PRESERVED VALUES block counts too: the stored turn must fit like any message.
      if (outcome) this.checkSummarySize(Buffer.byteLength(entryText(outcome.summary), "utf8"));
      return outcome;
    });
    if (!result.outcome) return { version: result.version, compacted: 0, summary: undefined, preservedValues: {}, replacedThroughSeq: 0 };
    const { summary, preserved, compacted, plan } = result.outcome;
    return {
      version: result.version, compacted, summary: entryToMessage(summary),
      preservedValues: Object.fromEntries(preserved), replacedThroughSeq: plan.replacedThroughSeq,
    };
  }

  async compactPreservingStructure(req: pb.CompactPreservingStructureRequest): Promise<pb.CompactPreservingStructureResponse> {
    const roomId = checkRoomId(req.roomId);
    const keepRecent = req.keepRecent ?? DEFAULT_STRUCTURE_KEEP_RECENT;
    const result = await applyPlanned(this.store, roomId, writeOptions(req, this.durability), (snap) =>
      planStructureCompaction(snap, {
        keepRecent, phaseGraduated: req.phaseGraduated, aggressive: req.aggressive, id: newMessageId(), now: nowIso(),
      }));
    const o = result.outcome;
    return { version: result.version, archived: o?.archived ?? 0, shortened: o?.shortened ?? 0, replacedThroughSeq: o?.plan.replacedThroughSeq ?? 0 };
  }

  private checkSummarySize(bytes: number): void {
    if (bytes > this.limits.maxMessageBytes) {
      throw tooLarge("summary", `the summary turn is ${bytes} bytes, more than the ${this.limits.maxMessageBytes} allowed ` +
        "(ROOMHISTORY_MAX_MESSAGE_BYTES)");
    }
  }
}
