/**
 * The memory bank in process memory, for the memory store (and the model redis-bank.ts is tested
 * against). Each method runs to completion without awaiting, so each is atomic as a script is.
 */
import { bankDisabled, rollupConflict, summaryOutdated } from "../../domain/errors.js";
import { planLadder, totalTokens } from "../../bank/ladder.js";
import type { PlanRef } from "../../bank/plan-token.js";
import type { BankData, BankEntryData, NamespaceOptionsData } from "./bank-types.js";
import {
  conversationId, defaultOptions, FOLD_WINDOW_MS, type BankStore, type CommitOutcome, type PendingRoom, type PlanOutcome, type SummaryPut,
} from "./bank-store.js";

interface Namespace {
  options?: NamespaceOptionsData;
  compressing: boolean;
  dropped: number;
  entries: Map<string, BankEntryData>;
  pending: Map<string, { version: number; atMs: number }>;
  /** Conversation entries a roll-up folded, by room: as the folded hash of bank-commit-3.lua. */
  folded: Map<string, { version: number; atMs: number }>;
}

export class MemoryBank implements BankStore {
  private readonly spaces = new Map<string, Namespace>();

  private space(namespace: string): Namespace {
    let s = this.spaces.get(namespace);
    if (!s) this.spaces.set(namespace, (s = { compressing: false, dropped: 0, entries: new Map(), pending: new Map(), folded: new Map() }));
    return s;
  }

  setOptions(options: NamespaceOptionsData): Promise<NamespaceOptionsData> {
    const s = this.space(options.namespace);
    s.options = { ...options };
    // As bank-set-options-1.lua: a bank turned off ends any roll-up run.
    if (!options.memoryBankEnabled) s.compressing = false;
    return Promise.resolve({ ...options });
  }

  getOptions(namespace: string): Promise<NamespaceOptionsData> {
    return Promise.resolve(this.optionsOf(namespace));
  }

  private optionsOf(namespace: string): NamespaceOptionsData {
    const o = this.spaces.get(namespace)?.options;
    return o ? { ...o } : defaultOptions(namespace);
  }

  noteTurn(roomId: string, namespace: string, version: number, atMs: number): Promise<void> {
    const s = this.space(namespace);
    // As bank-note-turn-3.lua: a late call for a version the summary covers leaves the room settled.
    if ((s.entries.get(conversationId(roomId))?.coversVersion ?? 0) >= version) return Promise.resolve();
    const pending = s.pending;
    const was = pending.get(roomId);
    pending.set(roomId, { version: Math.max(version, was?.version ?? 0), atMs: Math.max(atMs, was?.atMs ?? 0) });
    return Promise.resolve();
  }

  roomsNeedingSummary(namespace: string, cutoffMs: number, limit: number): Promise<{ rooms: PendingRoom[]; more: boolean }> {
    const s = this.spaces.get(namespace);
    const due = [...(s?.pending ?? [])].filter(([, p]) => p.atMs <= cutoffMs)
      .sort(([a, p], [b, q]) => p.atMs - q.atMs || (a < b ? -1 : a > b ? 1 : 0));
    const rooms = due.slice(0, limit).map(([roomId, p]) => ({
      roomId, version: p.version, lastActivityMs: p.atMs,
      summarizedVersion: s?.entries.get(conversationId(roomId))?.coversVersion ?? 0,
    }));
    return Promise.resolve({ rooms, more: due.length > limit });
  }

  forgetRooms(namespace: string, rooms: { roomId: string; version: number }[]): Promise<void> {
    const pending = this.spaces.get(namespace)?.pending;
    for (const r of rooms) if (pending?.get(r.roomId)?.version === r.version) pending.delete(r.roomId);
    return Promise.resolve();
  }

  putConversationSummary(namespace: string, put: SummaryPut, nowMs: number): Promise<{ entry: BankEntryData; created: boolean }> {
    const s = this.space(namespace);
    if (!s.options?.memoryBankEnabled) return Promise.reject(bankDisabled("room_id", namespace));
    const id = conversationId(put.roomId);
    const old = s.entries.get(id);
    if (old && old.coversVersion > put.coversVersion) return Promise.reject(summaryOutdated(put.roomId, old.coversVersion));
    const folded = old ? undefined : s.folded.get(put.roomId);
    if (folded && put.coversVersion <= folded.version && nowMs - folded.atMs < FOLD_WINDOW_MS) {
      return Promise.reject(summaryOutdated(put.roomId, folded.version));
    }
    s.folded.delete(put.roomId);
    const entry: BankEntryData = {
      id, granularity: "conversation", periodKey: put.periodKey, roomId: put.roomId, summary: put.summary,
      tokenCount: put.tokenCount, sourceMessageCount: put.sourceMessageCount, lastSourceAt: put.lastSourceAt,
      createdAt: old?.createdAt ?? nowMs, updatedAt: nowMs, coversVersion: put.coversVersion, revision: (old?.revision ?? 0) + 1,
    };
    s.entries.set(id, entry);
    const pending = s.pending.get(put.roomId);
    if (pending && put.coversVersion >= pending.version) s.pending.delete(put.roomId);
    return Promise.resolve({ entry: { ...entry }, created: !old });
  }

  readBank(namespace: string): Promise<BankData> {
    const s = this.spaces.get(namespace);
    return Promise.resolve({
      options: this.optionsOf(namespace), entries: [...(s?.entries.values() ?? [])].map((e) => ({ ...e })),
      droppedEntries: s?.dropped ?? 0,
    });
  }

  plan(namespace: string, nowMs: number): Promise<PlanOutcome> {
    const options = this.optionsOf(namespace);
    const s = this.space(namespace);
    const entries = [...s.entries.values()];
    const base = { maxTokens: options.maxTokens, enabled: options.memoryBankEnabled };
    if (!options.memoryBankEnabled) return Promise.resolve({ ...base, groups: [], totalTokens: totalTokens(entries), dropped: 0 });
    const p = planLadder(entries, options.maxTokens, s.compressing, nowMs);
    s.compressing = p.compressing;
    for (const e of p.drop) s.entries.delete(e.id);
    s.dropped += p.drop.length;
    const total = p.totalTokens - totalTokens(p.drop);
    return Promise.resolve({ ...base, groups: p.groups, totalTokens: total, dropped: p.drop.length });
  }

  commitRollup(plan: PlanRef, digest: { summary: string; tokenCount: number }, nowMs: number): Promise<CommitOutcome> {
    const s = this.space(plan.namespace);
    if (!s.options?.memoryBankEnabled) return Promise.reject(bankDisabled("plan", plan.namespace));
    const digestId = `${plan.to}:${plan.periodKey}`;
    const folded = s.entries.get(digestId);
    const stale = plan.sources.find((src) => s.entries.get(src.id)?.revision !== src.revision);
    if (stale) return Promise.reject(rollupConflict(`entry ${stale.id} changed or is gone`));
    if ((folded?.revision ?? 0) !== plan.foldedRevision) return Promise.reject(rollupConflict(`digest ${digestId} changed`));
    const merged = [...plan.sources.map((src) => s.entries.get(src.id)!), ...(folded ? [folded] : [])];
    const entry: BankEntryData = {
      id: digestId, granularity: plan.to, periodKey: plan.periodKey, roomId: "", summary: digest.summary,
      tokenCount: digest.tokenCount, sourceMessageCount: merged.reduce((n, e) => n + e.sourceMessageCount, 0),
      lastSourceAt: Math.max(...merged.map((e) => e.lastSourceAt)), createdAt: folded?.createdAt ?? nowMs,
      updatedAt: nowMs, coversVersion: 0, revision: (folded?.revision ?? 0) + 1,
    };
    for (const src of plan.sources) {
      const e = s.entries.get(src.id)!;
      if (e.granularity === "conversation" && e.roomId) s.folded.set(e.roomId, { version: e.coversVersion, atMs: nowMs });
      s.entries.delete(src.id);
    }
    s.entries.set(digestId, entry);
    return Promise.resolve({ digest: { ...entry }, sourcesReplaced: plan.sources.length, totalTokens: totalTokens([...s.entries.values()]) });
  }

  listNamespaces(): Promise<string[]> {
    const names = [...this.spaces].filter(([, s]) => s.options || s.entries.size).map(([n]) => n);
    return Promise.resolve(names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  }

  async exportNamespace(namespace: string): Promise<BankData | undefined> {
    const s = this.spaces.get(namespace);
    return s && (s.options || s.entries.size) ? this.readBank(namespace) : undefined;
  }

  importNamespace(data: BankData): Promise<void> {
    const s = this.space(data.options.namespace);
    s.options = { ...data.options };
    s.entries = new Map(data.entries.map((e) => [e.id, { ...e }]));
    s.dropped = data.droppedEntries;
    s.compressing = false;
    return Promise.resolve();
  }
}
