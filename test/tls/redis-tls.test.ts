import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, status } from "@grpc/grpc-js";
import type { RunningServer } from "../../src/server/server.js";
import { uniquePrefix } from "../helpers/server.js";
import { expectStatus, rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";
import { makeCerts, type TestCerts } from "./certs.js";
import { ACL_USER, DEFAULT_PASSWORD, TlsRedis, TlsRedisCluster } from "./redis-tls.js";
import { clientFor, startServerWith } from "./servers.js";

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});

/** Append, read back, and see the change on a watch: commands, scripts and the change feed all work. */
async function roundTrip(env: Record<string, string>): Promise<void> {
  const app = await startServerWith({ ROOMHISTORY_KEY_PREFIX: uniquePrefix("tls"), ...env });
  const client = clientFor(app.address, credentials.createInsecure());
  try {
    const first = await rpc(client).append({ roomId: "r1", messages: [user("one")] });
    const watch = new WatchRecorder(client, { rooms: [{ roomId: "r1", knownVersion: first.version }] });
    await watch.until((w) => w.responses.some((r) => r.created !== undefined));
    const second = await rpc(client).append({ roomId: "r1", messages: [user("two")] });
    await watch.until((w) => w.changes.some((c) => c.version === second.version));
    expect((await rpc(client).history({ roomId: "r1" })).messages.map((m) => m.content)).toEqual(["one", "two"]);
    watch.cancel();
  } finally {
    client.close();
    await app.shutdown();
  }
}

describe("Redis over TLS (single)", () => {
  let redis: TlsRedis;
  let mtlsRedis: TlsRedis;
  beforeAll(async () => {
    [redis, mtlsRedis] = await Promise.all([TlsRedis.start(certs), TlsRedis.start(certs, { clientCerts: true })]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), mtlsRedis?.stop()]);
  });

  it("rediss:// with an ACL user and password in the URL, private CA from ROOMHISTORY_REDIS_TLS_CA", async () => {
    await roundTrip({
      ROOMHISTORY_REDIS_URL: `rediss://${ACL_USER.username}:${ACL_USER.password}@${redis.address}`,
      ROOMHISTORY_REDIS_TLS_CA: certs.ca,
    });
  });

  it("rediss:// with the password alone from ROOMHISTORY_REDIS_PASSWORD (requirepass)", async () => {
    await roundTrip({
      ROOMHISTORY_REDIS_URL: `rediss://${redis.address}`, ROOMHISTORY_REDIS_TLS_CA: certs.ca, ROOMHISTORY_REDIS_PASSWORD: DEFAULT_PASSWORD,
    });
  });

  it("a Redis that requires client certificates, with ROOMHISTORY_REDIS_TLS_CERT/_KEY and the ACL user from env", async () => {
    await roundTrip({
      ROOMHISTORY_REDIS_URL: `rediss://${mtlsRedis.address}`, ROOMHISTORY_REDIS_TLS_CA: certs.ca,
      ROOMHISTORY_REDIS_TLS_CERT: certs.client.cert, ROOMHISTORY_REDIS_TLS_KEY: certs.client.key,
      ROOMHISTORY_REDIS_USERNAME: ACL_USER.username, ROOMHISTORY_REDIS_PASSWORD: ACL_USER.password,
    });
  });

  it("the legacy bridge's own connection uses the same CA and password", async () => {
    await roundTrip({
      ROOMHISTORY_REDIS_URL: `rediss://${redis.address}`, ROOMHISTORY_REDIS_TLS_CA: certs.ca, ROOMHISTORY_REDIS_PASSWORD: DEFAULT_PASSWORD,
      ROOMHISTORY_LEGACY_BRIDGE: "true",
    });
  });

  it("a Redis certificate from a CA not trusted: calls fail with UNAVAILABLE", async () => {
    const app: RunningServer = await startServerWith({
      ROOMHISTORY_REDIS_URL: `rediss://${redis.address}`, ROOMHISTORY_REDIS_TLS_CA: certs.otherCa,
      ROOMHISTORY_REDIS_PASSWORD: DEFAULT_PASSWORD, ROOMHISTORY_REDIS_COMMAND_TIMEOUT_MS: "300",
    });
    const client = clientFor(app.address, credentials.createInsecure());
    try {
      await expectStatus(rpc(client).info({ roomId: "r1" }), status.UNAVAILABLE);
    } finally {
      client.close();
      await app.shutdown();
    }
  });
});

describe("Redis Cluster over TLS (3 masters, TLS cluster bus)", () => {
  let cluster: TlsRedisCluster;
  beforeAll(async () => {
    cluster = await TlsRedisCluster.start(certs);
  });
  afterAll(() => cluster?.stop());

  it("ROOMHISTORY_REDIS_TLS=true with the CA and the ACL user from env", async () => {
    await roundTrip({
      ROOMHISTORY_REDIS_CLUSTER: cluster.seeds, ROOMHISTORY_REDIS_TLS: "true", ROOMHISTORY_REDIS_TLS_CA: certs.ca,
      ROOMHISTORY_REDIS_USERNAME: ACL_USER.username, ROOMHISTORY_REDIS_PASSWORD: ACL_USER.password,
    });
  });
});
