import { createRequire } from "node:module";
import { afterAll, beforeAll, expect, it } from "vitest";
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { TestRedis } from "../helpers/redis.js";
import { ServerProcess, uniquePrefix } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";
import { waitFor } from "../helpers/ports.js";
import { RoomHistoryServiceClient } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";

const require = createRequire(import.meta.url);
let redis: TestRedis;

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

function serviceClient(protoPath: string, pkg: string[], service: string, address: string) {
  const def = loadPackageDefinition(loadSync(protoPath, { keepCase: true }));
  const ns = pkg.reduce<GrpcObject>((o, p) => o[p] as GrpcObject, def);
  const Ctor = ns[service] as ServiceClientConstructor;
  return new Ctor(address, credentials.createInsecure());
}

function unary<T>(client: { [m: string]: unknown }, method: string, req: object): Promise<T> {
  return new Promise((resolve, reject) =>
    (client[method] as (r: object, cb: (e: Error | null, r: T) => void) => void).call(client, req, (e, r) => (e ? reject(e) : resolve(r))),
  );
}

it("starts with the in-memory store when no Redis is configured, and says so", async () => {
  const proc = await ServerProcess.start({ ROOMHISTORY_REDIS_URL: "" });
  try {
    expect(proc.log).toContain("with the in-memory store");
    const client = new RoomHistoryServiceClient(proc.address, credentials.createInsecure());
    expect((await rpc(client).append({ roomId: "mem", messages: [user("x")] })).version).toBe(1);
    client.close();
  } finally {
    await proc.stop();
  }
});

it("serves health and reflection, and shuts down gracefully on SIGTERM", async () => {
  const proc = await ServerProcess.start({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix() });
  const health = serviceClient(require("grpc-health-check").protoPath, ["grpc", "health", "v1"], "Health", proc.address);
  expect(await unary(health, "Check", { service: "roomhistory.v1.RoomHistoryService" })).toEqual({ status: 1 }); // SERVING

  const reflectionProto = require.resolve("@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");
  const reflection = serviceClient(reflectionProto, ["grpc", "reflection", "v1"], "ServerReflection", proc.address);
  const stream = (reflection as unknown as { ServerReflectionInfo(): NodeJS.ReadWriteStream & { write(o: object): void } })
    .ServerReflectionInfo();
  const answers: { list_services_response?: { service: { name: string }[] }; file_descriptor_response?: object }[] = [];
  const got = new Promise<void>((resolve) => stream.on("data", (d: (typeof answers)[number]) => {
    if (answers.push(d) === 2) resolve();
  }));
  stream.write({ list_services: "" });
  stream.write({ file_containing_symbol: "roomhistory.v1.RenderMessagesRequest" });
  await got;
  stream.end();
  expect(answers[0].list_services_response!.service.map((s) => s.name)).toEqual(
    expect.arrayContaining(["roomhistory.v1.RoomHistoryService", "grpc.health.v1.Health"]),
  );
  expect(answers[1].file_descriptor_response).toBeDefined();

  const client = new RoomHistoryServiceClient(proc.address, credentials.createInsecure());
  const w = new WatchRecorder(client, { rooms: [{ roomId: "sig" }] });
  await w.until((x) => x.responses.length >= 1);
  await proc.stop();
  await w.until((x) => x.error !== undefined).catch(() => undefined);
  expect(w.error?.code).toBe(14); // UNAVAILABLE: resume elsewhere
  expect(proc.log).toContain("shutting down");
  expect(proc.log).toContain('"msg":"stopped"');
  client.close();
});

it("reports NOT_SERVING while Redis is unreachable, and SERVING again once it is back", async () => {
  const own = await TestRedis.start();
  const proc = await ServerProcess.start({ ROOMHISTORY_REDIS_URL: own.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix() });
  const health = serviceClient(require("grpc-health-check").protoPath, ["grpc", "health", "v1"], "Health", proc.address);
  const status = async () => ((await unary<{ status: number }>(health, "Check", { service: "" })).status === 1 ? "SERVING" : "NOT_SERVING");
  try {
    await waitFor(async () => (await status()) === "SERVING", 10_000, "SERVING");
    await own.kill();
    await waitFor(async () => (await status()) === "NOT_SERVING", 10_000, "NOT_SERVING");
    await own.launch();
    await waitFor(async () => (await status()) === "SERVING", 20_000, "SERVING again");
  } finally {
    (health as unknown as { close(): void }).close();
    await proc.stop();
    await own.stop();
  }
});
