/**
 * The memory bank's handlers (issue 12, memory_bank.proto): validate, call the bank store, shape the
 * reply. Token counts (o200k_base) and periods are decided here, so both stores keep what they are given.
 */
import type { Timestamp } from "@roomhistory/client/gen/google/protobuf/timestamp.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import { failedPrecondition, invalid, roomNotFound, tooLarge } from "../domain/errors.js";
import { instantProblem } from "../domain/timestamps.js";
import { bankOrder, totalTokens } from "../bank/ladder.js";
import { dayKey } from "../bank/periods.js";
import { decodePlan, encodePlan } from "../bank/plan-token.js";
import { renderBlock } from "../bank/block.js";
import { countTokens } from "../prompt/tokens.js";
import type { BankEntryData, Granularity, NamespaceOptionsData } from "../store/bank/bank-types.js";
import {
  DEFAULT_BANK_MAX_TOKENS, DEFAULT_IDLE_MINUTES, DEFAULT_MAX_TURNS_PER_SUMMARY,
} from "../store/bank/bank-types.js";
import type { BankStore, PendingRoom } from "../store/bank/bank-store.js";
import type { HistoryStore, RoomSnapshot } from "../store/store.js";
import { checkRoomId } from "../wire/validate.js";

const NAMESPACE = /^[A-Za-z0-9._\-:@!#+=/]{1,128}$/;
const MAX_TEXT_BYTES = 16 * 1024;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
/** How many times ListRoomsNeedingSummary reads on past rooms it found gone before answering short. */
const PENDING_ROUNDS = 5;

/** A namespace name: the room id charset, 1 to 128 characters. */
export function checkNamespace(namespace: string, field = "namespace"): string {
  if (!NAMESPACE.test(namespace)) throw invalid(field, "must be 1 to 128 characters of A-Z a-z 0-9 . _ - : @ ! # + = /");
  return namespace;
}

const GRANULARITY: Record<Granularity, pb.MemoryGranularity> = {
  conversation: pb.MemoryGranularity.MEMORY_GRANULARITY_CONVERSATION,
  day: pb.MemoryGranularity.MEMORY_GRANULARITY_DAY,
  week: pb.MemoryGranularity.MEMORY_GRANULARITY_WEEK,
  month: pb.MemoryGranularity.MEMORY_GRANULARITY_MONTH,
};

export function timestampOf(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function msOf(t: Timestamp | undefined, field: string): number | undefined {
  if (!t) return undefined;
  const problem = instantProblem(t);
  if (problem) throw invalid(field, problem);
  return t.seconds * 1000 + Math.floor(t.nanos / 1_000_000);
}

export function entryToProto(e: BankEntryData): pb.MemoryBankEntry {
  return {
    id: e.id, granularity: GRANULARITY[e.granularity], periodKey: e.periodKey, roomId: e.roomId, summary: e.summary,
    tokenCount: e.tokenCount, sourceMessageCount: e.sourceMessageCount, lastSourceAt: timestampOf(e.lastSourceAt),
    createdAt: timestampOf(e.createdAt), updatedAt: timestampOf(e.updatedAt), coversVersion: e.coversVersion, revision: e.revision,
  };
}

function optionsToProto(o: NamespaceOptionsData): pb.NamespaceOptions {
  return { ...o };
}

function checkText(text: string, field: string): void {
  if (!text) throw invalid(field, "is required (1 character to 16 KiB)");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_TEXT_BYTES) throw tooLarge(field, `is ${bytes} bytes, more than 16 KiB`);
}

function bounded(value: number, max: number, fallback: number, field: string): number {
  if (value > max) throw invalid(field, `must be at most ${max}`);
  return value || fallback;
}

export class MemoryBankHandlers {
  constructor(
    private readonly store: HistoryStore,
    private readonly bank: BankStore,
    private readonly now: () => number = Date.now,
  ) {}

  async setNamespaceOptions(req: pb.SetNamespaceOptionsRequest): Promise<pb.SetNamespaceOptionsResponse> {
    const options: NamespaceOptionsData = {
      namespace: checkNamespace(req.namespace),
      memoryBankEnabled: req.memoryBankEnabled,
      maxTokens: bounded(req.maxTokens, 100_000, DEFAULT_BANK_MAX_TOKENS, "max_tokens"),
      idleMinutes: bounded(req.idleMinutes, 10_080, DEFAULT_IDLE_MINUTES, "idle_minutes"),
      maxTurnsPerSummary: bounded(req.maxTurnsPerSummary, 1000, DEFAULT_MAX_TURNS_PER_SUMMARY, "max_turns_per_summary"),
    };
    return { options: optionsToProto(await this.bank.setOptions(options)) };
  }

  async getMemoryBank(req: pb.GetMemoryBankRequest): Promise<pb.GetMemoryBankResponse> {
    const data = await this.bank.readBank(checkNamespace(req.namespace));
    const entries = data.entries.sort(bankOrder);
    return {
      options: optionsToProto(data.options), entries: entries.map(entryToProto), totalTokens: totalTokens(entries),
      droppedEntries: data.droppedEntries,
    };
  }

  async listRoomsNeedingSummary(req: pb.ListRoomsNeedingSummaryRequest): Promise<pb.ListRoomsNeedingSummaryResponse> {
    const namespace = checkNamespace(req.namespace);
    const asOf = msOf(req.asOf, "as_of") ?? this.now();
    const pageSize = Math.min(req.pageSize || DEFAULT_PAGE, MAX_PAGE);
    const options = await this.bank.getOptions(namespace);
    if (!options.memoryBankEnabled) return { rooms: [], more: false };
    const cutoff = asOf - (req.idleMinutes || options.idleMinutes) * 60_000;
    for (let round = 1; ; round++) {
      const page = await this.bank.roomsNeedingSummary(namespace, cutoff, pageSize);
      const gone = await this.roomsGone(namespace, page.rooms);
      // Rooms deleted, expired or moved out of the namespace leave the index here, lazily.
      if (gone.size) await this.bank.forgetRooms(namespace, page.rooms.filter((r) => gone.has(r.roomId)));
      if (!gone.size || !page.more || round === PENDING_ROUNDS) {
        const rooms = page.rooms.filter((r) => !gone.has(r.roomId)).map((r) => ({
          roomId: r.roomId, version: r.version, lastActivity: timestampOf(r.lastActivityMs), summarizedVersion: r.summarizedVersion,
        }));
        return { rooms, more: page.more };
      }
    }
  }

  private async roomsGone(namespace: string, rooms: PendingRoom[]): Promise<Set<string>> {
    const snaps = await Promise.all(rooms.map((r) => this.store.read(r.roomId)));
    return new Set(rooms.filter((_, i) => !snaps[i].exists || snaps[i].metadata?.namespace !== namespace).map((r) => r.roomId));
  }

  async putConversationSummary(req: pb.PutConversationSummaryRequest): Promise<pb.PutConversationSummaryResponse> {
    const roomId = checkRoomId(req.roomId);
    checkText(req.summary, "summary");
    if (!req.coversVersion) throw invalid("covers_version", "is required: the room version the summary was made from");
    const lastTurnAt = msOf(req.lastTurnAt, "last_turn_at");
    const snap = await this.store.read(roomId);
    if (!snap.exists) throw roomNotFound(roomId);
    const namespace = snap.metadata?.namespace;
    if (!namespace) throw failedPrecondition("room_id", `room ${roomId} belongs to no namespace (UpdateRoomMetadata)`);
    if (req.coversVersion > snap.version) {
      throw invalid("covers_version", `is ${req.coversVersion}, beyond the room's version ${snap.version}`);
    }
    const at = lastTurnAt ?? newestTurnMs(snap) ?? this.now();
    const { entry, created } = await this.bank.putConversationSummary(namespace, {
      roomId, summary: req.summary, tokenCount: countTokens(req.summary), coversVersion: req.coversVersion,
      periodKey: dayKey(at), lastSourceAt: at, sourceMessageCount: req.sourceMessageCount,
    }, this.now());
    return { entry: entryToProto(entry), created };
  }

  async planRollup(req: pb.PlanRollupRequest): Promise<pb.PlanRollupResponse> {
    const namespace = checkNamespace(req.namespace);
    const asOf = msOf(req.asOf, "as_of") ?? this.now();
    const plan = await this.bank.plan(namespace, asOf);
    const groups = plan.groups.map((g) => ({
      plan: encodePlan({
        namespace, from: g.from, to: g.to, periodKey: g.periodKey,
        sources: g.sources.map((s) => ({ id: s.id, revision: s.revision })), foldedRevision: g.folded?.revision ?? 0,
      }),
      from: GRANULARITY[g.from], to: GRANULARITY[g.to], periodKey: g.periodKey,
      sources: [...g.sources, ...(g.folded ? [g.folded] : [])].map(entryToProto),
    }));
    return { groups, totalTokens: plan.totalTokens, maxTokens: plan.maxTokens, droppedEntries: plan.dropped };
  }

  async commitRollup(req: pb.CommitRollupRequest): Promise<pb.CommitRollupResponse> {
    if (!req.plan) throw invalid("plan", "is required: a RollupGroup.plan from PlanRollup");
    const plan = decodePlan(req.plan);
    checkText(req.digestText, "digest_text");
    const out = await this.bank.commitRollup(plan, { summary: req.digestText, tokenCount: countTokens(req.digestText) }, this.now());
    return { digest: entryToProto(out.digest), sourcesReplaced: out.sourcesReplaced, totalTokens: out.totalTokens };
  }

  async renderMemoryBank(req: pb.RenderMemoryBankRequest): Promise<pb.RenderMemoryBankResponse> {
    const data = await this.bank.readBank(checkNamespace(req.namespace));
    const block = renderBlock(data.entries, req.maxTokens || data.options.maxTokens);
    return { text: block.text, tokens: block.tokens, entriesRendered: block.rendered, entriesOmitted: block.omitted };
  }
}

/** The created_at of the room's newest user or assistant message, in ms. */
function newestTurnMs(snap: RoomSnapshot): number | undefined {
  for (let i = snap.entries.length - 1; i >= 0; i--) {
    const e = snap.entries[i];
    if ((e.role === "user" || e.role === "assistant") && e.created_at) {
      const ms = Date.parse(e.created_at);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return undefined;
}
