import { expect, it } from "vitest";
import pino from "pino";
import { WatchHub, type Watcher } from "../../src/watch/hub.js";
import type { ChangeListener, HistoryStore, StoreChange } from "../../src/store/store.js";
import type { WatchChange } from "../../src/wire/change.js";

/** The hub against a store whose feed and version reads the test drives by hand. */
function setup(initial: Record<string, number>) {
  const versions = { ...initial };
  let pendingRead: (() => void) | undefined;
  let holdReads = false;
  let listener!: ChangeListener & { unconfirmed(ids: readonly string[]): void };
  const store = {
    feed: {
      setListener: (l: typeof listener) => (listener = l),
      subscribe: async () => undefined,
      unsubscribe: async () => undefined,
    },
    versions: (ids: readonly string[]) => new Promise<number[]>((resolve) => {
      const answer = () => resolve(ids.map((id) => versions[id] ?? 0));
      if (holdReads) pendingRead = answer;
      else answer();
    }),
  } as unknown as HistoryStore;
  const hub = new WatchHub(store, pino({ level: "silent" }));
  const got: WatchChange[] = [];
  const watcher: Watcher = { deliver: (c) => got.push(c) };
  return {
    hub, got, watcher, versions, listener: () => listener,
    hold: () => (holdReads = true),
    release: () => { holdReads = false; pendingRead?.(); },
  };
}

const append = (roomId: string, version: number): StoreChange =>
  ({ roomId, version, previousVersion: version - 1, kind: "append", entries: [], omitted: false, trimmed: 0 });
const flush = () => new Promise((r) => setImmediate(r));

it("after a gap re-reads the room and sends a RESYNC to the version read, up or down", async () => {
  const t = setup({ r: 3 });
  await t.hub.join(t.watcher, ["r"]);
  t.hub.noteVersions(["r"], [3]);
  t.versions.r = 7;
  t.listener().unconfirmed(["r"]);
  expect(t.hub.confirmed(["r"])).toBe(false);
  t.hub.resubscribed(["r"]);
  await flush();
  expect(t.got.at(-1)).toMatchObject({ kind: "resync", previousVersion: 3, version: 7 });
  expect(t.hub.confirmed(["r"])).toBe(true);
  t.versions.r = 2; // Redis lost versions 3..7
  t.hub.resubscribed(["r"]);
  await flush();
  expect(t.got.at(-1)).toMatchObject({ kind: "resync", previousVersion: 7, version: 2 });
});

it("ends no lower than a change that overtook the re-read", async () => {
  const t = setup({ r: 3 });
  await t.hub.join(t.watcher, ["r"]);
  t.hold();
  t.hub.resubscribed(["r"]);
  t.hub.change(append("r", 4)); // arrives while the read (which saw 3) is on its way
  t.release();
  await flush();
  expect(t.got.at(-1)).toMatchObject({ kind: "resync", version: 4 });
});

it("sends a RESYNC to 0 when a failed master's slot moved (versions may be reused)", async () => {
  const t = setup({ r: 5 });
  await t.hub.join(t.watcher, ["r"]);
  t.hub.noteVersions(["r"], [5]);
  t.hub.resubscribed(["r"], { writesMayBeLost: true });
  await flush();
  expect(t.got.at(-1)).toMatchObject({ kind: "resync", previousVersion: 5, version: 0 });
  expect(t.hub.mayDiffer("r", 5)).toBe(true);
  expect(t.hub.mayDiffer("r", 6)).toBe(false);
});

it("sends a RESYNC to 0 when the feed delivers one version twice (two histories)", async () => {
  const t = setup({ r: 0 });
  await t.hub.join(t.watcher, ["r"]);
  t.hub.change(append("r", 1));
  t.hub.change(append("r", 2)); // from a deposed master, relayed in its shard
  t.hub.change(append("r", 2)); // the new master's own version 2
  expect(t.got.map((c) => `${c.kind} ${c.previousVersion}->${c.version}`)).toEqual([
    "append 0->1", "append 1->2", "resync 2->0", "append 1->2",
  ]);
});

it("a stream sends no progress while one of its rooms is unconfirmed, and resumes after the re-read", async () => {
  const { EventEmitter } = await import("node:events");
  const { WatchSession } = await import("../../src/watch/session.js");
  const t = setup({ a: 1, b: 1 });
  const sent: string[] = [];
  const call = Object.assign(new EventEmitter(), {
    write: (r: { progress?: unknown; change?: { version: number }; created?: unknown }) => {
      sent.push(r.progress ? "progress" : r.created ? "created" : "change");
      return true;
    },
  });
  const session = new WatchSession(call as never, t.hub, { progressMs: 100, versionsOnly: false },
    (ids) => Promise.resolve(ids.map(() => 1)), () => undefined);
  await session.add([{ roomId: "a", knownVersion: 1 }, { roomId: "b", knownVersion: 1 }], { requestId: 0, prefix: "", namespace: "" });
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await wait(250);
  expect(sent.filter((s) => s === "progress").length).toBeGreaterThan(0);
  t.listener().unconfirmed(["b"]);
  sent.length = 0;
  await wait(400);
  expect(sent, "silent while room b's subscription is in doubt").toEqual([]);
  t.versions.b = 2;
  t.hub.resubscribed(["b"]);
  await wait(250);
  expect(sent[0]).toBe("change"); // the RESYNC to version 2
  expect(sent).toContain("progress");
  call.emit("close");
});
