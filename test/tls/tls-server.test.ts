import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, status } from "@grpc/grpc-js";
import pino from "pino";
import type { RunningServer } from "../../src/server/server.js";
import { CertificateFiles } from "../../src/server/tls.js";
import { expectStatus, rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";
import { ServerProcess } from "../helpers/server.js";
import { waitFor } from "../helpers/ports.js";
import { makeCerts, type TestCerts } from "./certs.js";
import { clientFor, servedCommonName, startServerWith, tlsCredentials } from "./servers.js";

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});

describe("TLS (ROOMHISTORY_TLS_CERT and ROOMHISTORY_TLS_KEY)", () => {
  let app: RunningServer;
  beforeAll(async () => {
    app = await startServerWith({ ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.server.key });
  });
  afterAll(() => app.shutdown());

  it("serves a client that trusts the CA", async () => {
    const client = clientFor(app.address, tlsCredentials(certs.ca));
    const r = await rpc(client).append({ roomId: "tls-a", messages: [user("over TLS")] });
    expect(r.version).toBeGreaterThan(0);
    const h = await rpc(client).history({ roomId: "tls-a" });
    expect(h.messages.map((m) => m.content)).toEqual(["over TLS"]);
    client.close();
  });

  it("fails a plaintext client and a client trusting another CA", async () => {
    const plain = clientFor(app.address, credentials.createInsecure());
    await expectStatus(rpc(plain).info({ roomId: "tls-a" }), status.UNAVAILABLE);
    plain.close();
    const wrongCa = clientFor(app.address, tlsCredentials(certs.otherCa));
    const { err } = await expectStatus(rpc(wrongCa).info({ roomId: "tls-a" }), status.UNAVAILABLE);
    expect(err.details).toMatch(/certificate|handshake|SSL|TLS/i);
    wrongCa.close();
  });
});

describe("certificate reload", () => {
  it("serves a rotated certificate to new connections after SIGHUP's reload, while an open Watch keeps receiving", async () => {
    const cert = join(certs.dir, "live.pem");
    const key = join(certs.dir, "live.key");
    copyFileSync(certs.server.cert, cert);
    copyFileSync(certs.server.key, key);
    const app = await startServerWith({ ROOMHISTORY_TLS_CERT: cert, ROOMHISTORY_TLS_KEY: key });
    try {
      const old = clientFor(app.address, tlsCredentials(certs.ca));
      const first = await rpc(old).append({ roomId: "rot", messages: [user("before")] });
      const watch = new WatchRecorder(old, { rooms: [{ roomId: "rot", knownVersion: first.version }] });
      await watch.until((w) => w.responses.some((r) => r.created !== undefined));
      expect(await servedCommonName(app.port, certs.ca)).toBe("roomhistory-server");

      // Half a rotation (new certificate, old key): refused, and the old pair is still served.
      copyFileSync(certs.rotated.cert, cert);
      expect(app.reloadTls()).toBe(false);
      expect(await servedCommonName(app.port, certs.ca)).toBe("roomhistory-server");
      copyFileSync(certs.rotated.key, key);
      expect(app.reloadTls()).toBe(true);
      expect(await servedCommonName(app.port, certs.ca)).toBe("roomhistory-rotated");

      // A new connection (new certificate) writes; the watch opened before the reload sees it.
      const fresh = clientFor(app.address, tlsCredentials(certs.ca));
      const r = await rpc(fresh).append({ roomId: "rot", messages: [user("after")] });
      await watch.until((w) => w.changes.some((c) => c.version === r.version));
      expect(watch.error).toBeUndefined();
      // The old connection still carries calls too.
      expect((await rpc(old).history({ roomId: "rot" })).messages.map((m) => m.content)).toEqual(["before", "after"]);
      watch.cancel();
      old.close();
      fresh.close();
    } finally {
      await app.shutdown();
    }
  });

  it("reloads on SIGHUP in a server process (src/main.ts) and says so in its log", async () => {
    const cert = join(certs.dir, "hup.pem");
    const key = join(certs.dir, "hup.key");
    copyFileSync(certs.server.cert, cert);
    copyFileSync(certs.server.key, key);
    const proc = await ServerProcess.start({ ROOMHISTORY_TLS_CERT: cert, ROOMHISTORY_TLS_KEY: key });
    try {
      expect(proc.log).toMatch(/"tls":"tls"/);
      expect(await servedCommonName(proc.port, certs.ca)).toBe("roomhistory-server");
      copyFileSync(certs.rotated.cert, cert);
      copyFileSync(certs.rotated.key, key);
      process.kill(proc.pid!, "SIGHUP");
      await waitFor(() => proc.log.includes("TLS certificate reloaded"), 10_000, "the reload log line");
      // Sooner than the first poll (10 s after loading): the signal did it.
      const at = (msg: string) => JSON.parse(proc.log.split("\n").find((l) => l.includes(msg))!).time as number;
      expect(at("TLS certificate reloaded") - at("TLS certificate loaded")).toBeLessThan(10_000);
      expect(await servedCommonName(proc.port, certs.ca)).toBe("roomhistory-rotated");
    } finally {
      await proc.stop();
    }
  });

  it("notices changed files on its own, and passes on only a set that forms a TLS context", async () => {
    const cert = join(certs.dir, "poll.pem");
    const key = join(certs.dir, "poll.key");
    copyFileSync(certs.server.cert, cert);
    copyFileSync(certs.server.key, key);
    const files = new CertificateFiles({ certFile: cert, keyFile: key }, pino({ level: "silent" }), 50);
    try {
      const seen: string[] = [];
      const got = new Promise<void>((resolve) => files.addIdentityCertificateListener((u) => {
        seen.push(u!.certificate.toString());
        if (seen.length === 2) resolve();
      }));
      writeFileSync(key, "not a key");
      copyFileSync(certs.rotated.cert, cert);
      copyFileSync(certs.rotated.key, key);
      await got;
      expect(seen[1]).toContain("BEGIN CERTIFICATE");
      expect(seen[1]).not.toBe(seen[0]);
    } finally {
      files.close();
    }
  });

  it("refuses to start on a key that does not match the certificate, naming the files", async () => {
    await expect(startServerWith({ ROOMHISTORY_TLS_CERT: certs.server.cert, ROOMHISTORY_TLS_KEY: certs.client.key }))
      .rejects.toThrow(/roomhistory-server\.pem and .*worker-a\.key do not form a TLS context/);
    await expect(startServerWith({ ROOMHISTORY_TLS_CERT: join(certs.dir, "missing.pem"), ROOMHISTORY_TLS_KEY: certs.server.key }))
      .rejects.toThrow(/ROOMHISTORY_TLS_CERT .*missing\.pem: ENOENT/);
  });
});
