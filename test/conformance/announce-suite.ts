/**
 * Room announcements (ChangeFeed.followAnnouncements), the feed barrier and ListRooms' prefix filter,
 * the same in both stores: a room is announced when it comes into being and when its namespace moves,
 * never for an ordinary write.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/domain/entry.js";
import type { HistoryStore, RoomAnnouncement, StoreChange, StoreOptions } from "../../src/store/store.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024 };
let n = 0;
const user = (): Entry => ({ role: "user", content: `m${++n}`, id: `a-${n}` });

function listen(store: HistoryStore) {
  const announced: RoomAnnouncement[] = [];
  const changes: StoreChange[] = [];
  let wake: (() => void) | undefined;
  store.feed.setListener({
    change: (c) => (changes.push(c), wake?.()),
    resubscribed: () => undefined,
    announced: (a) => (announced.push(a), wake?.()),
  });
  return {
    announced, changes,
    async announcements(count: number) {
      while (announced.length < count) await new Promise<void>((r) => (wake = r));
      return announced.slice(0, count);
    },
  };
}

export function announceConformance(name: string, factory: StoreFactory): void {
  describe(`room announcements (${name})`, () => {
    let fixture: StoreFixture | undefined;
    afterEach(async () => {
      await fixture?.store.feed.unfollowAnnouncements();
      await fixture?.close();
      fixture = undefined;
    });
    const open = async () => (fixture = await factory(OPTIONS)).store;

    it("announces a room's first write and its first write after a delete, not ordinary writes", async () => {
      const store = await open();
      const l = listen(store);
      await store.feed.followAnnouncements();
      await store.append("an/1", [user()]);
      await store.append("an/1", [user()]);
      await store.append("an/2", [user()]);
      await store.deleteRoom("an/1");
      await store.append("an/1", [user()]);
      const got = await l.announcements(3);
      expect(got).toEqual([
        { roomId: "an/1", version: 1, namespace: "", previousNamespace: "" },
        { roomId: "an/2", version: 1, namespace: "", previousNamespace: "" },
        { roomId: "an/1", version: 4, namespace: "", previousNamespace: "" },
      ]);
      await store.feed.barrier();
      expect(l.announced).toHaveLength(3);
    });

    it("announces a namespace move with where the room came from; a title change announces nothing", async () => {
      const store = await open();
      const l = listen(store);
      await store.append("ns/1", [user()]);
      await store.feed.followAnnouncements();
      await store.updateMetadata("ns/1", { namespace: "alpha" });
      await store.updateMetadata("ns/1", { title: "t" });
      await store.updateMetadata("ns/1", { namespace: "beta" });
      await store.updateMetadata("ns/new", { namespace: "beta" });
      expect(await l.announcements(3)).toEqual([
        { roomId: "ns/1", version: 2, namespace: "alpha", previousNamespace: "" },
        { roomId: "ns/1", version: 4, namespace: "beta", previousNamespace: "alpha" },
        { roomId: "ns/new", version: 1, namespace: "beta", previousNamespace: "" },
      ]);
      await store.feed.barrier();
      expect(l.announced).toHaveLength(3);
    });

    it("announces nothing once no one follows", async () => {
      const store = await open();
      const l = listen(store);
      await store.feed.followAnnouncements();
      await store.feed.unfollowAnnouncements();
      await store.append("quiet/1", [user()]);
      await store.feed.followAnnouncements();
      await store.append("quiet/2", [user()]);
      expect((await l.announcements(1))[0].roomId).toBe("quiet/2");
    });

    it("barrier resolves after every change published before it was delivered", async () => {
      const store = await open();
      const l = listen(store);
      await store.feed.subscribe("b/1");
      const before = Date.now();
      for (let i = 0; i < 20; i++) await store.append("b/1", [user()]);
      const at = await store.feed.barrier();
      expect(at).toBeGreaterThanOrEqual(before);
      expect(l.changes.map((c) => c.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      await store.feed.unsubscribe("b/1");
    });

    it("lists rooms by id prefix, in pages, with the other filters", async () => {
      const store = await open();
      for (const id of ["p/a", "p/b", "p/c", "pa", "q/a", "p/d"]) await store.append(id, [user()]);
      await store.updateMetadata("p/c", { namespace: "n1" });
      const first = await store.listRooms(2, undefined, { prefix: "p/" });
      expect(first.roomIds).toEqual(["p/a", "p/b"]);
      const second = await store.listRooms(2, first.next, { prefix: "p/" });
      expect(second.roomIds).toEqual(["p/c", "p/d"]);
      expect(second.next === undefined || (await store.listRooms(2, second.next, { prefix: "p/" })).roomIds.length === 0).toBe(true);
      expect((await store.listRooms(10, undefined, { prefix: "p/", namespace: "n1" })).roomIds).toEqual(["p/c"]);
      expect((await store.listRooms(10, undefined, { prefix: "p/", order: "activity" })).roomIds.sort()).toEqual(["p/a", "p/b", "p/c", "p/d"]);
      expect((await store.listRooms(10, "p/b", { prefix: "p/" })).roomIds).toEqual(["p/c", "p/d"]);
      expect((await store.listRooms(10, "a", { prefix: "p/" })).roomIds).toEqual(["p/a", "p/b", "p/c", "p/d"]);
    });
  });
}
