/**
 * Conformance of room metadata (issue 12) for every HistoryStore: updateMetadata is a mutation (one
 * version, one "metadata" change, compare-and-set, creates a missing room, a no-op changes nothing);
 * appends add participants from senders (first/last seen, at most 256); created_at is set once per
 * incarnation; clear keeps the metadata, delete drops it; listRooms filters by namespace and label and
 * orders by id or activity, in pages; the turn observer hears namespaced turns. Run by redis.test.ts
 * (both key layouts) and memory.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import { DomainError } from "../../src/domain/errors.js";
import type { HistoryStore, RoomQuery, StoreChange, StoreOptions } from "../../src/store/store.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024 };
const EMPTY = { title: "", namespace: "", participants: [], labels: [], summary: "" };

let n = 0;
const said = (sender: string, at: string, extra: Partial<Entry> = {}): Entry =>
  ({ role: "user", content: `m${++n}`, id: `id-${n}`, sender, created_at: at, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function recorder(store: HistoryStore, room: string) {
  const changes: StoreChange[] = [];
  store.feed.setListener({ change: (c) => changes.push(c), resubscribed: () => undefined });
  await store.feed.subscribe(room);
  return changes;
}

async function arrived(changes: StoreChange[], count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (changes.length < count && Date.now() < deadline) await sleep(2);
}

/** Every room id of a listing, page after page. */
async function listAll(store: HistoryStore, query: RoomQuery, pageSize = 2): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = await store.listRooms(pageSize, after, query);
    expect(page.rooms?.map((r) => r.roomId)).toEqual(page.roomIds);
    ids.push(...page.roomIds);
    if (page.next === undefined) return ids;
    after = page.next;
  }
  throw new Error("listing did not end");
}

export function metadataConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store metadata conformance`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async () => {
      const fx = await factory(OPTIONS);
      fixtures.push(fx);
      return fx.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
    });

    it("creates a missing room at version 1 with one METADATA change; a no-op changes nothing", async () => {
      const store = await open();
      const changes = await recorder(store, "m");
      const r = await store.updateMetadata("m", { title: "Lobby", labels: ["a", "b"], summary: "s" });
      expect(r).toEqual({ version: 1, changed: true, metadata: { ...EMPTY, title: "Lobby", labels: ["a", "b"], summary: "s" } });
      const snap = await store.read("m");
      expect(snap).toMatchObject({ version: 1, exists: true, entries: [] });
      expect(snap.metadata).toEqual(r.metadata);
      expect(Date.parse(snap.createdAt!)).toBeGreaterThan(Date.now() - 60_000);
      expect(await store.updateMetadata("m", { title: "Lobby", summary: "s" })).toMatchObject({ version: 1, changed: false });
      expect(await store.updateMetadata("m", { title: "" }, { expectedVersion: 1 })).toMatchObject({ version: 2, changed: true });
      await arrived(changes, 2);
      await sleep(20);
      expect(changes.map((c) => [c.kind, c.previousVersion, c.version, c.entries.length])).toEqual([
        ["metadata", 0, 1, 0], ["metadata", 1, 2, 0],
      ]);
      expect((await store.read("m")).metadata).toEqual({ ...EMPTY, labels: ["a", "b"], summary: "s" });
    });

    it("refuses a stale expected_version with the current version", async () => {
      const store = await open();
      await store.updateMetadata("c", { title: "x" });
      const err = await store.updateMetadata("c", { title: "y" }, { expectedVersion: 5 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe("VERSION_CONFLICT");
      expect((await store.read("c")).metadata?.title).toBe("x");
    });

    it("adds participants from senders with first and last seen; an update keeps them and names them", async () => {
      const store = await open();
      await store.append("p", [said("bob", "2026-01-01T00:00:02Z"), said("amy", "2026-01-01T00:00:01Z"), said("bob", "2026-01-01T00:00:05Z")]);
      await store.append("p", [said("amy", "2026-01-01T00:00:09Z"), { role: "assistant", content: "hi", id: "x1" }]);
      const t = (s: string) => Date.parse(`2026-01-01T00:00:0${s}Z`);
      expect((await store.read("p")).metadata?.participants).toEqual([
        { id: "amy", displayName: "", firstSeenMs: t("1"), lastSeenMs: t("9") },
        { id: "bob", displayName: "", firstSeenMs: t("2"), lastSeenMs: t("5") },
      ]);
      const r = await store.updateMetadata("p", { participants: [{ id: "bob", displayName: "Bob" }, { id: "cy", displayName: "Cy" }] });
      expect(r.metadata.participants).toEqual([
        { id: "bob", displayName: "Bob", firstSeenMs: t("2"), lastSeenMs: t("5") },
        { id: "cy", displayName: "Cy" },
      ]);
      await store.append("p", [said("cy", "2026-01-01T00:00:07Z")]);
      expect((await store.read("p")).metadata?.participants[1]).toEqual({ id: "cy", displayName: "Cy", firstSeenMs: t("7"), lastSeenMs: t("7") });
    });

    it("keeps at most 256 participants: later senders are not added, known ones still refresh", async () => {
      const store = await open();
      const at = "2026-02-01T00:00:00Z";
      await store.append("cap", Array.from({ length: 300 }, (_, i) => said(`u${String(i).padStart(3, "0")}`, at)));
      const later = "2026-02-02T00:00:00Z";
      await store.append("cap", [said("u000", later), said("zz", later)]);
      const ps = (await store.read("cap")).metadata!.participants;
      expect(ps).toHaveLength(256);
      expect(ps[0]).toEqual({ id: "u000", displayName: "", firstSeenMs: Date.parse(at), lastSeenMs: Date.parse(later) });
      expect(ps.some((p) => p.id === "zz")).toBe(false);
    });

    it("clear keeps the metadata; delete drops it with created_at; a new incarnation gets a new created_at", async () => {
      const store = await open();
      await store.append("k", [said("amy", "2026-01-01T00:00:00Z")]);
      await store.updateMetadata("k", { title: "T", namespace: "ns1", labels: ["x"] });
      const created = (await store.read("k")).createdAt;
      expect(created).toBeDefined();
      await store.clear("k");
      const cleared = await store.read("k");
      expect(cleared.metadata).toMatchObject({ title: "T", namespace: "ns1", labels: ["x"] });
      expect(cleared.metadata?.participants.map((p) => p.id)).toEqual(["amy"]);
      expect(cleared.createdAt).toBe(created);
      await store.deleteRoom("k");
      const deleted = await store.read("k");
      expect(deleted.metadata ?? EMPTY).toEqual(EMPTY);
      expect(deleted.createdAt).toBeUndefined();
      expect(await listAll(store, { namespace: "ns1" })).toEqual([]);
      expect(await listAll(store, { label: "x", order: "activity" })).toEqual([]);
      await sleep(2);
      await store.append("k", [said("bob", "2026-01-01T00:00:00Z")]);
      const again = await store.read("k");
      expect(again.metadata?.participants.map((p) => p.id)).toEqual(["bob"]);
      expect(Date.parse(again.createdAt!)).toBeGreaterThan(Date.parse(created!));
    });

    it("lists by namespace and label, by id or newest first, in pages", async () => {
      const store = await open();
      const rooms: [string, string, string[]][] = [
        ["r1", "a", ["x"]], ["r2", "a", ["y"]], ["r3", "b", ["x", "y"]], ["r4", "a", ["x", "y"]], ["r5", "", []],
      ];
      for (const [id, namespace, labels] of rooms) {
        await store.updateMetadata(id, { title: `t-${id}`, namespace, labels });
        await sleep(2);
      }
      expect(await listAll(store, {})).toEqual(["r1", "r2", "r3", "r4", "r5"]);
      expect(await listAll(store, { namespace: "a" })).toEqual(["r1", "r2", "r4"]);
      expect(await listAll(store, { label: "x" })).toEqual(["r1", "r3", "r4"]);
      expect(await listAll(store, { namespace: "a", label: "y" })).toEqual(["r2", "r4"]);
      expect(await listAll(store, { order: "activity" })).toEqual(["r5", "r4", "r3", "r2", "r1"]);
      expect(await listAll(store, { namespace: "a", order: "activity" }, 1)).toEqual(["r4", "r2", "r1"]);
      expect(await listAll(store, { label: "y", order: "activity" })).toEqual(["r4", "r3", "r2"]);
      const page = await store.listRooms(10, undefined, { namespace: "a" });
      expect(page.rooms?.[2]).toMatchObject({ roomId: "r4", title: "t-r4", namespace: "a", labels: ["x", "y"] });
      expect(page.rooms?.[2].lastActivityMs).toBeGreaterThan(Date.now() - 60_000);
      // Moving a room out of a namespace and off a label takes it out of those listings.
      await store.updateMetadata("r4", { namespace: "b", labels: ["y"] });
      expect(await listAll(store, { namespace: "a" })).toEqual(["r1", "r2"]);
      expect(await listAll(store, { namespace: "b" })).toEqual(["r3", "r4"]);
      expect(await listAll(store, { label: "x", order: "activity" })).toEqual(["r3", "r1"]);
    });

    it("tells the turn observer of namespaced appends and of a room with turns moving into a namespace", async () => {
      const store = await open();
      const turns: { roomId: string; namespace: string; version: number }[] = [];
      store.setTurnObserver(({ roomId, namespace, version }) => turns.push({ roomId, namespace, version }));
      await store.append("o", [said("amy", "2026-01-01T00:00:00Z")]);
      expect(turns).toEqual([]);
      await store.updateMetadata("o", { namespace: "team" });
      await store.append("o", [said("amy", "2026-01-01T00:00:01Z")]);
      await store.updateMetadata("empty", { namespace: "team" });
      expect(turns).toEqual([{ roomId: "o", namespace: "team", version: 2 }, { roomId: "o", namespace: "team", version: 3 }]);
      store.setTurnObserver(() => {
        throw new Error("observer down");
      });
      expect((await store.append("o", [said("amy", "2026-01-01T00:00:02Z")])).version).toBe(4);
    });
  });
}
