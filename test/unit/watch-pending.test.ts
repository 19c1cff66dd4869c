import { EventEmitter } from "node:events";
import { afterEach, expect, it } from "vitest";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import { WatchResponse } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Encoded } from "../../src/wire/encoded.js";
import { MAX_PENDING_BYTES } from "../../src/watch/coalesce.js";
import type { WatchHub } from "../../src/watch/hub.js";
import { WatchSession, type WatchCall } from "../../src/watch/session.js";
import type { StoreChange } from "../../src/store/store.js";

/** A stream whose client stopped reading: every write after the first few reports back-pressure. */
class StalledCall extends EventEmitter {
  written: WatchResponse[] = [];
  accepting = true;
  write(response: WatchResponse | Encoded): boolean {
    this.written.push(response instanceof Encoded ? WatchResponse.decode(response.bytes) : response);
    return this.accepting;
  }
}

const hub = {
  join: async () => undefined, leave: () => undefined, noteVersions: () => undefined,
  mayDiffer: () => false, confirmed: () => true,
} as unknown as WatchHub;

let session: WatchSession | undefined;
afterEach(() => session && (session as unknown as { close(): void }).close());

it("holds back at most MAX_PENDING_BYTES of entries over all of a slow stream's rooms", async () => {
  const rooms = Array.from({ length: 40 }, (_, i) => `r${i}`);
  const call = new StalledCall();
  session = new WatchSession(call as unknown as WatchCall, hub, { progressMs: 60_000, versionsOnly: false },
    async (ids) => ids.map(() => 0), () => undefined);
  await session.add(rooms.map((roomId) => ({ roomId, knownVersion: 0 })), { requestId: 0, prefix: "", namespace: "" });
  call.accepting = false;
  const text = "x".repeat(32 * 1024);
  // The first change is written (and reports back-pressure); the rest wait, merged per room.
  for (let v = 1; v <= 6; v++) { // 6 × 32 KiB merges per room; 40 rooms of it is ~7.5 MiB
    for (const roomId of rooms) {
      const change: StoreChange = {
        roomId, version: v, previousVersion: v - 1, kind: "append", omitted: false, trimmed: 0,
        entries: [{ role: "user", content: text, seq: v }],
      };
      session.deliver(change);
    }
  }
  const before = call.written.length;
  call.accepting = true;
  call.emit("drain");
  const flushed = call.written.slice(before).map((r) => r.change!);
  expect(flushed).toHaveLength(rooms.length); // one per room, to its newest version
  expect(flushed.every((c) => c.version === 6)).toBe(true);
  const carried = flushed.reduce((n, c) => n + c.messages.reduce((m, x) => m + x.content.length, 0), 0);
  expect(carried).toBeLessThanOrEqual(MAX_PENDING_BYTES);
  expect(flushed.filter((c) => c.kind === ChangeKind.CHANGE_KIND_RESYNC).length).toBeGreaterThan(30);
  expect(flushed.filter((c) => c.kind === ChangeKind.CHANGE_KIND_APPEND).length).toBeGreaterThan(0);
});
