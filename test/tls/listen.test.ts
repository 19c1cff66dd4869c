import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { isLoopback } from "../../src/server/listen-policy.js";
import { freePort } from "../helpers/ports.js";
import { makeCerts, type TestCerts } from "./certs.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("isLoopback", () => {
  it.each([
    ["127.0.0.1:50051", true], ["127.8.9.10:1", true], ["localhost:50051", true], ["[::1]:50051", true],
    ["[0:0:0:0:0:0:0:1]:0", true], ["[::ffff:127.0.0.1]:1", true], ["dns:localhost:50051", true], ["unix:/tmp/rh.sock", true],
    ["0.0.0.0:50051", false], ["[::]:50051", false], ["10.0.0.5:50051", false], ["[fe80::1]:50051", false],
    ["myhost:50051", false], ["128.0.0.1:50051", false], ["[::ffff:10.0.0.1]:1", false], ["localhost.example.com:1", false],
  ])("%s -> %s", (address, loopback) => {
    expect(isLoopback(address)).toBe(loopback);
  });
});

describe("TLS settings", () => {
  it("refuses a certificate without its key and a client CA without TLS, naming the variable", () => {
    expect(() => loadConfig({ ROOMHISTORY_TLS_CERT: "/c.pem" })).toThrow(/ROOMHISTORY_TLS_KEY is missing/);
    expect(() => loadConfig({ ROOMHISTORY_TLS_KEY: "/k.pem" })).toThrow(/ROOMHISTORY_TLS_CERT is missing/);
    expect(() => loadConfig({ ROOMHISTORY_TLS_CLIENT_CA: "/ca.pem" })).toThrow(/ROOMHISTORY_TLS_CLIENT_CA needs/);
  });

  it("turns Redis TLS on for rediss:// and refuses TLS files for a plaintext Redis", () => {
    expect(loadConfig({ ROOMHISTORY_REDIS_URL: "rediss://h:1" }).redisConnection.tls).toEqual({});
    expect(loadConfig({ ROOMHISTORY_REDIS_URL: "redis://h:1" }).redisConnection.tls).toBeUndefined();
    expect(loadConfig({ ROOMHISTORY_REDIS_CLUSTER: "h:1", ROOMHISTORY_REDIS_TLS: "true", ROOMHISTORY_REDIS_TLS_CA: "/ca" })
      .redisConnection.tls).toEqual({ caFile: "/ca" });
    expect(() => loadConfig({ ROOMHISTORY_REDIS_URL: "redis://h:1", ROOMHISTORY_REDIS_TLS_CA: "/ca" })).toThrow(/need TLS to Redis/);
    expect(() => loadConfig({ ROOMHISTORY_REDIS_URL: "rediss://h:1", ROOMHISTORY_REDIS_TLS: "false" })).toThrow(/contradicts/);
  });
});

interface Exit {
  code: number | null;
  log: string;
}

/**
 * `tsx src/main.ts` with `env`: resolves when it exits, or once it serves (then it is stopped with
 * SIGTERM and the log up to then is returned with code "serving").
 */
function runServer(env: Record<string, string>): Promise<Exit & { served: boolean }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT, env: { ...process.env, ROOMHISTORY_REDIS_URL: "", ROOMHISTORY_REDIS_CLUSTER: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    let served = false;
    const onData = (d: Buffer) => {
      log += d.toString();
      if (!served && log.includes("serving on")) {
        served = true;
        proc.kill("SIGTERM");
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.on("exit", (code) => resolve({ code, log, served }));
  });
}

describe.concurrent("safe by default: a non-loopback listen address", () => {
  let certs: TestCerts;
  let tokensFile: string;
  beforeAll(() => {
    certs = makeCerts();
    tokensFile = join(certs.dir, "tokens.json");
    writeFileSync(tokensFile, JSON.stringify({
      tokens: [{ name: "ci", sha256: "0".repeat(64), rooms: [""], rights: ["read", "write", "watch", "admin"] }],
    }));
  });
  const tls = () => ({ ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key });

  it("is refused without TLS and tokens: exit 2 and one line naming both", async () => {
    const port = await freePort();
    const r = await runServer({ ROOMHISTORY_LISTEN: `0.0.0.0:${port}` });
    expect(r.served).toBe(false);
    expect(r.code).toBe(2);
    const lines = r.log.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^roomhistory: refusing to listen on 0\\.0\\.0\\.0:${port}: it is not a loopback address `
      + "and TLS \\(ROOMHISTORY_TLS_CERT and ROOMHISTORY_TLS_KEY\\) and tokens \\(ROOMHISTORY_TOKENS_FILE\\) are not set"));
    expect(lines[0]).toContain("ROOMHISTORY_ALLOW_INSECURE=true");
  });

  it("is refused with TLS but no tokens ([::]), naming only the tokens", async () => {
    const r = await runServer({ ROOMHISTORY_LISTEN: `[::]:${await freePort()}`, ...tls() });
    expect(r.code).toBe(2);
    expect(r.log).toMatch(/refusing to listen on \[::\]:\d+: .* and tokens \(ROOMHISTORY_TOKENS_FILE\) is not set/);
    expect(r.log).not.toContain("TLS (ROOMHISTORY_TLS_CERT");
  });

  it("is served with ROOMHISTORY_ALLOW_INSECURE=true, after one warning line", async () => {
    const r = await runServer({ ROOMHISTORY_LISTEN: `0.0.0.0:${await freePort()}`, ROOMHISTORY_ALLOW_INSECURE: "true" });
    expect(r.served, r.log).toBe(true);
    const warnings = r.log.split("\n").filter((l) => l.includes('"level":40'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]).msg).toMatch(/^listening on 0\.0\.0\.0:\d+ without TLS .* or tokens .* because ROOMHISTORY_ALLOW_INSECURE=true/);
  });

  it("is served with TLS and a tokens file, without a warning", async () => {
    const r = await runServer({ ROOMHISTORY_LISTEN: `0.0.0.0:${await freePort()}`, ...tls(), ROOMHISTORY_TOKENS_FILE: tokensFile });
    expect(r.served, r.log).toBe(true);
    expect(r.log).not.toContain("ALLOW_INSECURE");
    expect(r.log).toMatch(/"tls":"tls"/);
  });

  it("on loopback needs neither", async () => {
    const r = await runServer({ ROOMHISTORY_LISTEN: `127.0.0.1:${await freePort()}` });
    expect(r.served, r.log).toBe(true);
    expect(r.log).not.toContain('"level":40');
  });
});
