/**
 * WatchRooms against a real server on each store: rooms added and removed on the open stream, each
 * add answered by its own `created` and each refusal by its own `cancelled`, prefix and namespace
 * selectors that find rooms created or moved in later, versions-only streams and the watermark.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata, status } from "@grpc/grpc-js";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import { WatchCancelReason, type RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { UpdateRoomMetadataRequest } from "@roomhistory/client/gen/roomhistory/v1/metadata.js";
import { serversForEachStore, STORE_KINDS } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";
import { RoomsRecorder } from "../helpers/watch-rooms.js";

const servers = serversForEachStore({ beforeAll, afterAll });

function setNamespace(client: RoomHistoryServiceClient, roomId: string, namespace: string): Promise<unknown> {
  return new Promise((resolve, reject) => client.updateRoomMetadata(
    UpdateRoomMetadataRequest.fromPartial({ roomId, namespace, updateMask: ["namespace"] }), new Metadata(),
    (err, res) => (err ? reject(err) : resolve(res))));
}

describe.each(STORE_KINDS)("WatchRooms (%s store)", (kind) => {
  const server = () => servers[kind];
  const api = () => rpc(server().client);
  const id = (tag: string) => `wr-${kind}-${tag}`;

  it("adds and removes rooms on the open stream, one created and one cancelled per request", async () => {
    const [a, b] = [id("a"), id("b")];
    await api().append({ roomId: a, messages: [user("before")] });
    const w = new RoomsRecorder(server().client);
    w.send({ add: { rooms: [{ roomId: a, knownVersion: 1 }], requestId: 1 } });
    await w.until((x) => x.of("created").length === 1);
    expect(w.of("created")[0]).toMatchObject({ requestId: 1, rooms: [{ roomId: a, version: 1 }] });
    w.send({ add: { rooms: [{ roomId: b }], requestId: 2 } });
    await w.until((x) => x.of("created").length === 2);
    await api().append({ roomId: b, messages: [user("b1")] });
    await api().append({ roomId: a, messages: [user("a2")] });
    await w.until((x) => x.changes.length === 2);
    expect(w.changes.map((c) => [c.roomId, c.previousVersion, c.version])).toEqual([[b, 0, 1], [a, 1, 2]]);
    expect(w.changes[0].messages[0].content).toBe("b1");
    w.send({ remove: { roomIds: [a, id("never")], requestId: 3 } });
    await w.until((x) => x.of("cancelled").length === 2);
    expect(w.of("cancelled").map((c) => [c.roomId, c.reason, c.requestId])).toEqual([
      [a, WatchCancelReason.WATCH_CANCEL_REASON_REMOVED, 3], [id("never"), WatchCancelReason.WATCH_CANCEL_REASON_NOT_WATCHED, 3],
    ]);
    await api().append({ roomId: a, messages: [user("a3")] });
    await api().append({ roomId: b, messages: [user("b2")] });
    await w.until((x) => x.changes.length === 3);
    expect(w.changes[2]).toMatchObject({ roomId: b, version: 2 });
    w.stream.end();
    await w.until((x) => x.ended);
    expect(w.error).toBeUndefined();
  });

  it("refuses a bad room with its own cancelled and goes on; a request with nothing set ends the stream", async () => {
    const w = new RoomsRecorder(server().client);
    w.send({ add: { rooms: [{ roomId: "bad room" }, { roomId: id("ok") }], requestId: 7 } });
    await w.until((x) => x.of("created").length === 1 && x.of("cancelled").length === 1);
    expect(w.of("cancelled")[0]).toMatchObject({ roomId: "bad room", reason: WatchCancelReason.WATCH_CANCEL_REASON_INVALID_ROOM_ID, requestId: 7 });
    expect(w.of("cancelled")[0].message).toMatch(/add\.rooms\[0\]\.room_id/);
    expect(w.of("created")[0].rooms.map((r) => r.roomId)).toEqual([id("ok")]);
    await api().append({ roomId: id("ok"), messages: [user("x")] });
    await w.until((x) => x.changes.length === 1);
    w.send({});
    await w.until((x) => x.error !== undefined);
    expect(w.error!.code).toBe(status.INVALID_ARGUMENT);
    expect(w.error!.details).toMatch(/^request:/);
  });

  it("follows 1,000 rooms added and then removed one by one on one stream", async () => {
    const w = new RoomsRecorder(server().client);
    const rooms = Array.from({ length: 1000 }, (_, i) => id(`many-${i}`));
    rooms.forEach((roomId, i) => w.send({ add: { rooms: [{ roomId }], requestId: i + 1 } }));
    await w.until((x) => x.of("created").length === 1000, 60_000);
    expect(w.of("created").map((c) => c.requestId)).toEqual(rooms.map((_, i) => i + 1));
    await api().append({ roomId: rooms[999], messages: [user("last")] });
    await w.until((x) => x.changes.length === 1);
    rooms.forEach((roomId, i) => w.send({ remove: { roomIds: [roomId], requestId: 2000 + i } }));
    await w.until((x) => x.of("cancelled").length === 1000, 60_000);
    expect(w.of("cancelled").every((c) => c.reason === WatchCancelReason.WATCH_CANCEL_REASON_REMOVED)).toBe(true);
    await api().append({ roomId: rooms[999], messages: [user("unheard")] });
    w.send({ progress: { requestId: 99 } });
    await w.until((x) => x.of("progress").some((p) => p.requestId === 99));
    expect(w.changes).toHaveLength(1);
    w.cancel();
  }, 120_000);

  it("a prefix selector finds the rooms there are and the rooms created later", async () => {
    const p = id("pre/");
    await api().append({ roomId: `${p}old`, messages: [user("o")] });
    const w = new RoomsRecorder(server().client);
    w.send({ add: { prefix: p, requestId: 5 } });
    await w.until((x) => x.of("created").length === 1 && x.changes.length === 1);
    expect(w.of("created")[0]).toMatchObject({ requestId: 5, prefix: p, rooms: [{ roomId: `${p}old`, version: 1 }] });
    expect(w.changes[0]).toMatchObject({ roomId: `${p}old`, previousVersion: 0, version: 1, kind: ChangeKind.CHANGE_KIND_RESYNC });
    await api().append({ roomId: `${p}new`, messages: [user("n1")] });
    await api().append({ roomId: id("elsewhere"), messages: [user("e")] });
    await w.until((x) => x.of("created").length === 2);
    expect(w.of("created")[1]).toMatchObject({ requestId: 5, prefix: p });
    await api().append({ roomId: `${p}new`, messages: [user("n2")] });
    await w.until((x) => x.changes.some((c) => c.roomId === `${p}new` && c.version === 2));
    const chain = w.changes.filter((c) => c.roomId === `${p}new`);
    chain.forEach((c, i) => i > 0 && expect(c.previousVersion).toBe(chain[i - 1].version));
    expect(chain.at(-1)!.messages[0].content).toBe("n2");
    expect(w.changes.some((c) => c.roomId === id("elsewhere"))).toBe(false);
    w.send({ remove: { prefix: p, requestId: 6 } });
    await w.until((x) => x.of("cancelled").some((c) => c.roomId === "" && c.prefix === p));
    expect(w.of("cancelled").filter((c) => c.roomId).map((c) => c.roomId).sort()).toEqual([`${p}new`, `${p}old`]);
    w.cancel();
  });

  it("a namespace selector finds rooms moved in later and cancels those moved out", async () => {
    const ns = id("ns");
    await setNamespace(server().client, id("n1"), ns);
    const w = new RoomsRecorder(server().client);
    w.send({ add: { namespace: ns, requestId: 1 } });
    await w.until((x) => x.of("created").length === 1);
    expect(w.of("created")[0].rooms.map((r) => r.roomId)).toEqual([id("n1")]);
    await api().append({ roomId: id("n2"), messages: [user("x")] });
    await setNamespace(server().client, id("n2"), ns);
    await w.until((x) => x.of("created").some((c) => c.rooms.some((r) => r.roomId === id("n2"))));
    await setNamespace(server().client, id("n1"), `${ns}-other`);
    await w.until((x) => x.of("cancelled").length === 1);
    expect(w.of("cancelled")[0]).toMatchObject({ roomId: id("n1"), namespace: ns, reason: WatchCancelReason.WATCH_CANCEL_REASON_LEFT_NAMESPACE });
    w.cancel();
  });

  it("sends versions only when asked, and a watermark past a write acknowledged before the request", async () => {
    const room = id("vo");
    const w = new RoomsRecorder(server().client);
    w.send({ options: { versionsOnly: true } });
    w.send({ add: { rooms: [{ roomId: room }] } });
    await w.until((x) => x.of("created").length === 1);
    await api().append({ roomId: room, messages: [user("secret")] });
    const acked = Date.now();
    w.send({ progress: { requestId: 42 } });
    await w.until((x) => x.of("progress").some((p) => p.requestId === 42));
    const at = w.responses.findIndex((r) => r.progress?.requestId === 42);
    const change = w.responses.findIndex((r) => r.change);
    expect(change).toBeGreaterThanOrEqual(0);
    expect(change).toBeLessThan(at);
    expect(w.changes[0]).toMatchObject({ version: 1, messages: [], messagesOmitted: true });
    const mark = w.responses[at].progress!.watermark!;
    expect(mark.seconds * 1000 + mark.nanos / 1e6).toBeGreaterThanOrEqual(acked - 1);
    w.cancel();
  });
});
