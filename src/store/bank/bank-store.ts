/**
 * A namespace memory bank's store (issue 12, memory_bank.proto): options, entries, the activity index
 * of rooms needing a summary, and the two-step roll-up. Every mutation is atomic on the namespace's own
 * keys (Redis: one script in the `{ns:<namespace>}` slot), so any number of replicas and consolidation
 * workers may call at once. Two implementations, held together by test/bank/conformance-suite.ts:
 * redis-bank.ts and memory-bank.ts.
 */
import type { PlannedGroup } from "../../bank/ladder.js";
import type { PlanRef } from "../../bank/plan-token.js";
import {
  DEFAULT_BANK_MAX_TOKENS, DEFAULT_IDLE_MINUTES, DEFAULT_MAX_TURNS_PER_SUMMARY,
  type BankData, type BankEntryData, type BankTransfer, type NamespaceOptionsData,
} from "./bank-types.js";

/** A room with turns newer than its summary (ListRoomsNeedingSummary). */
export interface PendingRoom {
  roomId: string;
  /** The room's version at its newest turn. */
  version: number;
  lastActivityMs: number;
  /** The version its conversation entry covers; 0 without one. */
  summarizedVersion: number;
}

/**
 * How long a roll-up's marker of a folded conversation entry refuses a summary of the same (or an
 * older) room version: long enough for any worker that read the room before the roll-up to have put
 * its summary (a model call takes minutes at most); after it, a room whose versions restarted (deleted
 * and recreated after its tombstone expired) is summarised normally again.
 */
export const FOLD_WINDOW_MS = 3_600_000;

/** A conversation summary to store; the service has counted its tokens and found its period. */
export interface SummaryPut {
  roomId: string;
  summary: string;
  tokenCount: number;
  coversVersion: number;
  periodKey: string;
  lastSourceAt: number;
  sourceMessageCount: number;
}

export interface PlanOutcome {
  groups: PlannedGroup[];
  totalTokens: number;
  maxTokens: number;
  /** Entries this call dropped (the bank over budget with nothing left to roll up). */
  dropped: number;
  enabled: boolean;
}

export interface CommitOutcome {
  digest: BankEntryData;
  sourcesReplaced: number;
  totalTokens: number;
}

export interface BankStore extends BankTransfer {
  /** Stores the options as given (the service fills defaults) and lists the namespace. */
  setOptions(options: NamespaceOptionsData): Promise<NamespaceOptionsData>;
  /** The namespace's options; defaults (disabled) when never set. */
  getOptions(namespace: string): Promise<NamespaceOptionsData>;
  /** A room of the namespace had a turn: version and time only ever move forward. */
  noteTurn(roomId: string, namespace: string, version: number, atMs: number): Promise<void>;
  /** Rooms whose newest turn is at or before cutoffMs and newer than their summary, least recently active first. */
  roomsNeedingSummary(namespace: string, cutoffMs: number, limit: number): Promise<{ rooms: PendingRoom[]; more: boolean }>;
  /** Drops rooms from the activity index, each only while its pending version is still the one given. */
  forgetRooms(namespace: string, rooms: { roomId: string; version: number }[]): Promise<void>;
  /**
   * Upserts `conversation:<room>`: FAILED_PRECONDITION when the bank is disabled, SUMMARY_OUTDATED when
   * the stored entry covers a newer version; clears the room's pending mark once covered.
   */
  putConversationSummary(namespace: string, put: SummaryPut, nowMs: number): Promise<{ entry: BankEntryData; created: boolean }>;
  /** Options, entries (any order) and the dropped count. */
  readBank(namespace: string): Promise<BankData>;
  /** The ladder's groups now (src/bank/ladder.ts); keeps the compressing state, drops the oldest when it must. */
  plan(namespace: string, nowMs: number): Promise<PlanOutcome>;
  /** Replaces a plan's sources by its digest, or ROLLUP_CONFLICT when anything it read changed. */
  commitRollup(plan: PlanRef, digest: { summary: string; tokenCount: number }, nowMs: number): Promise<CommitOutcome>;
}

export function defaultOptions(namespace: string): NamespaceOptionsData {
  return {
    namespace, memoryBankEnabled: false, maxTokens: DEFAULT_BANK_MAX_TOKENS, idleMinutes: DEFAULT_IDLE_MINUTES,
    maxTurnsPerSummary: DEFAULT_MAX_TURNS_PER_SUMMARY,
  };
}

export function conversationId(roomId: string): string {
  return `conversation:${roomId}`;
}
