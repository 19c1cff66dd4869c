import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, status } from "@grpc/grpc-js";
import type { RunningServer } from "../../src/server/server.js";
import { sha256Hex } from "../../src/auth/token-file.js";
import { expectStatus, rpc, user } from "../helpers/rpc.js";
import { makeCerts, type KeyPair, type TestCerts } from "./certs.js";
import { clientFor, grpcurl, startServerWith, tlsCredentials } from "./servers.js";

const SERVICE = "roomhistory.v1.RoomHistoryService";
let certs: TestCerts;
let app: RunningServer;

beforeAll(async () => {
  certs = makeCerts();
  app = await startServerWith({
    ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key, ROOMHISTORY_TLS_CLIENT_CA: certs.ca,
  });
});
afterAll(() => app?.shutdown());

describe("mTLS (ROOMHISTORY_TLS_CLIENT_CA): a grpc-js client", () => {
  it("with a certificate from the client CA is served", async () => {
    const client = clientFor(app.address, tlsCredentials(certs.ca, certs.client));
    await rpc(client).append({ roomId: "mtls", messages: [user("hello")] });
    expect((await rpc(client).history({ roomId: "mtls" })).messages.map((m) => m.content)).toEqual(["hello"]);
    client.close();
  });

  const refused: [string, () => KeyPair | undefined][] = [
    ["without a client certificate", () => undefined],
    ["with an expired certificate from the client CA", () => certs.expiredClient],
    ["with a certificate from another CA", () => certs.strangerClient],
  ];
  it.each(refused)("%s is refused in the handshake (UNAVAILABLE)", async (_name, pair) => {
    const client = clientFor(app.address, tlsCredentials(certs.ca, pair()));
    await expectStatus(rpc(client).info({ roomId: "mtls" }), status.UNAVAILABLE);
    client.close();
  });
});

describe("grpcurl against the mTLS server", () => {
  const tls = () => ["-cacert", certs.ca, "-cert", certs.client.cert, "-key", certs.client.key];

  it("lists and describes the service through reflection", async () => {
    const list = await grpcurl(...tls(), app.address, "list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(SERVICE);
    expect(list.stdout).toContain("grpc.health.v1.Health");
    const describe = await grpcurl(...tls(), app.address, "describe", `${SERVICE}.GetHistory`);
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toContain("rpc GetHistory");
  });

  it("makes a call", async () => {
    const client = clientFor(app.address, tlsCredentials(certs.ca, certs.client));
    await rpc(client).append({ roomId: "curl", messages: [user("from grpc-js")] });
    client.close();
    const r = await grpcurl(...tls(), "-d", JSON.stringify({ room_id: "curl" }), app.address, `${SERVICE}/GetHistory`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).messages[0].content).toBe("from grpc-js");
  });

  // grpc-go retries a failed handshake until its connect timeout: a short one keeps these fast.
  const failing = (...args: string[]) => grpcurl("-connect-timeout", "2", ...args, app.address, "list");
  it("fails with the wrong CA, without a client certificate, with an expired one, and in plaintext", async () => {
    const [wrongCa, noCert, expired, plaintext] = await Promise.all([
      failing("-cacert", certs.otherCa, "-cert", certs.client.cert, "-key", certs.client.key),
      failing("-cacert", certs.ca),
      failing("-cacert", certs.ca, "-cert", certs.expiredClient.cert, "-key", certs.expiredClient.key),
      failing("-plaintext"),
    ]);
    expect(wrongCa.code).not.toBe(0);
    expect(wrongCa.stderr).toMatch(/certificate signed by unknown authority/);
    for (const r of [noCert, expired, plaintext]) expect(r.code, r.stdout).not.toBe(0);
    expect(noCert.stderr + expired.stderr + plaintext.stderr).not.toContain(SERVICE);
  });
});

describe("reflection off (ROOMHISTORY_REFLECTION=false)", () => {
  it("answers grpcurl list with 'no reflection' while the service still serves", async () => {
    const off = await startServerWith({
      ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key, ROOMHISTORY_REFLECTION: "false",
    });
    try {
      const list = await grpcurl("-cacert", certs.ca, off.address, "list");
      expect(list.code).not.toBe(0);
      expect(list.stderr).toMatch(/does not support the reflection API/);
      const client = clientFor(off.address, tlsCredentials(certs.ca));
      expect((await rpc(client).info({ roomId: "none" })).version).toBe(0);
      client.close();
      const plain = clientFor(off.address, credentials.createInsecure());
      await expectStatus(rpc(plain).info({ roomId: "none" }), status.UNAVAILABLE);
      plain.close();
    } finally {
      await off.shutdown();
    }
  });
});

describe("grpcurl with a bearer token (TLS and ROOMHISTORY_TOKENS_FILE)", () => {
  const token = "rh-test-token-for-grpcurl";
  let secured: RunningServer;
  beforeAll(async () => {
    const tokensFile = join(certs.dir, "grpcurl-tokens.json");
    writeFileSync(tokensFile, JSON.stringify({
      tokens: [{ name: "grpcurl", sha256: sha256Hex(token), rooms: ["curl/"], rights: ["read", "write"] }],
    }));
    secured = await startServerWith({
      ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key, ROOMHISTORY_TOKENS_FILE: tokensFile,
    });
  });
  afterAll(() => secured?.shutdown());

  it("lists through reflection without a token, and calls with -H 'authorization: Bearer ...' only", async () => {
    const list = await grpcurl("-cacert", certs.ca, secured.address, "list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(SERVICE);
    const call = (...h: string[]) => grpcurl("-cacert", certs.ca, ...h, "-d", JSON.stringify({ room_id: "curl/a" }), secured.address,
      `${SERVICE}/GetRoomInfo`);
    const anonymous = await call();
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/Unauthenticated/);
    const bearer = await call("-H", `authorization: Bearer ${token}`);
    expect(bearer.code, bearer.stderr).toBe(0);
  });
});
