/**
 * Authentication on a real server (in-memory store): missing, malformed, unknown, expired and revoked
 * tokens; the tokens file reloaded without a restart (on change and by SIGHUP's reload), an invalid
 * file keeping the old tokens; revoked and expiring tokens' Watch streams ended with UNAUTHENTICATED
 * within a second; health and reflection without a token; audit lines without secrets.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { sha256Hex } from "../../src/auth/token-file.js";
import { rpc, user } from "../helpers/rpc.js";
import { waitFor } from "../helpers/ports.js";
import { grpcurl } from "../tls/servers.js";
import { details, entry, failure, startAuthServer, TokensFile, type AuthServer } from "./helpers.js";

const ALL = ["read", "write", "watch", "admin"];
let server: AuthServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(entries: object[], env: Record<string, string> = {}) {
  const file = new TokensFile(entries);
  server = await startAuthServer(file.path, env);
  return { file, server };
}

describe("authentication", () => {
  it("answers UNAUTHENTICATED with the reason for a missing, malformed, unknown or expired token", async () => {
    const { server } = await start([
      entry("good", "rh_good", [""], ALL),
      entry("old", "rh_old", [""], ALL, { expires_at: "2020-01-01T00:00:00Z" }),
    ]);
    const cases: [string | undefined, string][] = [
      [undefined, "TOKEN_MISSING"], ["rh_unknown", "TOKEN_INVALID"], ["rh_old", "TOKEN_EXPIRED"],
    ];
    for (const [token, reason] of cases) {
      const err = await failure(rpc(server.client(token)).info({ roomId: "r" }));
      expect(err?.code, reason).toBe(status.UNAUTHENTICATED);
      expect(details(err!).info?.reason).toBe(reason);
    }
    const malformed = server.client(undefined);
    const md = new Metadata();
    md.set("authorization", "Basic abc");
    const err = await new Promise<{ code: number } | null>((resolve) => malformed.getRoomInfo({ roomId: "r" }, md, (e) => resolve(e)));
    expect(err?.code).toBe(status.UNAUTHENTICATED);
    expect(await rpc(server.client("rh_good")).info({ roomId: "r" })).toMatchObject({ exists: false });
  });

  it("lets health and reflection through without a token", async () => {
    const { server } = await start([entry("good", "rh_good", [""], ALL)]);
    const health = await grpcurl("-plaintext", server.app.address, "grpc.health.v1.Health/Check");
    expect(health.stdout).toContain("SERVING");
    const list = await grpcurl("-plaintext", server.app.address, "list");
    expect(list.stdout).toContain("roomhistory.v1.RoomHistoryService");
    // The README's recipe: the same token in a header.
    const call = await grpcurl("-plaintext", "-H", "authorization: Bearer rh_good", "-d", '{"room_id": "r"}',
      server.app.address, "roomhistory.v1.RoomHistoryService/GetRoomInfo");
    expect(call.code, call.stderr).toBe(0);
    const denied = await grpcurl("-plaintext", "-d", '{"room_id": "r"}', server.app.address, "roomhistory.v1.RoomHistoryService/GetRoomInfo");
    expect(denied.stderr).toContain("Unauthenticated");
  });

  it("refuses to start on a tokens file it cannot parse, naming the mistake", async () => {
    const file = new TokensFile([{ name: "x", sha256: "abc", rooms: [""], rights: ["read"] }]);
    await expect(startAuthServer(file.path)).rejects.toThrow(/tokens\[0\]\.sha256: must be 64 hex digits/);
    await expect(startAuthServer(`${file.dir}/missing.json`)).rejects.toThrow(/ROOMHISTORY_TOKENS_FILE/);
  });
});

describe("reload", () => {
  it("takes a changed file without a restart and keeps the old tokens when the new file is invalid", async () => {
    const { file, server } = await start([entry("a", "rh_a", [""], ALL)]);
    const b = rpc(server.client("rh_b"));
    expect((await failure(b.info({ roomId: "r" })))?.code).toBe(status.UNAUTHENTICATED);
    file.write([entry("a", "rh_a", [""], ALL), entry("b", "rh_b", [""], ["read"])]);
    await waitFor(async () => (await failure(b.info({ roomId: "r" }))) === undefined, 3000, "token b accepted");

    file.write("{ not json");
    await waitFor(() => server.logs.lines.some((l) => l.msg === "tokens file invalid: keeping the previous tokens"), 3000, "error logged");
    expect(await failure(b.info({ roomId: "r" }))).toBeUndefined();

    // What SIGHUP runs: a rewrite the watchers have not seen yet takes effect at once.
    file.write([entry("a", "rh_a", [""], ALL)]);
    expect(server.app.auth!.reload()).toBe(true);
    expect((await failure(b.info({ roomId: "r" })))?.code).toBe(status.UNAUTHENTICATED);
  });

  it("ends a revoked token's Watch with UNAUTHENTICATED within a second, and leaves others running", async () => {
    const { file, server } = await start([entry("keep", "rh_keep", [""], ALL), entry("gone", "rh_gone", [""], ALL)]);
    const [kept, revoked] = [opened(server, "rh_keep"), opened(server, "rh_gone")];
    await Promise.all([kept.created, revoked.created]);
    const t0 = performance.now();
    file.write([entry("keep", "rh_keep", [""], ALL)]);
    const err = await revoked.ended;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(details(err).info?.reason).toBe("TOKEN_REVOKED");
    // The other stream still hears changes.
    await rpc(server.client("rh_keep")).append({ roomId: "w", messages: [user("hi")] });
    await kept.change;
    expect(server.app.watch.openStreams).toBe(1);
  });

  it("ends a Watch with PERMISSION_DENIED when a reload takes its room or the watch right away", async () => {
    const { file, server } = await start([entry("w", "rh_w", ["w"], ALL), entry("v", "rh_v", [""], ALL)]);
    const [narrowed, unwatched] = [opened(server, "rh_w"), opened(server, "rh_v")];
    await Promise.all([narrowed.created, unwatched.created]);
    const t0 = performance.now();
    file.write([entry("w", "rh_w", ["x/"], ALL), entry("v", "rh_v", [""], ["read"])]);
    const [a, b] = await Promise.all([narrowed.ended, unwatched.ended]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect([a.code, details(a).info?.reason, details(a).info?.metadata.room]).toEqual([status.PERMISSION_DENIED, "ROOM_OUT_OF_SCOPE", "w"]);
    expect([b.code, details(b).info?.reason]).toEqual([status.PERMISSION_DENIED, "RIGHT_MISSING"]);
  });

  it("ends a Watch with TOKEN_EXPIRED within a second of its token's expiry", async () => {
    const expiresAt = new Date(Date.now() + 700);
    const { server } = await start([entry("brief", "rh_brief", [""], ALL, { expires_at: expiresAt.toISOString() })]);
    const w = opened(server, "rh_brief");
    await w.created;
    const err = await w.ended;
    expect(Date.now() - expiresAt.getTime()).toBeLessThan(1000);
    expect(details(err).info?.reason).toBe("TOKEN_EXPIRED");
    await waitFor(() => server.app.watch.openStreams === 0, 2000, "session released");
  });
});

describe("audit", () => {
  it("writes one line per denied call and per admin call, without the token or its hash", async () => {
    const { server } = await start([entry("reader", "rh_secret_reader", ["a/"], ["read"]), entry("ops", "rh_secret_ops", [""], ["admin"])]);
    await failure(rpc(server.client("rh_secret_reader")).info({ roomId: "b/1" }));
    await failure(rpc(server.client("rh_secret_reader")).clear({ roomId: "a/1" }));
    await failure(rpc(server.client("rh_nobody")).info({ roomId: "a/1" }));
    await rpc(server.client("rh_secret_ops")).deleteRoom({ roomId: "a/1" });
    await rpc(server.client("rh_secret_reader")).info({ roomId: "a/1" }); // allowed, not admin: no line
    expect(server.logs.audit.map(({ audit, token, method, room, outcome, reason }) => ({ audit, token, method, room, outcome, reason })))
      .toEqual([
        { audit: "denied", token: "reader", method: "GetRoomInfo", room: "b/1", outcome: "PERMISSION_DENIED", reason: "ROOM_OUT_OF_SCOPE" },
        { audit: "denied", token: "reader", method: "ClearRoom", room: undefined, outcome: "PERMISSION_DENIED", reason: "RIGHT_MISSING" },
        { audit: "denied", token: undefined, method: "GetRoomInfo", room: undefined, outcome: "UNAUTHENTICATED", reason: "TOKEN_INVALID" },
        { audit: "admin", token: "ops", method: "DeleteRoom", room: "a/1", outcome: "OK", reason: undefined },
      ]);
    const text = server.logs.raw.join("\n");
    for (const secret of ["rh_secret_reader", "rh_secret_ops", "rh_nobody"]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(sha256Hex(secret));
    }
  });
});

/** A Watch on room "w" with a token: when `created` arrives, the first change, and how it ended. */
function opened(server: AuthServer, token: string) {
  const stream = server.client(token).watch({ rooms: [{ roomId: "w", knownVersion: 0 }], progressIntervalMs: 0, versionsOnly: false });
  let seen = 0;
  const created = new Promise<void>((resolve) => stream.on("data", () => seen++ === 0 && resolve()));
  const change = new Promise<void>((resolve) => stream.on("data", (r: { change?: unknown }) => r.change && resolve()));
  const ended = new Promise<ServiceError>((resolve) => stream.on("error", resolve));
  return { created, change, ended };
}
