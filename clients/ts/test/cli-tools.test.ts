/**
 * The `roomhistory` CLI over TLS with tokens, and its server-package tools: `token create` writes the
 * tokens file a TLS server then checks (a valid token works, none is UNAUTHENTICATED 16, a room outside
 * the token's prefixes PERMISSION_DENIED 7), and `migrate-legacy` moves a legacy room on a real
 * redis-server that `show` then reads through a server.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../../src/server/server.js";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix } from "../../../test/helpers/server.js";
import { makeCerts, type TestCerts } from "../../../test/tls/certs.js";
import { startServerWith } from "../../../test/tls/servers.js";
import { cli } from "./cli/run.js";

const dir = mkdtempSync(join(tmpdir(), "roomhistory-cli-tools-"));
let certs: TestCerts;
let app: RunningServer;
const tokensFile = join(dir, "tokens.json");
let tenantToken = "";

beforeAll(async () => {
  certs = makeCerts();
  const created = await cli(["token", "create", "tenant-a", "--rooms", "a/", "--rights", "read,write,watch", "--file", tokensFile]);
  expect(created.code, created.stderr).toBe(0);
  tenantToken = created.stdout.trim();
  app = await startServerWith({
    ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key, ROOMHISTORY_TOKENS_FILE: tokensFile,
  });
});
afterAll(async () => {
  await app?.shutdown();
});

describe("token and TLS", () => {
  it("token create prints a new token once; list shows the entry, never the hash; a duplicate name is refused", async () => {
    expect(tenantToken).toMatch(/^rh_[A-Za-z0-9_-]{43}$/);
    const listed = await cli(["token", "list", "--file", tokensFile]);
    expect(listed.stdout).toBe('tenant-a  token  rooms="a/"  rights=read,write,watch  never expires\n');
    const again = await cli(["token", "create", "tenant-a", "--rooms", "a/", "--rights", "read", "--file", tokensFile]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("a token named tenant-a exists");
    const noFile = await cli(["token", "list"]);
    expect(noFile).toMatchObject({ code: 2, stderr: "roomhistory: token: give --file or set ROOMHISTORY_TOKENS_FILE\n" });
  });

  it("over TLS with the token from --token or ROOMHISTORY_TOKEN; none is 16, out of scope 7", async () => {
    const tls = ["--address", app.address, "--ca", certs.ca, "--server-name", "localhost"];
    const appended = await cli([...tls, "--token", tenantToken, "append", "a/1", "over", "tls"]);
    expect(appended.code, appended.stderr).toBe(0);
    const [shown, anonymous, outside, plaintext] = await Promise.all([
      cli([...tls, "show", "a/1"], { ROOMHISTORY_TOKEN: tenantToken }),
      cli([...tls, "show", "a/1"]),
      cli([...tls, "--token", tenantToken, "show", "b/1"]),
      cli(["--address", app.address, "--token", tenantToken, "--timeout", "3", "show", "a/1"]),
    ]);
    expect(shown.stdout).toBe("#1 user: over tls\n");
    expect(anonymous.code).toBe(16);
    expect(anonymous.stderr).toMatch(/^roomhistory: UNAUTHENTICATED: [^\n]*\n$/);
    expect(outside.code).toBe(7);
    expect(outside.stderr).toMatch(/^roomhistory: PERMISSION_DENIED: [^\n]*\n$/);
    expect(plaintext.code).toBe(14); // a plaintext client to a TLS port never gets an answer
  });

  it("a token over plaintext to a host that is not loopback is a usage error, sent nowhere", async () => {
    const r = await cli(["--address", "192.0.2.1:50051", "--token", "rh_x", "rooms"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^roomhistory: a token is sent only over TLS .* 192\.0\.2\.1:50051 is neither\n$/);
  });
});

describe("migrate-legacy", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("moves a legacy room on Redis (dry run first); a server then serves it", async () => {
    const prefix = uniquePrefix("cli-migrate");
    const raw = redis.client();
    try {
      await raw.rpush(`${prefix}:old-room`, JSON.stringify({ role: "user", content: "from the legacy manager" }));
      await raw.set(`${prefix}:old-room:ver`, "3");
    } finally {
      raw.disconnect();
    }
    const args = ["migrate-legacy", "--redis-url", redis.url, "--key-prefix", prefix];
    const dry = await cli([...args, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout + dry.stderr).toContain('would migrate "old-room": 1 entries, version 4');
    const moved = await cli(args);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout + moved.stderr).toContain('migrated "old-room": 1 entries, version 4');
    const server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix });
    try {
      expect((await cli(["--address", server.address, "show", "old-room"])).stdout).toBe("#0 user: from the legacy manager\n");
    } finally {
      await server.stop();
    }
  });

  it("without a Redis URL it is a usage error; a server bin that is not there says so (exit 1)", async () => {
    expect((await cli(["migrate-legacy"])).code).toBe(2);
    const missing = await cli(["migrate-legacy", "--redis-url", redis.url], { ROOMHISTORY_SERVER_BIN: join(dir, "nope.js") });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^roomhistory: migrate-legacy acts on Redis and the tokens file directly and needs the server package/);
  });
});
