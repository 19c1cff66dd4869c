/**
 * The client's trust options against a real server with TLS and a tokens file (certificates made with
 * openssl at test time): a valid token works on calls and watches, a missing one is UnauthenticatedError,
 * a room or right outside its scope PermissionDeniedError, a rotating tokenProvider is asked per call,
 * mTLS with a client certificate works, a wrong CA fails, and a quota's RetryInfo is waited out.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PermissionDeniedError, ResourceExhaustedError, Role, RoomHistoryClient, UnauthenticatedError, UnavailableError,
  type RoomHistoryClientOptions,
} from "@roomhistory/client";
import type { RunningServer } from "../../../src/server/server.js";
import { entry, TokensFile } from "../../../test/auth/helpers.js";
import { makeCerts, type TestCerts } from "../../../test/tls/certs.js";
import { startServerWith } from "../../../test/tls/servers.js";

const ALL = ["read", "write", "watch", "admin"];
const user = (content: string) => ({ role: Role.ROLE_USER, content });
let certs: TestCerts;
let tokens: TokensFile;
let app: RunningServer;
const clients: RoomHistoryClient[] = [];

beforeAll(async () => {
  certs = makeCerts();
  tokens = new TokensFile([
    entry("all", "rh_all", [""], ALL),
    entry("tenant-a", "rh_a", ["a/"], ALL),
    entry("tenant-b", "rh_b", ["b/"], ALL),
    entry("reader", "rh_reader", [""], ["read"]),
    { name: "worker-cert", client_cert: "worker-a", rooms: [""], rights: ALL },
  ]);
  app = await startServerWith({
    ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key,
    ROOMHISTORY_TOKENS_FILE: tokens.path,
  });
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await app?.shutdown();
});

/** A client over TLS trusting the test CA, with its own connection. */
function tlsClient(options: RoomHistoryClientOptions = {}, ca = certs.ca): RoomHistoryClient {
  const client = new RoomHistoryClient(app.address, {
    tls: { ca: readFileSync(ca), serverName: "localhost" },
    channelOptions: { "grpc.use_local_subchannel_pool": 1 },
    backoff: { maxAttempts: 1 },
    ...options,
  });
  clients.push(client);
  return client;
}

describe("TLS and tokens", () => {
  it("a valid token is sent on calls and on the watch", async () => {
    const client = tlsClient({ token: "rh_all" });
    const stream = client.watch(["t/watched"]);
    const first = stream.next();
    const appended = await client.appendMessages({ roomId: "t/watched", messages: [user("hello")] });
    expect((await first).value).toMatchObject({ roomId: "t/watched", version: appended.version });
    expect((await client.getHistory({ roomId: "t/watched" })).messages.map((m) => m.content)).toEqual(["hello"]);
    stream.close();
  });

  it("no token is an UnauthenticatedError, never retried", async () => {
    const client = tlsClient({ backoff: { maxAttempts: 5 } });
    const err = await client.getHistory({ roomId: "t/x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect(await tlsClient({ token: "rh_unknown" }).getRoomInfo({ roomId: "t/x" }).catch((e: unknown) => e))
      .toBeInstanceOf(UnauthenticatedError);
  });

  it("a room outside the token's prefixes, or a right it lacks, is a PermissionDeniedError", async () => {
    const a = tlsClient({ token: "rh_a" });
    await a.appendMessages({ roomId: "a/1", messages: [user("mine")] });
    expect(await a.getHistory({ roomId: "b/1" }).catch((e: unknown) => e)).toBeInstanceOf(PermissionDeniedError);
    const reader = tlsClient({ token: "rh_reader" });
    expect((await reader.getHistory({ roomId: "a/1" })).messages).toHaveLength(1);
    expect(await reader.appendMessages({ roomId: "a/1", messages: [user("no")] }).catch((e: unknown) => e))
      .toBeInstanceOf(PermissionDeniedError);
  });

  it("a tokenProvider is asked before every call: a rotated token is used at once (async too)", async () => {
    let current = "rh_a";
    let asked = 0;
    const client = tlsClient({ tokenProvider: async () => { asked++; return current; } });
    await client.appendMessages({ roomId: "a/rotate", messages: [user("as a")] });
    expect(await client.getHistory({ roomId: "b/rotate" }).catch((e: unknown) => e)).toBeInstanceOf(PermissionDeniedError);
    current = "rh_b";
    await client.appendMessages({ roomId: "b/rotate", messages: [user("as b")] });
    expect(await client.getHistory({ roomId: "a/rotate" }).catch((e: unknown) => e)).toBeInstanceOf(PermissionDeniedError);
    expect(asked).toBe(4);
  });

  it("a tokenProvider that fails fails the attempt with UNAVAILABLE: a read is retried, asking it again", async () => {
    const failing = tlsClient({ tokenProvider: () => { throw new Error("vault down"); } });
    const err = await failing.getRoomInfo({ roomId: "t/x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).details).toContain("vault down");
    let calls = 0;
    const flaky = tlsClient({
      backoff: { maxAttempts: 3, initialMs: 10 },
      tokenProvider: () => {
        if (++calls === 1) throw new Error("vault down");
        return "rh_all";
      },
    });
    await flaky.getRoomInfo({ roomId: "t/x" });
    expect(calls).toBe(2);
  });

  it("a server certificate from another CA fails the handshake (UnavailableError)", async () => {
    const client = tlsClient({ token: "rh_all", timeoutMs: 3000 }, certs.otherCa);
    expect(await client.getRoomInfo({ roomId: "t/x" }).catch((e: unknown) => e)).toBeInstanceOf(UnavailableError);
  });
});

describe("mTLS", () => {
  let mtls: RunningServer;
  beforeAll(async () => {
    mtls = await startServerWith({
      ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key,
      ROOMHISTORY_TLS_CLIENT_CA: certs.ca, ROOMHISTORY_TOKENS_FILE: tokens.path,
    });
  });
  afterAll(() => mtls?.shutdown());

  it("a client certificate mapped in the tokens file is served without a token; none is refused", async () => {
    const tls = { ca: readFileSync(certs.ca, "utf8"), cert: readFileSync(certs.client.cert, "utf8"),
      key: readFileSync(certs.client.key, "utf8"), serverName: "localhost" };
    const client = new RoomHistoryClient(mtls.address, { tls, channelOptions: { "grpc.use_local_subchannel_pool": 1 } });
    clients.push(client);
    await client.appendMessages({ roomId: "m/1", messages: [user("by certificate")] });
    expect((await client.getHistory({ roomId: "m/1" })).messages).toHaveLength(1);
    const without = new RoomHistoryClient(mtls.address, {
      tls: { ca: tls.ca, serverName: "localhost" }, token: "rh_all", timeoutMs: 3000, backoff: { maxAttempts: 1 },
      channelOptions: { "grpc.use_local_subchannel_pool": 1 },
    });
    clients.push(without);
    expect(await without.getRoomInfo({ roomId: "m/1" }).catch((e: unknown) => e)).toBeInstanceOf(UnavailableError);
  });
});

describe("quotas and RetryInfo", () => {
  let limited: RunningServer;
  beforeAll(async () => {
    limited = await startServerWith({
      ROOMHISTORY_TOKENS_FILE: tokens.path, ROOMHISTORY_QUOTA_CALLS_PER_SECOND: "10",
      ROOMHISTORY_QUOTA_CALLS_BURST: "1", ROOMHISTORY_QUOTA_WATCH_STREAMS: "1",
    });
  });
  afterAll(() => limited?.shutdown());

  it("a read over the quota waits the server's RetryInfo delay and succeeds; an unsafe write fails with it", async () => {
    // A token over plaintext: the server listens on loopback, where the client allows it.
    const client = new RoomHistoryClient(limited.address, { token: "rh_all" });
    clients.push(client);
    const started = Date.now();
    for (let i = 0; i < 4; i++) await client.getRoomInfo({ roomId: "q/1" });
    // Three of the four waited for the bucket (10 a second): about 100 ms each.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const err = await client.clearRoom({ roomId: "q/1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect((err as ResourceExhaustedError).retryDelayMs).toBeGreaterThan(0);
    expect((err as ResourceExhaustedError).retryDelayMs).toBeLessThanOrEqual(100);
  });

  it("a watch over the open-streams cap is reopened after the RetryInfo delay, once a place is free", async () => {
    const client = new RoomHistoryClient(limited.address, { token: "rh_all" });
    clients.push(client);
    const first = client.watch(["w/1"]);
    const firstChange = first.next();
    await client.appendMessages({ roomId: "w/1", messages: [user("one")] });
    expect((await firstChange).value).toMatchObject({ roomId: "w/1" });
    const refusals: number[] = [];
    const second = client.watch(["w/2"], {
      onReconnect: (err, delayMs) => {
        if (err instanceof ResourceExhaustedError && err.metadata.quota === "watch_streams") refusals.push(delayMs);
      },
    });
    const secondChange = second.next();
    await expect.poll(() => refusals.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(refusals[0]).toBe(1000); // the server's RetryInfo for its watch cap, not the backoff
    first.close();
    await client.appendMessages({ roomId: "w/2", messages: [user("two")] });
    expect((await secondChange).value).toMatchObject({ roomId: "w/2" });
    second.close();
  });
});
