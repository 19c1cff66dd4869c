/**
 * The client's trust options without a server: which targets may receive a token over plaintext
 * (clients/testdata/trust-vectors.json, which the Python client runs too) and the option combinations
 * the constructor refuses. TLS and tokens against a real server: trust-e2e.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credentials } from "@grpc/grpc-js";
import { isLoopback, RoomHistoryClient, trustFromEnv } from "@roomhistory/client";

const vectors = JSON.parse(
  readFileSync(new URL("../../testdata/trust-vectors.json", import.meta.url), "utf8"),
) as { loopback: Record<string, boolean> };

describe("trust options", () => {
  it.each(Object.entries(vectors.loopback))("%s is loopback: %s", (target, loopback) => {
    expect(isLoopback(target)).toBe(loopback);
  });

  it("a token goes to a loopback address over plaintext, never to another one", () => {
    new RoomHistoryClient("127.0.0.1:1", { token: "t" }).close();
    expect(() => new RoomHistoryClient("10.0.0.5:50051", { token: "t" })).toThrow(/only over TLS/);
    expect(() => new RoomHistoryClient("10.0.0.5:50051", { tokenProvider: () => "t" })).toThrow(/only over TLS/);
  });

  it("a token over TLS goes to any address", () => {
    new RoomHistoryClient("10.0.0.5:50051", { token: "t", tls: {} }).close();
    new RoomHistoryClient("10.0.0.5:50051", { token: "t", credentials: credentials.createSsl() }).close();
  });

  it("refuses contradictory or empty options", () => {
    expect(() => new RoomHistoryClient("127.0.0.1:1", { token: "t", tokenProvider: () => "t" })).toThrow(/not both/);
    expect(() => new RoomHistoryClient("127.0.0.1:1", { tls: {}, credentials: credentials.createSsl() }))
      .toThrow(/not both/);
    expect(() => new RoomHistoryClient("127.0.0.1:1", { token: "" })).toThrow(/token: empty/);
  });
});

describe("trustFromEnv (clients/testdata/trust-vectors.json, from_env)", () => {
  const { from_env: cases } = JSON.parse(
    readFileSync(new URL("../../testdata/trust-vectors.json", import.meta.url), "utf8"),
  ) as { from_env: { env: Record<string, string>; tls: boolean; pems: string[]; server_name: string | null; token: string | null }[] };
  const pem = join(mkdtempSync(join(tmpdir(), "roomhistory-trust-env-")), "x.pem");
  writeFileSync(pem, "PEM");

  it.each(cases.map((c) => [JSON.stringify(c.env), c] as const))("%s", (_, c) => {
    const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, v === "$PEM" ? pem : v]));
    const got = trustFromEnv(env);
    expect(got.tls !== undefined).toBe(c.tls);
    const pems = (["ca", "cert", "key"] as const).filter((k) => got.tls?.[k] !== undefined);
    expect(pems).toEqual(c.pems);
    for (const k of pems) expect(got.tls?.[k]?.toString()).toBe("PEM");
    expect(got.tls?.serverName ?? null).toBe(c.server_name);
    expect(got.token ?? null).toBe(c.token);
  });
});
