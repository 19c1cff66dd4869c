/**
 * Room metadata and the namespace memory bank (issue 12): UpdateRoomMetadata and the eight calls a
 * consolidation worker and an inference worker make. A layer of RoomHistoryClient (see client.ts).
 *
 * A consolidation worker loops: listRoomsNeedingSummary → getHistory → putConversationSummary per room,
 * then planRollup → commitRollup per group. Every step is checked by the server, so several workers may
 * run at once: a summary of an older version than the stored one is refused (SummaryOutdatedError), and
 * a roll-up whose sources changed since its plan is refused (RollupConflictError).
 */
import { ClientCore, type CallOptions, type PartialRequest } from "./core.js";
import * as bank from "./gen/roomhistory/v1/memory_bank.js";
import * as meta from "./gen/roomhistory/v1/metadata.js";

export class MemoryBankClient extends ClientCore {
  /**
   * UpdateRoomMetadata: the room's title, namespace, participants, labels and summary: the fields named in
   * `updateMask`, or, without one, exactly the fields given (as in Python: `{ title: "" }` clears the
   * title, a field left out is kept). Watchers get CHANGE_KIND_METADATA. Retried only with an expectedVersion.
   */
  updateRoomMetadata(
    req: PartialRequest<meta.UpdateRoomMetadataRequest>, opts?: CallOptions,
  ): Promise<meta.UpdateRoomMetadataResponse> {
    return this.unary("updateRoomMetadata", meta.UpdateRoomMetadataRequest.fromPartial(withMask(req)), opts);
  }

  /**
   * SetNamespaceOptions: a namespace's memory bank settings, all at once (zero: the default; maxTokens 2000,
   * idleMinutes 10, maxTurnsPerSummary 40). PRIVACY: with the bank enabled, every room of the namespace may
   * be shown summaries derived from the others. Not retried (it carries no expected_version); repeating it
   * yourself after an UnavailableError is harmless.
   */
  setNamespaceOptions(
    req: PartialRequest<bank.SetNamespaceOptionsRequest>, opts?: CallOptions,
  ): Promise<bank.SetNamespaceOptionsResponse> {
    return this.unary("setNamespaceOptions", bank.SetNamespaceOptionsRequest.fromPartial(req), opts);
  }

  /** GetMemoryBank: a namespace's options and every entry of its bank. Retried. */
  getMemoryBank(req: PartialRequest<bank.GetMemoryBankRequest>, opts?: CallOptions): Promise<bank.GetMemoryBankResponse> {
    return this.unary("getMemoryBank", bank.GetMemoryBankRequest.fromPartial(req), opts);
  }

  /**
   * ListRoomsNeedingSummary: rooms of the namespace idle for `idleMinutes` (0: the namespace's) with turns
   * newer than their summary, least recently active first (`more`: another page waits). Retried.
   */
  listRoomsNeedingSummary(
    req: PartialRequest<bank.ListRoomsNeedingSummaryRequest>, opts?: CallOptions,
  ): Promise<bank.ListRoomsNeedingSummaryResponse> {
    return this.unary("listRoomsNeedingSummary", bank.ListRoomsNeedingSummaryRequest.fromPartial(req), opts);
  }

  /**
   * PutConversationSummary: upserts the room's conversation entry. Retried: a repeat with the same
   * coversVersion replaces the entry with the same text. A summary of an older version than the stored one
   * is refused with SummaryOutdatedError (its `coversVersion` is the stored one); a namespace whose bank is
   * off answers FAILED_PRECONDITION.
   */
  putConversationSummary(
    req: PartialRequest<bank.PutConversationSummaryRequest>, opts?: CallOptions,
  ): Promise<bank.PutConversationSummaryResponse> {
    return this.unary("putConversationSummary", bank.PutConversationSummaryRequest.fromPartial(req), opts);
  }

  /**
   * PlanRollup: the groups to merge to bring the bank within budget, each with its plan token for
   * commitRollup (none when the bank fits). Retried: a repeat plans from the bank as it is then, as any
   * later call would (it may drop the oldest entries when nothing is left to roll up; they are counted).
   */
  planRollup(req: PartialRequest<bank.PlanRollupRequest>, opts?: CallOptions): Promise<bank.PlanRollupResponse> {
    return this.unary("planRollup", bank.PlanRollupRequest.fromPartial(req), opts);
  }

  /**
   * CommitRollup: replaces a planned group's sources with `digestText`, atomically. RollupConflictError
   * (ABORTED, reason ROLLUP_CONFLICT) when a source changed since the plan: plan again. NOT retried: a
   * repeat after a commit that succeeded but whose reply was lost is refused the same way (its sources are
   * gone), so after an UnavailableError read the bank (getMemoryBank) or plan again rather than repeating.
   */
  commitRollup(req: PartialRequest<bank.CommitRollupRequest>, opts?: CallOptions): Promise<bank.CommitRollupResponse> {
    return this.unary("commitRollup", bank.CommitRollupRequest.fromPartial(req), opts);
  }

  /**
   * RenderMemoryBank: the namespace's bank as the block put before a system prompt (header line, then
   * Recent conversations / By day / By week / By month, newest first, within `maxTokens`; 0: the
   * namespace's budget). Retried.
   */
  renderMemoryBank(
    req: PartialRequest<bank.RenderMemoryBankRequest>, opts?: CallOptions,
  ): Promise<bank.RenderMemoryBankResponse> {
    return this.unary("renderMemoryBank", bank.RenderMemoryBankRequest.fromPartial(req), opts);
  }
}

const METADATA_FIELDS = ["title", "namespace", "participants", "labels", "summary"] as const;

/**
 * The request with an update_mask naming exactly the fields given (not undefined) when the caller set
 * none, as the Python client does: `{ title: "" }` clears the title, a field left out is kept.
 */
function withMask(req: PartialRequest<meta.UpdateRoomMetadataRequest>): PartialRequest<meta.UpdateRoomMetadataRequest> {
  if (req.updateMask?.length) return req;
  const paths = METADATA_FIELDS.filter((f) => req[f] !== undefined);
  return { ...req, updateMask: paths };
}
