import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import { serversForEachStore, STORE_KINDS } from "../helpers/server.js";
import { assistant, rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";

const servers = serversForEachStore({ beforeAll, afterAll });

describe.each(STORE_KINDS)("Watch (%s store)", (kind) => {
  const server = () => servers[kind];
  const api = () => rpc(server().client);

  it("sends created with current versions, then one change per mutation with its messages", async () => {
    const [a, b] = [`w-a-${kind}`, `w-b-${kind}`];
    await api().append({ roomId: a, messages: [user("before")] });
    const w = new WatchRecorder(server().client, { rooms: [{ roomId: a, knownVersion: 1 }, { roomId: b }] });
    await w.until((x) => x.responses.length >= 1);
    expect(w.responses[0].created!.rooms).toEqual([{ roomId: a, version: 1 }, { roomId: b, version: 0 }]);
    const r = await api().append({ roomId: a, messages: [user("one", { id: "x1" }), assistant("two")] });
    await api().update({ roomId: a, messageId: "x1", content: "uno" });
    await api().append({ roomId: b, messages: [user("b1")] });
    await api().clear({ roomId: a });
    await w.until((x) => x.changes.length >= 4);
    const [c1, c2, c3, c4] = w.changes;
    expect(c1).toMatchObject({ roomId: a, version: 2, previousVersion: 1, kind: ChangeKind.CHANGE_KIND_APPEND, messagesOmitted: false });
    expect(c1.messages).toEqual(r.messages);
    expect(c2).toMatchObject({ roomId: a, version: 3, previousVersion: 2, kind: ChangeKind.CHANGE_KIND_UPDATE });
    expect(c2.messages[0]).toMatchObject({ id: "x1", content: "uno" });
    expect(c3).toMatchObject({ roomId: b, version: 1, previousVersion: 0, kind: ChangeKind.CHANGE_KIND_APPEND });
    expect(c4).toMatchObject({ roomId: a, version: 4, previousVersion: 3, kind: ChangeKind.CHANGE_KIND_CLEAR, messages: [] });
    w.cancel();
  });

  it("tells a client behind its cursor to resync, and sends progress when idle", async () => {
    const room = `w-resync-${kind}`;
    await api().append({ roomId: room, messages: [user("1")] });
    await api().append({ roomId: room, messages: [user("2")] });
    const w = new WatchRecorder(server().client, { rooms: [{ roomId: room, knownVersion: 1 }], progressIntervalMs: 100 });
    await w.until((x) => x.responses.some((r) => r.progress));
    expect(w.changes[0]).toMatchObject({ roomId: room, previousVersion: 1, version: 2, kind: ChangeKind.CHANGE_KIND_RESYNC });
    expect(w.responses.find((r) => r.progress)!.progress!.sentAt).toBeDefined();
    w.cancel();
  });

  it("rejects bad watch requests with a clear status", async () => {
    const bad = [
      [{ rooms: [] }, status.INVALID_ARGUMENT, "rooms"],
      [{ rooms: [{ roomId: "a b" }] }, status.INVALID_ARGUMENT, "rooms[0].room_id"],
      [{ rooms: [{ roomId: "x" }, { roomId: "x" }] }, status.INVALID_ARGUMENT, "rooms[1].room_id"],
      [{ rooms: Array.from({ length: 10_001 }, (_, i) => ({ roomId: `r${i}` })) }, status.RESOURCE_EXHAUSTED, "rooms"],
    ] as const;
    for (const [req, code, field] of bad) {
      const w = new WatchRecorder(server().client, req as never);
      await w.until((x) => x.error !== undefined).catch(() => undefined);
      expect(w.error?.code).toBe(code);
      expect(w.error?.details.startsWith(`${field}:`)).toBe(true);
    }
  });
});
