/**
 * Texts at the edges, found by the differential property (test/property): every store must read back
 * what it accepted. In the unbraced layout the Redis store writes a "[Message ID: X]" marker and the
 * legacy tags into the text for legacy readers, and must strip exactly those again.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { HistoryStore, StoreOptions } from "../../src/store/store.js";
import type { StoreFactory, StoreFixture } from "./suite.js";

const OPTIONS: StoreOptions = { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * 1024 };

export function storeEdgeConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store edge texts`, () => {
    let fx: StoreFixture;
    let store: HistoryStore;
    const open = async () => {
      fx = await factory(OPTIONS);
      store = fx.store;
    };
    afterEach(async () => fx?.close());

    it("keeps a text that starts like a legacy tag, through edits, deletions and reactions", async () => {
      await open();
      const texts = ["[deleted at x] y", "[Reactions: 👍] z", "[Message ID: other] w"];
      await store.append("t", texts.map((content, i) => ({ role: "user", content, id: `m${i}` })));
      expect((await store.read("t")).entries.map((e) => e.content)).toEqual(texts);
      await store.patchMessage("t", "m0", { op: "reactions", reactions: [{ emoji: "🎉", count: 2 }] });
      await store.patchMessage("t", "m0", { op: "delete", deletedAt: "2026-01-02T03:04:05Z" });
      await store.patchMessage("t", "m1", { op: "update", content: "[deleted at q] edited" });
      await store.patchMessage("t", "m1", { op: "reactions", reactions: [] });
      const entries = (await store.read("t")).entries;
      expect(entries.map((e) => e.content)).toEqual(["[deleted at x] y", "[deleted at q] edited", texts[2]]);
      expect(entries[0]).toMatchObject({ deleted_at: "2026-01-02T03:04:05Z", reactions: [{ emoji: "🎉", count: 2 }] });
    });

    it("keeps the text of a message appended with reactions and a deletion that starts like their tags", async () => {
      await open();
      const entry = {
        role: "user", content: "[Reactions: 👍] [deleted at 2026-01-02T03:04:05Z] z", id: "m1",
        reactions: [{ emoji: "👍" }], deleted_at: "2026-01-02T03:04:05Z",
      };
      await store.append("a", [structuredClone(entry)]);
      expect((await store.read("a")).entries[0]).toMatchObject(entry);
      await store.patchMessage("a", "m1", { op: "reactions", reactions: [] });
      expect((await store.read("a")).entries[0].content).toBe(entry.content);
    });

    it("an edit of a multimodal message without images leaves a plain text", async () => {
      await open();
      await store.append("p", [{ role: "user", content: [{ type: "text", text: "hi" }], id: "m1" }]);
      const r = await store.patchMessage("p", "m1", { op: "update", content: "hello" });
      expect(r.entry).toMatchObject({ content: "hello" });
      expect(r.entry.content_text).toBeUndefined();
      expect((await store.read("p")).entries[0]).toMatchObject({ content: "hello", id: "m1" });
    });
  });
}
