/**
 * Quotas exceeded (RESOURCE_EXHAUSTED with RetryInfo) and recovered after the delay they name; the cap
 * on Watch streams; ListRooms filtered to a token's rooms and paging through them (Redis store);
 * a client certificate's identity mapped to scopes over mTLS.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { status, type ServiceError } from "@grpc/grpc-js";
import { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";
import { makeCerts } from "../tls/certs.js";
import { clientFor, tlsCredentials } from "../tls/servers.js";
import { details, entry, failure, startAuthServer, TokensFile, type AuthServer } from "./helpers.js";

const ALL = ["read", "write", "watch", "admin"];
let server: AuthServer | undefined;
let redis: TestRedis;

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(async () => {
  await redis?.stop();
});

async function start(entries: object[], env: Record<string, string> = {}) {
  server = await startAuthServer(new TokensFile(entries).path, env);
  return server;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The first of up to `tries` calls that fails. */
async function firstFailure(call: () => Promise<unknown>, tries: number): Promise<ServiceError | undefined> {
  for (let i = 0; i < tries; i++) {
    const err = await failure(call());
    if (err) return err;
  }
  return undefined;
}

describe("quotas", () => {
  it("refuses calls over the rate with RetryInfo, and lets the call through after that delay", async () => {
    const s = await start([entry("busy", "rh_busy", [""], ALL)],
      { ROOMHISTORY_QUOTA_CALLS_PER_SECOND: "2", ROOMHISTORY_QUOTA_CALLS_BURST: "3" });
    const c = rpc(s.client("rh_busy"));
    for (let i = 0; i < 3; i++) expect(await failure(c.info({ roomId: "r" }))).toBeUndefined();
    // On a slow machine the bucket may have refilled a call's worth meanwhile: a few more calls empty it.
    const err = await firstFailure(() => c.info({ roomId: "r" }), 5);
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    const { info, retryMs } = details(err!);
    expect(info).toMatchObject({ reason: "QUOTA_EXCEEDED", domain: "roomhistory.v1" });
    expect(info?.metadata.quota).toBe("calls");
    expect(retryMs).toBeGreaterThan(0);
    expect(retryMs).toBeLessThanOrEqual(500);
    // Waiting is the behaviour under test: RetryInfo names the time the bucket has room again.
    await sleep(retryMs!);
    expect(await failure(c.info({ roomId: "r" }))).toBeUndefined();
  });

  it("counts appended bytes per token, with a per-token override in the file", async () => {
    const s = await start([
      entry("small", "rh_small", [""], ALL, { quota: { append_bytes_per_second: 1000, append_bytes_burst: 2000 } }),
      entry("free", "rh_free", [""], ALL, { quota: { append_bytes_per_second: 0 } }),
    ], { ROOMHISTORY_QUOTA_APPEND_BYTES_PER_SECOND: "100" });
    const big = [user("x".repeat(1500))];
    const small = rpc(s.client("rh_small"));
    expect(await failure(small.append({ roomId: "q", messages: big }))).toBeUndefined();
    const err = await firstFailure(() => small.append({ roomId: "q", messages: big }), 3);
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    const { info, retryMs } = details(err!);
    expect(info?.metadata.quota).toBe("append_bytes");
    // At most the time to refill one append (about 1,520 encoded bytes) at 1,000 bytes a second.
    expect(retryMs).toBeGreaterThan(0);
    expect(retryMs).toBeLessThan(1600);
    // Reads are not appends: the bytes quota leaves them alone.
    expect(await failure(small.history({ roomId: "q" }))).toBeUndefined();
    const free = rpc(s.client("rh_free"));
    for (let i = 0; i < 3; i++) expect(await failure(free.append({ roomId: "q", messages: big }))).toBeUndefined();
    await sleep(retryMs!);
    expect(await failure(small.append({ roomId: "q", messages: big }))).toBeUndefined();
  });

  it("caps open Watch streams per token, and frees a place when one closes", async () => {
    const s = await start([entry("w", "rh_w", [""], ALL)], { ROOMHISTORY_QUOTA_WATCH_STREAMS: "1" });
    const first = s.client("rh_w").watch({ rooms: [{ roomId: "a", knownVersion: 0 }], progressIntervalMs: 0, versionsOnly: false });
    first.on("error", () => undefined);
    await new Promise((resolve) => first.once("data", resolve));
    const second = await watchOutcome(s, "rh_w");
    expect(second?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(details(second!).info?.metadata.quota).toBe("watch_streams");
    expect(details(second!).retryMs).toBeGreaterThan(0);
    first.cancel();
    await expect.poll(() => watchOutcome(s, "rh_w"), { timeout: 3000 }).toBeUndefined();
  });
});

describe("ListRooms in scope", () => {
  it("lists only the token's rooms, paging through them alone", async () => {
    const s = await start([
      entry("root", "rh_root", [""], ALL),
      entry("ac", "rh_ac", ["tenant-a/", "tenant-c/"], ["read"]),
    ], { ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("auth-list") });
    const root = rpc(s.client("rh_root"));
    const rooms = ["0-first", "tenant-a/1", "tenant-a/2", "tenant-a/3", "tenant-b/1", "tenant-b/2", "tenant-c/1", "tenant-d/1", "zz"];
    for (const roomId of rooms) await root.append({ roomId, messages: [user("hi")] });
    const scoped = rpc(s.client("rh_ac"));
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await scoped.listRooms({ pageSize: 2, pageToken });
      expect(page.roomIds.length).toBeLessThanOrEqual(2);
      seen.push(...page.roomIds);
      pageToken = page.nextPageToken;
      expect(++pages).toBeLessThan(10);
    } while (pageToken);
    expect(seen).toEqual(["tenant-a/1", "tenant-a/2", "tenant-a/3", "tenant-c/1"]);
    expect((await root.listRooms({ pageSize: 100 })).roomIds).toEqual(rooms);
  });
});

describe("client certificates", () => {
  it("maps a verified certificate's CN to its entry's scope when no bearer token is sent", async () => {
    const certs = makeCerts();
    const s = await start([{ name: "worker-cert", client_cert: "worker-a", rooms: ["tenant-a/"], rights: ["read"] }], {
      ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key, ROOMHISTORY_TLS_CLIENT_CA: certs.ca,
    });
    const address = `localhost:${s.app.port}`;
    const client = clientFor(address, tlsCredentials(certs.ca, certs.client));
    const c = rpc(client);
    try {
      expect(await failure(c.info({ roomId: "tenant-a/1" }))).toBeUndefined();
      const out = await failure(c.info({ roomId: "tenant-b/1" }));
      expect(out?.code).toBe(status.PERMISSION_DENIED);
      expect(details(out!).info?.metadata.token).toBe("worker-cert");
      expect((await failure(c.clear({ roomId: "tenant-a/1" })))?.code).toBe(status.PERMISSION_DENIED);
    } finally {
      client.close();
    }
  });
});

function watchOutcome(s: AuthServer, token: string): Promise<ServiceError | undefined> {
  return new Promise((resolve) => {
    const stream = s.client(token).watch({ rooms: [{ roomId: "b", knownVersion: 0 }], progressIntervalMs: 0, versionsOnly: false });
    stream.on("data", () => {
      resolve(undefined);
      stream.cancel();
    });
    stream.on("error", (e: ServiceError) => resolve(e));
  });
}
