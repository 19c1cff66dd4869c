/**
 * The memory bank on Redis: one namespace's options, entries and activity index in its own slot
 * (`{ns:<namespace>}`, KeySpace.namespace), every operation one script there (bank-*.lua), so
 * concurrent replicas and workers see each operation whole. The namespace index, in the `{rooms}`
 * slot, is written by a separate command after the script (idempotent: ZADD of score 0).
 */
import type { Cluster, Redis } from "ioredis";
import { bankDisabled, rollupConflict, summaryOutdated } from "../../domain/errors.js";
import { planLadder, totalTokens } from "../../bank/ladder.js";
import type { PlanRef } from "../../bank/plan-token.js";
import { KeySpace, type KeyOptions, type NamespaceKeys } from "../keys.js";
import type { BankData, BankEntryData, NamespaceOptionsData } from "./bank-types.js";
import {
  defaultOptions, FOLD_WINDOW_MS, type BankStore, type CommitOutcome, type PendingRoom, type PlanOutcome, type SummaryPut,
} from "./bank-store.js";
import { BankCode, defineBankScripts, type BankReply } from "./bank-scripts.js";

type Client = Redis | Cluster;

interface StoredBank extends BankData {
  compressing: boolean;
}

export class RedisBank implements BankStore {
  private readonly keys: KeySpace;

  constructor(private readonly redis: Client, keyOptions: KeyOptions) {
    this.keys = new KeySpace(keyOptions);
    defineBankScripts(redis);
  }

  private ns(namespace: string): NamespaceKeys {
    return this.keys.namespace(namespace);
  }

  async setOptions(o: NamespaceOptionsData): Promise<NamespaceOptionsData> {
    const k = this.ns(o.namespace);
    ok(await this.redis.rhBankSetOptions(k.options, o.memoryBankEnabled ? 1 : 0, o.maxTokens, o.idleMinutes, o.maxTurnsPerSummary));
    await this.listNamespace(o.namespace);
    return { ...o };
  }

  async getOptions(namespace: string): Promise<NamespaceOptionsData> {
    return (await this.read(namespace)).options;
  }

  async noteTurn(roomId: string, namespace: string, version: number, atMs: number): Promise<void> {
    const k = this.ns(namespace);
    ok(await this.redis.rhBankNoteTurn(k.pending, k.pendingVersions, k.bank, roomId, version, Math.floor(atMs)));
  }

  async roomsNeedingSummary(namespace: string, cutoffMs: number, limit: number): Promise<{ rooms: PendingRoom[]; more: boolean }> {
    const k = this.ns(namespace);
    const reply = ok(await this.redis.rhBankPending(k.pending, k.pendingVersions, k.bank, Math.floor(cutoffMs), limit));
    const rooms: PendingRoom[] = [];
    for (let i = 2; i < reply.length; i += 4) {
      rooms.push({ roomId: String(reply[i]), version: Number(reply[i + 1]), lastActivityMs: Number(reply[i + 2]),
        summarizedVersion: Number(reply[i + 3]) });
    }
    return { rooms, more: Number(reply[1]) === 1 };
  }

  async forgetRooms(namespace: string, rooms: { roomId: string; version: number }[]): Promise<void> {
    if (!rooms.length) return;
    const k = this.ns(namespace);
    ok(await this.redis.rhBankForget(k.pending, k.pendingVersions, ...rooms.flatMap((r) => [r.roomId, String(r.version)])));
  }

  async putConversationSummary(namespace: string, put: SummaryPut, nowMs: number): Promise<{ entry: BankEntryData; created: boolean }> {
    const k = this.ns(namespace);
    const body: Omit<BankEntryData, "createdAt" | "revision"> = {
      id: `conversation:${put.roomId}`, granularity: "conversation", periodKey: put.periodKey, roomId: put.roomId,
      summary: put.summary, tokenCount: put.tokenCount, sourceMessageCount: put.sourceMessageCount,
      lastSourceAt: put.lastSourceAt, updatedAt: nowMs, coversVersion: put.coversVersion,
    };
    const reply = await this.redis.rhBankPutSummary(k.options, k.bank, k.pending, k.pendingVersions, k.folded,
      put.roomId, JSON.stringify(body), put.coversVersion, nowMs, FOLD_WINDOW_MS);
    if (reply[0] === BankCode.BANK_DISABLED) throw bankDisabled("room_id", namespace);
    if (reply[0] === BankCode.SUMMARY_OUTDATED) throw summaryOutdated(put.roomId, Number(reply[1]));
    ok(reply);
    await this.listNamespace(namespace);
    return { entry: parseEntry(String(reply[1])), created: Number(reply[2]) === 1 };
  }

  async readBank(namespace: string): Promise<BankData> {
    const { compressing: _, ...bank } = await this.read(namespace);
    return bank;
  }

  private async read(namespace: string): Promise<StoredBank> {
    const k = this.ns(namespace);
    const reply = ok(await this.redis.rhBankRead(k.options, k.bank));
    const fields = reply[1] as string[];
    const h = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) h.set(fields[i], fields[i + 1]);
    const d = defaultOptions(namespace);
    const int = (f: string, fallback: number) => (h.has(f) ? Number(h.get(f)) : fallback);
    const options: NamespaceOptionsData = {
      namespace, memoryBankEnabled: h.get("en") === "1", maxTokens: int("max", d.maxTokens),
      idleMinutes: int("idle", d.idleMinutes), maxTurnsPerSummary: int("turns", d.maxTurnsPerSummary),
    };
    const entries = (reply[2] as string[]).map(parseEntry);
    return { options, entries, droppedEntries: int("drop", 0), compressing: h.get("cmp") === "1" };
  }

  async plan(namespace: string, nowMs: number): Promise<PlanOutcome> {
    const bank = await this.read(namespace);
    const base = { maxTokens: bank.options.maxTokens, enabled: bank.options.memoryBankEnabled };
    if (!base.enabled) return { ...base, groups: [], totalTokens: totalTokens(bank.entries), dropped: 0 };
    const p = planLadder(bank.entries, bank.options.maxTokens, bank.compressing, nowMs);
    if (p.compressing === bank.compressing && !p.drop.length) return { ...base, groups: p.groups, totalTokens: p.totalTokens, dropped: 0 };
    const k = this.ns(namespace);
    const reply = ok(await this.redis.rhBankSettle(k.options, k.bank, p.compressing ? 1 : 0,
      ...p.drop.flatMap((e) => [e.id, String(e.revision)])));
    const dropped = Number(reply[1]);
    const total = dropped ? p.totalTokens - totalTokens(p.drop) : p.totalTokens;
    return { ...base, groups: p.groups, totalTokens: total, dropped };
  }

  async commitRollup(plan: PlanRef, digest: { summary: string; tokenCount: number }, nowMs: number): Promise<CommitOutcome> {
    const k = this.ns(plan.namespace);
    const id = `${plan.to}:${plan.periodKey}`;
    const body = {
      id, granularity: plan.to, periodKey: plan.periodKey, roomId: "", summary: digest.summary,
      tokenCount: digest.tokenCount, updatedAt: nowMs, coversVersion: 0,
    };
    const reply = await this.redis.rhBankCommit(k.options, k.bank, k.folded, id, plan.foldedRevision, JSON.stringify(body), nowMs,
      ...plan.sources.flatMap((s) => [s.id, String(s.revision)]));
    switch (reply[0]) {
      case BankCode.BANK_DISABLED: throw bankDisabled("plan", plan.namespace);
      case BankCode.SOURCE_CHANGED: throw rollupConflict(`entry ${String(reply[1])} changed or is gone`);
      case BankCode.DIGEST_CHANGED: throw rollupConflict(`digest ${id} changed`);
      default: ok(reply);
    }
    return { digest: parseEntry(String(reply[1])), sourcesReplaced: Number(reply[2]), totalTokens: Number(reply[3]) };
  }

  async listNamespaces(): Promise<string[]> {
    return this.redis.zrange(this.keys.namespaceIndex(), 0, -1);
  }

  async exportNamespace(namespace: string): Promise<BankData | undefined> {
    const k = this.ns(namespace);
    if (!(await this.redis.exists(k.options)) && !(await this.redis.exists(k.bank))) return undefined;
    return this.readBank(namespace);
  }

  async importNamespace(data: BankData): Promise<void> {
    const o = data.options;
    const k = this.ns(o.namespace);
    ok(await this.redis.rhBankImport(k.options, k.bank, o.memoryBankEnabled ? 1 : 0, o.maxTokens, o.idleMinutes,
      o.maxTurnsPerSummary, data.droppedEntries, ...data.entries.flatMap((e) => [e.id, JSON.stringify(e)])));
    await this.listNamespace(o.namespace);
  }

  private async listNamespace(namespace: string): Promise<void> {
    await this.redis.zadd(this.keys.namespaceIndex(), 0, namespace);
  }
}

function ok(reply: BankReply): BankReply {
  if (reply[0] !== BankCode.OK) throw new Error(`bank script returned ${JSON.stringify(reply.slice(0, 2))}`);
  return reply;
}

function parseEntry(json: string): BankEntryData {
  const e = JSON.parse(json) as BankEntryData;
  return {
    id: e.id, granularity: e.granularity, periodKey: e.periodKey, roomId: e.roomId, summary: e.summary,
    tokenCount: e.tokenCount, sourceMessageCount: e.sourceMessageCount, lastSourceAt: e.lastSourceAt,
    createdAt: e.createdAt, updatedAt: e.updatedAt, coversVersion: e.coversVersion, revision: e.revision,
  };
}
