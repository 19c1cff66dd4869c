import { afterAll, beforeAll, expect, it } from "vitest";
import { RoomHistoryClient } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";
import { entry, TokensFile } from "../../../test/auth/helpers.js";
import { makeCerts } from "../../../test/tls/certs.js";
import { startServerWith } from "../../../test/tls/servers.js";
import { Proc } from "./procs/spawn.js";

let redis: TestRedis;
let server: TestServer;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("example") });
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

it("the example worker runs against a server: a user turn, a render, an assistant turn", async () => {
  const env = { ROOMHISTORY_ADDRESS: server.address, ROOM: "example" };
  const worker = new Proc("../../examples/worker.ts", env, ["Hi!"]);
  await worker.exited();
  expect(worker.output).toContain("#1 user: Hi!");
  expect(worker.output).toMatch(/#2 assistant: \(echo\) I see 2 messages/);
  const client = new RoomHistoryClient(server.address);
  try {
    expect((await client.getRoomInfo({ roomId: "example" })).version).toBe(2);
  } finally {
    client.close();
  }
});

it("the example worker reads TLS and its token from the environment", async () => {
  const certs = makeCerts();
  const tokens = new TokensFile([entry("worker", "rh_worker", ["example"], ["read", "write", "watch"])]);
  const tls = await startServerWith({
    ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key, ROOMHISTORY_TOKENS_FILE: tokens.path,
  });
  try {
    const env = {
      ROOMHISTORY_ADDRESS: tls.address, ROOM: "example-tls", ROOMHISTORY_CA_FILE: certs.ca,
      ROOMHISTORY_TLS_SERVER_NAME: "localhost", ROOMHISTORY_TOKEN: "rh_worker",
    };
    const worker = new Proc("../../examples/worker.ts", env, ["Hi over TLS"]);
    await worker.exited();
    expect(worker.output).toContain("#1 user: Hi over TLS");
    expect(worker.output).toMatch(/#2 assistant: \(echo\)/);
  } finally {
    await tls.shutdown();
  }
});
