/**
 * The client's trust options without a server: which targets may receive a token over plaintext
 * (clients/testdata/trust-vectors.json, which the Python client runs too) and the option combinations
 * the constructor refuses. TLS and tokens against a real server: trust-e2e.test.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { credentials } from "@grpc/grpc-js";
import { isLoopback, RoomHistoryClient } from "@roomhistory/client";

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
