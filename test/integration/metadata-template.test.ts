/**
 * Room metadata through gRPC on real Redis: the template variable `room` (title, participants from
 * senders, labels, summary) under the request's context, field-named errors, and the METADATA change.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import * as md from "@roomhistory/client/gen/roomhistory/v1/metadata.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";

let redis: TestRedis;
let server: TestServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  const templates = mkdtempSync(join(tmpdir(), "roomhistory-meta-templates-"));
  writeFileSync(join(templates, "room.j2"),
    "{{ room.title }} [{{ room.labels | join(',') }}] {% for p in room.participants %}{{ p.display_name or p.id }};{% endfor %} {{ room.summary }}");
  server = await startTestServer({
    ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("meta"), ROOMHISTORY_TEMPLATES: templates,
  });
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

function update(req: md.DeepPartial<md.UpdateRoomMetadataRequest>): Promise<md.UpdateRoomMetadataResponse> {
  return new Promise((resolve, reject) => server.client.updateRoomMetadata(md.UpdateRoomMetadataRequest.fromPartial(req),
    new Metadata(), (err: ServiceError | null, res: md.UpdateRoomMetadataResponse) => (err ? reject(err) : resolve(res))));
}

it("templates see the room's metadata as `room`; a `room` key of the request's context wins", async () => {
  const api = rpc(server.client);
  await update({ roomId: "m1", title: "Lobby", labels: ["b", "a"], summary: "about billing",
    participants: [{ id: "ana", displayName: "Ana" }] });
  await api.append({ roomId: "m1", messages: [{ ...user("hi"), sender: "bob" }] });
  const r = await api.render({ roomId: "m1", template: "room.j2" });
  expect(r.system).toBe("Lobby [a,b] Ana;bob; about billing");
  const own = await api.render({ roomId: "m1", template: "room.j2",
    roomContext: { room: { title: "Mine", labels: [], participants: [], summary: "" } } });
  expect(own.system).toBe("Mine []  ");
});

it("names the bad field, and watchers get one METADATA change per update", async () => {
  await expect(update({ roomId: "m2", labels: ["ok", "not ok"] })).rejects.toMatchObject({
    code: status.INVALID_ARGUMENT, details: expect.stringContaining("labels[1]") as unknown,
  });
  await expect(update({ roomId: "m2", title: "t", updateMask: ["title", "colour"] })).rejects.toMatchObject({
    code: status.INVALID_ARGUMENT, details: expect.stringContaining("update_mask[1]") as unknown,
  });
  const w = new WatchRecorder(server.client, { rooms: [{ roomId: "m2" }] });
  await w.until((x) => x.responses.length >= 1);
  const first = await update({ roomId: "m2", title: "t" });
  const same = await update({ roomId: "m2", title: "t" });
  expect(same.version).toBe(first.version);
  await w.until((x) => x.changes.length >= 1);
  expect(w.changes.map((c) => [c.kind, c.version])).toEqual([[ChangeKind.CHANGE_KIND_METADATA, first.version]]);
  w.cancel();
});
