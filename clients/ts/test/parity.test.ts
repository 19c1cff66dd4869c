/**
 * The parity table (clients/testdata/parity.json), TypeScript side: every name it gives exists in
 * @roomhistory/client (an export, or a member of one: on its prototype or, for a field, on an instance),
 * every exported error class has a row, and the defaults are the table's. The Python side, and the
 * tables in both READMEs, are checked by clients/python/tests/test_parity.py.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as api from "@roomhistory/client";
import type { RoomHistoryClientOptions, TlsOptions } from "@roomhistory/client";
import { RoomHistoryServiceService } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";

interface Parity {
  rows: { what: string; ts: string | string[] | null; python: string[] | null }[];
  defaults: { what: string; seconds?: number; count?: number; ts: { name: string; unit?: string } }[];
  options: { what: string; ts: string | null; python: string | null }[];
}

/** Every key of the option types, as the compiler sees them: adding an option without listing it fails tsc. */
const CLIENT_OPTIONS: Record<keyof RoomHistoryClientOptions, true> = {
  timeoutMs: true, backoff: true, credentials: true, tls: true, token: true, tokenProvider: true, channelOptions: true, loadBalancing: true,
};
const TLS_OPTIONS: Record<keyof TlsOptions, true> = { ca: true, cert: true, key: true, serverName: true };
const optionNames = [
  ...Object.keys(CLIENT_OPTIONS).filter((k) => k !== "tls"), ...Object.keys(TLS_OPTIONS).map((k) => `tls.${k}`),
];
const parity = JSON.parse(
  readFileSync(new URL("../../testdata/parity.json", import.meta.url), "utf8"),
) as Parity;
const exports = api as unknown as Record<string, unknown>;

/** Instances whose fields (not on the prototype) a row may name. */
function instanceOf(name: string): Record<string, unknown> | undefined {
  const client = new api.RoomHistoryClient("127.0.0.1:1");
  const instances: Record<string, object> = { RoomHistoryClient: client, WatchStream: client.watch(["r"]) };
  client.close();
  return instances[name] as Record<string, unknown> | undefined;
}

function exists(path: string): boolean {
  const [head, member] = path.split(".");
  const value = exports[head];
  if (value === undefined) return false;
  if (member === undefined) return true;
  if (typeof value === "function") {
    const proto = (value as { prototype: object }).prototype;
    return member in proto || member in value || member in (instanceOf(head) ?? {});
  }
  return member in (value as object);
}

describe("parity table (clients/testdata/parity.json)", () => {
  const names = parity.rows.flatMap((r) => (r.ts === null ? [] : typeof r.ts === "string" ? [r.ts] : r.ts));

  it.each(names)("%s exists", (name) => {
    expect(exists(name)).toBe(true);
  });

  it("every RPC of the service is a RoomHistoryClient method of its name, with a row", () => {
    const rpcs = Object.keys(RoomHistoryServiceService);
    const client = api.RoomHistoryClient.prototype as unknown as Record<string, unknown>;
    expect(rpcs.filter((m) => typeof client[m] !== "function")).toEqual([]);
    expect(rpcs.filter((m) => m !== "watch" && !names.includes(`RoomHistoryClient.${m}`))).toEqual([]);
  });

  it("every exported error class has a row", () => {
    const errors = Object.entries(exports)
      .filter(([, v]) => typeof v === "function" && (v === api.RoomHistoryError || v.prototype instanceof api.RoomHistoryError))
      .map(([k]) => k);
    expect(errors.filter((e) => !names.includes(e))).toEqual([]);
  });

  it("every client option has a row, and every row's option exists", () => {
    const rows = parity.options.flatMap((o) => (o.ts ? [o.ts] : []));
    expect([...rows].sort()).toEqual([...optionNames].sort());
  });

  it.each(parity.defaults.map((d) => [d.what, d] as const))("default: %s", (_, d) => {
    const [head, member] = d.ts.name.split(".");
    const value = member ? (exports[head] as Record<string, number>)[member] : exports[head];
    const expected = d.seconds !== undefined ? d.seconds * (d.ts.unit === "ms" ? 1000 : 1) : d.count;
    expect(value).toBe(expected);
  });
});
