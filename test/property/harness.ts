/**
 * Runs one random operation against the memory store (the model) and the Redis store in both key
 * layouts, and puts what each answered, holds and published side by side: results or error codes,
 * snapshots, change events, versions and ListRooms. Clock values (updated_at, edited_at, expires_at)
 * are compared by presence; each store reads its own clock a few milliseconds apart.
 */
import { expect } from "vitest";
import pino from "pino";
import { decodeEntry, type Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import { KeySpace } from "../../src/store/keys.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { HistoryStore, RoomSnapshot, StoreChange, StoreOptions, WriteOptions } from "../../src/store/store.js";
import type { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { pythonJson, type Expect, type Op } from "./ops.js";

/** One store under test, with the changes it published and which room ids it accepts. */
export interface Subject {
  name: string;
  store: HistoryStore;
  changes: StoreChange[];
  accepts(roomId: string): boolean;
  /** A write by the legacy manager (RPUSH, LTRIM, INCR), or its twin in the model. */
  foreign(roomId: string, raw: string, keep: number): Promise<void>;
}

/** The memory store's room, as far as a foreign write touches it. */
interface MemoryRoom {
  entries: Entry[];
  /** Stored sizes, when the memory store keeps them (byte budgets). */
  sizes?: number[];
  version: number;
  snapshot?: RoomSnapshot;
}

function listen(store: HistoryStore, changes: StoreChange[]): void {
  store.feed.setListener({ change: (c) => changes.push(c), resubscribed: () => undefined });
}

export function memorySubject(options: StoreOptions): Subject {
  const store = new MemoryStore(options);
  const rooms = (store as unknown as { rooms: Map<string, MemoryRoom> }).rooms;
  const changes: StoreChange[] = [];
  listen(store, changes);
  return {
    name: "memory", store, changes, accepts: () => true,
    async foreign(roomId, raw, keep) {
      // The legacy manager's persist, as the Redis store sees it: the entry decoded, the list trimmed
      // to its last `keep` entries, the version bumped; nothing published, no last-write time.
      const room = rooms.get(roomId)!;
      room.entries = [...room.entries, decodeEntry(raw)!].slice(-keep);
      if (room.sizes) room.sizes = [...room.sizes, Buffer.byteLength(raw)].slice(-keep);
      room.version++;
      room.snapshot = undefined;
    },
  };
}

export function redisSubject(redis: TestRedis, options: StoreOptions, hashTag: boolean): Subject {
  const prefix = uniquePrefix(hashTag ? "dh" : "du");
  const keyOptions = { prefix, hashTag };
  const store = new RedisStore(redis.client(), {
    ...options, ...keyOptions, logger: pino({ level: "silent" }), readCacheBytes: 1 << 20,
  });
  const keys = new KeySpace(keyOptions);
  const raw = (store as unknown as { redis: import("ioredis").Redis }).redis;
  const changes: StoreChange[] = [];
  listen(store, changes);
  return {
    name: `redis (hashTag ${hashTag})`, store, changes,
    accepts: (roomId) => keys.roomIdProblem(roomId) === undefined,
    async foreign(roomId, entry, keep) {
      const k = keys.room(roomId);
      await raw.multi().rpush(k.list, entry).ltrim(k.list, -keep, -1).incr(k.version).exec();
    },
  };
}

/**
 * Entries with clock fields reduced to their presence, and an empty content_text dropped (a Message
 * has no other way to say "no text besides the parts": both read as content "").
 */
export function normEntries(entries: readonly Entry[]): unknown[] {
  return entries.map((e) => {
    const out = e.edited_at === undefined ? { ...e } : { ...e, edited_at: "<set>" };
    if (out.content_text === "") delete out.content_text;
    return out;
  });
}

export function normSnapshot(s: RoomSnapshot): unknown {
  // bytes: the Redis store counts the stored text (markers, Lua's escaping), the model its own encoding.
  // createdAt is each store's own clock at the room's first write, like updatedAt.
  const { bytes: _bytes, updatedAt, expiresAt, createdAt, entries, ...rest } = s;
  return {
    ...rest, updatedAt: updatedAt !== undefined, expiresAt: expiresAt !== undefined, createdAt: createdAt !== undefined,
    entries: normEntries(entries),
  };
}

export function normChange(c: StoreChange): unknown {
  return { ...c, entries: normEntries(c.entries) };
}

/**
 * `changes` as `expected` published them. Whether entries travel is decided by their size as each store
 * measures it (stored bytes with markers and Lua's escaping, or the model's encoding), so near the
 * limit one may omit what the other carries: such a pair is compared without its entries.
 */
export function sameChanges(changes: readonly StoreChange[], expected: readonly StoreChange[]): { got: unknown[]; want: unknown[] } {
  const lenient = (c: StoreChange, other?: StoreChange) =>
    c.omitted || other?.omitted ? { ...c, entries: "<omitted>", omitted: undefined } : normChange(c);
  return {
    got: changes.map((c, i) => lenient(c, expected[i])),
    want: expected.map((c, i) => lenient(c, changes[i])),
  };
}

/** The bookkeeping of one run: the batches sent with each idempotency key, to retry them. */
export class RunState {
  readonly keyed = new Map<string, Entry[]>();
}

function writeOptions(expectMode: Expect, version: number): WriteOptions {
  if (expectMode === "none") return {};
  return { expectedVersion: expectMode === "current" ? version : version === 0 ? 1 : version - 1 };
}

/** Applies `op` to one subject; the result, or the error's code and metadata. */
export async function apply(s: Subject, op: Op, rooms: readonly string[], state: RunState, version: number): Promise<unknown> {
  const roomId = "room" in op ? rooms[op.room % rooms.length] : "";
  const store = s.store;
  const opts = "expect" in op ? writeOptions(op.expect, version) : {};
  try {
    switch (op.t) {
      case "append": {
        const remembered = op.key ? state.keyed.get(`${roomId}\u0000${op.key}`) : undefined;
        const batch = op.retry && remembered ? remembered : op.batch;
        const r = await store.append(roomId, structuredClone(batch), {
          ...opts, idempotencyKey: op.key, fingerprint: op.key ? JSON.stringify(batch) : undefined,
        });
        return { ...r, entries: normEntries(r.entries) };
      }
      case "update": {
        const r = await store.patchMessage(roomId, op.id, { op: "update", content: op.content, tokens: op.tokens }, opts);
        return { ...r, entry: normEntries([r.entry])[0] };
      }
      case "delete": {
        const r = await store.patchMessage(roomId, op.id, { op: "delete", deletedAt: op.deletedAt }, opts);
        return { ...r, entry: normEntries([r.entry])[0] };
      }
      case "reactions": {
        const r = await store.patchMessage(roomId, op.id, { op: "reactions", reactions: op.reactions }, opts);
        return { ...r, entry: normEntries([r.entry])[0] };
      }
      case "clear": return await store.clear(roomId, opts);
      case "agent": return await store.setAgentOptions(roomId, {
        maxContextTokens: op.maxContextTokens, compactionThreshold: op.threshold, outputKeys: [], archiveTrimmed: op.archiveTrimmed,
      }, opts);
      case "setLimit": return await store.setLimit(roomId, op.limit, undefined, opts);
      case "discard": return await store.discardRebackfill(roomId, opts);
      case "retention": return await store.setRetention(roomId, op.seconds, opts);
      case "deleteRoom": return await store.deleteRoom(roomId, opts);
      case "reap": {
        // No small limit: which idle rooms a limited reap takes first is not the same in both stores
        // (the Redis activity scores may be up to a second early).
        const r = await store.reapIdle({ maxIdleSeconds: op.maxIdleSeconds, dryRun: op.dryRun, limit: 100 });
        return { ...r, roomIds: [...r.roomIds].sort() };
      }
      case "foreign": {
        const marked = `[Message ID: ${op.id}] ${op.text}`;
        const content = op.image ? [{ type: "text", text: marked }, { type: "image_url", image_url: { url: "https://example.invalid/l.png" } }] : marked;
        const raw = pythonJson({ role: op.role, content });
        await s.foreign(roomId, raw, op.keep);
        return "written";
      }
      case "wait":
        return "waited";
    }
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { error: err.code, metadata: err.metadata };
  }
}

/** Remembers a keyed batch once the model accepted it (a retry then sends the same messages). */
export function remember(op: Op, rooms: readonly string[], state: RunState, result: unknown): void {
  if (op.t !== "append" || !op.key) return;
  const slot = `${rooms[op.room % rooms.length]}\u0000${op.key}`;
  const ok = typeof result === "object" && result !== null && !("error" in result);
  if (ok && !state.keyed.has(slot)) state.keyed.set(slot, op.batch);
}

/** Waits until `s` has published `count` changes (Redis delivers them over pub/sub). */
export async function changesArrived(s: Subject, count: number): Promise<void> {
  const deadline = Date.now() + 3000;
  while (s.changes.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  await new Promise((r) => setImmediate(r));
}

/** Every room id ListRooms returns, paging two at a time. */
export async function allRooms(store: HistoryStore): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.listRooms(2, after);
    out.push(...page.roomIds);
    if (page.next === undefined) return out;
    after = page.next;
  }
}

/** What a subject holds for the rooms of the run. */
export async function observe(s: Subject, rooms: readonly string[]): Promise<unknown> {
  const mine = rooms.filter((r) => s.accepts(r));
  const snapshots = await Promise.all(mine.map(async (r): Promise<[string, unknown]> => [r, normSnapshot(await s.store.read(r))]));
  return {
    snapshots: Object.fromEntries(snapshots),
    versions: await s.store.versions(mine),
    rooms: await allRooms(s.store),
  };
}

/** The model's observation as a subject that rejects some room ids must see it. */
export function restrict(model: unknown, s: Subject): unknown {
  const m = model as { snapshots: Record<string, unknown>; versions: number[]; rooms: string[] };
  const ids = Object.keys(m.snapshots);
  return {
    snapshots: Object.fromEntries(Object.entries(m.snapshots).filter(([r]) => s.accepts(r))),
    versions: m.versions.filter((_, i) => s.accepts(ids[i])),
    rooms: m.rooms.filter((r) => s.accepts(r)),
  };
}

/** A subject that rejects the room id must answer INVALID_ARGUMENT (and change nothing). */
export function expectRejected(s: Subject, result: unknown): void {
  expect((result as { error?: string }).error, `${s.name} must reject the room id`).toBe("INVALID_ARGUMENT");
}
