/**
 * Conformance of HistoryStore.exportRoom / importRoom (issue 12) for every store: export → import into
 * a fresh store reads back the same room (window, settings, metadata, archive, cursors, seq counter);
 * the version never goes down (tombstones too); the import modes (create, expected_version,
 * replace_existing); one "imported" change; no stale read cache; an over-budget window refused. Run by
 * store-redis.test.ts (both key layouts) and store-memory.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import type { HistoryStore, RoomSnapshot, StoreChange, StoreOptions } from "../../src/store/store.js";
import type { RoomData } from "../../src/store/transfer-types.js";
import type { StoreFactory, StoreFixture } from "../conformance/suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 50, ttlSeconds: 0, maxEventBytes: 64 * 1024 };

let n = 0;
const user = (extra: Partial<Entry> = {}): Entry => ({
  role: "user", content: `m${++n}`, id: `id-${n}`, sender: "alice", created_at: "2026-11-01T10:00:00.000Z", tk: 3, ...extra,
});

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

/** What a read shows of a room, without what belongs to the store's moment (expiry deadline, calibration). */
function shown(s: RoomSnapshot) {
  return {
    version: s.version, limit: s.limit, rebackfill: s.rebackfill, updatedAt: s.updatedAt, entries: s.entries, exists: s.exists,
    ttlSeconds: s.ttlSeconds, retentionIsDefault: s.retentionIsDefault, bytes: s.bytes, maxBytes: s.maxBytes,
    template: s.renderDefaults?.template, context: s.renderDefaults?.context, encoding: s.renderDefaults?.encoding,
    agentOptions: s.agentOptions, archiveCount: s.archiveCount,
  };
}

/** A room with a bit of everything: edits, reactions, a deletion, tool calls, settings, archive, cursors. */
async function richRoom(store: HistoryStore, room: string): Promise<void> {
  await store.setAgentOptions(room, { maxContextTokens: 5000, compactionThreshold: 0.7, outputKeys: ["plan"], archiveTrimmed: true });
  await store.append(room, [user({ run_id: "run-1", phase_id: "p1", metadata: { k: "v" } })]);
  await store.append(room, [
    { role: "assistant", content: "", id: "call-1", tk: 9, tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }] },
    { role: "tool", content: "result", tool_call_id: "t1", id: "tool-1", tk: 2 },
  ]);
  for (let i = 0; i < 52; i++) await store.append(room, [user({ content: [{ type: "text", text: `part ${i}` }], content_text: "x" })]);
  const last = (await store.read(room)).entries.at(-1)!;
  await store.patchMessage(room, last.id!, { op: "update", content: "edited", tokens: 4 });
  await store.patchMessage(room, last.id!, { op: "reactions", reactions: [{ emoji: "👍", count: 2 }] });
  const first = (await store.read(room)).entries[0];
  await store.patchMessage(room, first.id!, { op: "delete", deletedAt: "2026-11-02T00:00:00.000Z" });
  await store.setLimit(room, 60, 256 * 1024);
  await store.setRetention(room, 86_400);
  await store.setRenderDefaults(room, { template: "tpl", context: { team: "blue", n: 1 }, encoding: "cl100k_base" });
  await store.updateRunCursor(room, "run-1", { nextSeq: 7, values: { step: "act" } });
  await store.updateRunCursor(room, "run-0", { values: {} });
}

export function transferStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store export/import conformance`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async (options: Partial<StoreOptions> = {}) => {
      const fx = await factory({ ...OPTIONS, ...options });
      fixtures.push(fx);
      return fx.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
    });

    it("exports a room whole and imports it into a fresh store: the same room, seqs continue above", async () => {
      const a = await open();
      await richRoom(a, "r");
      const data = (await a.exportRoom("r"))!;
      expect(data.archive.length).toBeGreaterThan(0);
      expect(data.lastSeq).toBe(55);
      expect(data.runCursors).toEqual([
        { runId: "run-0", exists: true, nextSeq: 0, values: {} }, { runId: "run-1", exists: true, nextSeq: 7, values: { step: "act" } },
      ]);
      expect(data).toMatchObject({ limit: 60, maxBytes: 256 * 1024, ttlSeconds: 86_400, rebackfill: true });
      expect(data.renderDefaults).toEqual({ template: "tpl", context: { team: "blue", n: 1 }, encoding: "cl100k_base" });
      expect(data.agentOptions).toEqual({ maxContextTokens: 5000, compactionThreshold: 0.7, outputKeys: ["plan"], archiveTrimmed: true });

      const b = await open();
      expect(await b.importRoom(data, { replaceExisting: false })).toEqual({ version: data.version, replaced: false });
      const [ra, rb] = [await a.read("r"), await b.read("r")];
      expect(shown(rb)).toEqual(shown(ra));
      expect(await b.exportRoom("r")).toEqual(data);
      const whole = { fromSeq: 0, toSeq: 0, limit: 1000 };
      expect(await b.readArchive("r", whole)).toEqual(await a.readArchive("r", whole));
      expect(await b.getRunCursor("r", "run-1")).toEqual(await a.getRunCursor("r", "run-1"));
      // The counts the scripts keep are right: the next append trims and archives as in the source.
      const [na, nb] = [await a.append("r", [user()]), await b.append("r", [user()])];
      expect(nb.entries[0].seq).toBe(56);
      expect({ ...nb, entries: [] }).toEqual({ ...na, entries: [] });
      expect((await b.read("r")).entries.map((e) => e.seq)).toEqual((await a.read("r")).entries.map((e) => e.seq));
    });

    it("keeps metadata, created_at and updated_at", async () => {
      const b = await open();
      const data: RoomData = {
        roomId: "m", version: 7, lastSeq: 40, rebackfill: false,
        metadata: {
          title: "Design review", namespace: "team-a", summary: "They agreed.", labels: ["b", "a"],
          participants: [
            { id: "u2", displayName: "Bob" }, { id: "u1", displayName: "Ann", firstSeenMs: 1_700_000_000_000, lastSeenMs: 1_700_000_100_000 },
          ],
        },
        createdAt: "2026-01-02T03:04:05.000Z", updatedAt: "2026-02-03T04:05:06.000Z",
        entries: [user({ seq: 39 }), user({ seq: 40 })], archive: [], runCursors: [],
      };
      expect(await b.importRoom(data, { replaceExisting: false })).toEqual({ version: 7, replaced: false });
      const out = (await b.exportRoom("m"))!;
      expect(out.metadata).toEqual({
        ...data.metadata, labels: ["a", "b"], participants: [data.metadata.participants[1], data.metadata.participants[0]],
      });
      expect(out).toMatchObject({ version: 7, lastSeq: 40, createdAt: data.createdAt, updatedAt: data.updatedAt, entries: data.entries });
      expect((await b.read("m")).updatedAt).toBe(data.updatedAt);
    });

    it("never lowers a version: over a room, over a tombstone; the seq counter never goes down either", async () => {
      const a = await open();
      await a.append("s", [user()]);
      const small = (await a.exportRoom("s"))!;
      expect(small.version).toBe(1);
      const b = await open();
      for (let i = 0; i < 5; i++) await b.append("s", [user(), user()]);
      expect(await b.importRoom(small, { replaceExisting: true })).toEqual({ version: 6, replaced: true });
      expect((await b.append("s", [user()])).entries[0].seq).toBe(11);
      const { version } = await b.deleteRoom("s");
      expect(await b.importRoom(small, { replaceExisting: false })).toEqual({ version: version + 1, replaced: false });
      expect((await b.append("s", [user()])).entries[0].seq).toBe(12);
      // A record's own version is kept when it is the higher; an empty record gets 1.
      expect(await b.importRoom({ ...small, roomId: "h", version: 40 }, { replaceExisting: false })).toEqual({ version: 40, replaced: false });
      const empty: RoomData = { ...small, roomId: "e", version: 0, lastSeq: 0, entries: [] };
      expect(await b.importRoom(empty, { replaceExisting: false })).toEqual({ version: 1, replaced: false });
      expect((await b.read("e")).exists).toBe(true);
    });

    it("applies the modes: ALREADY_EXISTS, expected_version (VERSION_CONFLICT with the current version), replace_existing", async () => {
      const a = await open();
      await a.append("x", [user()]);
      const data = (await a.exportRoom("x"))!;
      const b = await open();
      expect(await b.importRoom(data, { expectedVersion: 0, replaceExisting: false })).toEqual({ version: 1, replaced: false });
      const exists = await rejection(b.importRoom(data, { replaceExisting: false }));
      expect(exists.code).toBe("ALREADY_EXISTS");
      expect(exists.metadata).toMatchObject({ room_id: "x", current_version: "1" });
      const conflict = await rejection(b.importRoom(data, { expectedVersion: 0, replaceExisting: true }));
      expect(conflict.code).toBe("VERSION_CONFLICT");
      expect(conflict.metadata).toMatchObject({ current_version: "1" });
      await b.updateRunCursor("x", "old-run", { nextSeq: 1, values: {} });
      await b.setRenderDefaults("x", { template: "old", encoding: "" });
      await b.append("x", [user(), user(), user()]);
      const replaced = { ...data, entries: [user({ seq: 1, content: "new" })] };
      expect(await b.importRoom(replaced, { expectedVersion: 3, replaceExisting: false })).toEqual({ version: 4, replaced: true });
      const after = await b.read("x");
      expect(after.entries).toEqual(replaced.entries);
      expect(after.renderDefaults?.template).toBe("");
      expect((await b.getRunCursor("x", "old-run")).exists).toBe(false);
      expect(await b.importRoom(data, { replaceExisting: true })).toEqual({ version: 5, replaced: true });
      expect((await b.read("x")).entries).toEqual(data.entries);
    });

    it("publishes one imported change; a read cached before the import is not served after it", async () => {
      const b = await open();
      await b.append("w", [user(), user()]);
      const before = await b.read("w");
      expect(before.entries).toHaveLength(2);
      const changes: StoreChange[] = [];
      let seen: () => void = () => undefined;
      b.feed.setListener({ change: (c) => { changes.push(c); if (c.kind === "append") seen(); }, resubscribed: () => undefined });
      await b.feed.subscribe("w");
      const data: RoomData = { ...(await b.exportRoom("w"))!, entries: [user({ seq: 9 })], lastSeq: 9 };
      expect(await b.importRoom(data, { replaceExisting: true })).toEqual({ version: 2, replaced: true });
      const after = await b.read("w");
      expect(after.version).toBe(2);
      expect(after.entries).toEqual(data.entries);
      const appended = new Promise<void>((resolve) => { seen = resolve; });
      await b.append("w", [user()]);
      await appended;
      expect(changes.map((c) => [c.kind, c.version, c.previousVersion, c.entries.length])).toEqual([
        ["imported", 2, 1, 0], ["append", 3, 2, 1],
      ]);
    });

    it("moves the room between namespace and label listings; tells the turn observer of namespaced turns", async () => {
      const b = await open();
      const turns: [string, string, number][] = [];
      b.setTurnObserver((t) => turns.push([t.roomId, t.namespace, t.version]));
      const meta = (namespace: string, labels: string[]) => ({ title: "", namespace, participants: [], labels, summary: "" });
      const data: RoomData = {
        roomId: "n", version: 4, lastSeq: 1, rebackfill: false, metadata: meta("ns-a", ["red"]),
        entries: [user({ seq: 1 })], archive: [], runCursors: [],
      };
      await b.importRoom(data, { replaceExisting: false });
      expect((await b.listRooms(10, undefined, { namespace: "ns-a" })).roomIds).toEqual(["n"]);
      expect((await b.listRooms(10, undefined, { label: "red" })).roomIds).toEqual(["n"]);
      await b.importRoom({ ...data, metadata: meta("ns-b", ["blue"]) }, { replaceExisting: true });
      expect((await b.listRooms(10, undefined, { namespace: "ns-a" })).roomIds).toEqual([]);
      expect((await b.listRooms(10, undefined, { label: "red" })).roomIds).toEqual([]);
      expect((await b.listRooms(10, undefined, { namespace: "ns-b", order: "activity" })).roomIds).toEqual(["n"]);
      expect((await b.listRooms(10, undefined, { label: "blue" })).roomIds).toEqual(["n"]);
      // A room without turns has nothing to summarise.
      await b.importRoom({ ...data, roomId: "quiet", entries: [] }, { replaceExisting: false });
      expect(turns).toEqual([["n", "ns-a", 4], ["n", "ns-b", 5]]);
    });

    it("refuses a window over the room's byte budget (RESOURCE_EXHAUSTED naming messages) and writes nothing", async () => {
      const b = await open({ maxRoomBytes: 64 * 1024 });
      const big = "x".repeat(40 * 1024);
      const data: RoomData = {
        roomId: "big", version: 3, lastSeq: 2, rebackfill: false, metadata: { title: "", namespace: "", participants: [], labels: [], summary: "" },
        entries: [user({ content: big, seq: 1 }), user({ content: big, seq: 2 })], archive: [], runCursors: [],
      };
      const err = await rejection(b.importRoom(data, { replaceExisting: false }));
      expect(err.code).toBe("TOO_LARGE");
      expect(err.message).toMatch(/^messages: /);
      expect((await b.read("big")).exists).toBe(false);
      expect(await b.importRoom({ ...data, entries: data.entries.slice(1) }, { replaceExisting: false })).toEqual({ version: 3, replaced: false });
    });
  });
}
