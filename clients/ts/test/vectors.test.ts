/**
 * The shared specification (clients/testdata/*.json), run against the TypeScript client without a
 * server; the Python client runs the same files (clients/python/tests/test_vectors.py).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Metadata, status } from "@grpc/grpc-js";
import * as api from "@roomhistory/client";
import {
  Backoff, GetHistoryResponse, Message, RoomChange, RoomHistoryClient, RoomHistoryError, UnavailableError,
  WatchResponse, advanceCursor, afterFetch, isRetryableStatus, nextStep, resumeDelay, retrySafe, retryWait, shouldResume,
  toRoomHistoryError, MAX_RETRY_INFO_DELAY_MS,
  type RoomWindow,
} from "@roomhistory/client";
import { ErrorInfo, RetryInfo } from "@roomhistory/client/gen/google/rpc/error_details.js";
import { Status } from "@roomhistory/client/gen/google/rpc/status.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";

const testdata = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../testdata/${name}`, import.meta.url), "utf8"));

interface JsonWindow {
  version: number;
  messages: unknown[];
}
interface WindowCase {
  name: string;
  window: JsonWindow;
  steps: { change: unknown; fetches?: { after_seq: number; response: unknown }[]; window: JsonWindow }[];
}

const windowOf = (w: JsonWindow): RoomWindow => ({ version: w.version, messages: w.messages.map((m) => Message.fromJSON(m)) });

/** Runs one step as the mirror does: nextStep, then every read it asks for, in order. */
function runStep(window: RoomWindow, step: WindowCase["steps"][number]): RoomWindow {
  const change = RoomChange.fromJSON(step.change);
  const fetches = step.fetches ?? [];
  let next = nextStep(window, change);
  let reads = 0;
  while (next.action === "fetch") {
    const expected = fetches[reads++];
    expect(expected, `an unexpected read (after_seq ${next.afterSeq})`).toBeDefined();
    expect(next.afterSeq).toBe(expected.after_seq);
    next = afterFetch(window, change, next.afterSeq, GetHistoryResponse.fromJSON(expected.response));
  }
  expect(reads, "reads made").toBe(fetches.length);
  return next.action === "apply" ? next.window : window;
}

describe("window vectors (clients/testdata/window-vectors.json)", () => {
  const { cases } = testdata("window-vectors.json") as { cases: WindowCase[] };
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    let window = windowOf(c.window);
    for (const [i, step] of c.steps.entries()) {
      const before = structuredClone(window);
      const after = runStep(window, step);
      expect(window, `step ${i} mutated its input`).toEqual(before);
      expect(after, `after step ${i}`).toEqual(windowOf(step.window));
      window = after;
    }
  });
});

describe("retry vectors (clients/testdata/retry-vectors.json)", () => {
  const vectors = testdata("retry-vectors.json") as {
    codes: Record<string, boolean>;
    calls: { rpc: string; request: unknown; retried: boolean }[];
    max_retry_info_ms: number;
    waits: { status: string; retry_info_ms?: number; backoff_ms: number; remaining_ms: number; wait_ms: number | null }[];
  };

  it("RetryInfo delays are capped as the vectors say", () => {
    expect(MAX_RETRY_INFO_DELAY_MS).toBe(vectors.max_retry_info_ms);
  });

  it.each(vectors.waits.map((w) => [w.status, JSON.stringify(w), w] as const))("wait after %s %s", (_, __, w) => {
    const wait = retryWait(codeOf(w.status), w.retry_info_ms, w.backoff_ms, w.remaining_ms);
    expect(wait ?? null).toBe(w.wait_ms);
  });

  it.each(Object.entries(vectors.codes))("status %s retryable: %s", (name, retryable) => {
    expect(isRetryableStatus(status[name as keyof typeof status] as number)).toBe(retryable);
  });

  it.each(vectors.calls.map((c) => [c.rpc, JSON.stringify(c.request), c.retried, c] as const))(
    "%s %s retried: %s",
    (rpc, _, retried, c) => {
      const type = (pb as unknown as Record<string, { fromJSON(o: unknown): object }>)[`${rpc}Request`];
      const method = rpc[0].toLowerCase() + rpc.slice(1);
      expect(method in RoomHistoryClient.prototype, `RoomHistoryClient.${method}`).toBe(true);
      expect(retrySafe(method, type.fromJSON(c.request))).toBe(retried);
    },
  );
});

/** proto style (current_version) to this client's (currentVersion). */
const camel = (name: string) => name.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
const codeOf = (name: string) => status[name as keyof typeof status] as number;

describe("error vectors (clients/testdata/error-vectors.json)", () => {
  interface ErrorCase {
    name: string;
    status: string;
    details: string;
    error_info?: { reason: string; metadata: Record<string, string> };
    retry_info?: { retry_delay_ms?: number };
    error: { class: string; ancestors: string[]; fields: Record<string, unknown> };
  }
  const { cases } = testdata("error-vectors.json") as { cases: ErrorCase[] };
  const classes = api as unknown as Record<string, new (...args: never[]) => Error>;

  /** A failed call as grpc-js reports it: code, details and the trailers with grpc-status-details-bin. */
  function serviceError(c: ErrorCase): object {
    const metadata = new Metadata();
    const details = [];
    if (c.error_info) {
      const info = ErrorInfo.encode({ ...c.error_info, domain: "roomhistory.v1" }).finish();
      details.push({ typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: Buffer.from(info) });
    }
    if (c.retry_info) {
      const ms = c.retry_info.retry_delay_ms;
      const retryDelay = ms === undefined ? undefined : { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
      const value = Buffer.from(RetryInfo.encode({ retryDelay }).finish());
      details.push({ typeUrl: "type.googleapis.com/google.rpc.RetryInfo", value });
    }
    if (details.length) {
      const detail = Status.encode({ code: codeOf(c.status), message: c.details, details });
      metadata.set("grpc-status-details-bin", Buffer.from(detail.finish()));
    }
    return Object.assign(new Error(c.details), { code: codeOf(c.status), details: c.details, metadata });
  }

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const err = toRoomHistoryError(serviceError(c));
    expect(err.constructor.name).toBe(c.error.class);
    expect(err).toBeInstanceOf(classes[c.error.class]);
    expect(err).toBeInstanceOf(RoomHistoryError);
    for (const ancestor of c.error.ancestors) expect(err).toBeInstanceOf(classes[ancestor]);
    for (const [field, value] of Object.entries(c.error.fields)) {
      const actual = field === "code" ? err.codeName : (err as unknown as Record<string, unknown>)[camel(field)];
      expect(actual ?? null, field).toEqual(value);
    }
  });
});

describe("watch vectors (clients/testdata/watch-vectors.json)", () => {
  const vectors = testdata("watch-vectors.json") as {
    resume: Record<string, boolean>;
    retry_info: { status: string; retry_info_ms: number; backoff_ms: number; delay_ms: number | null }[];
    cursors: {
      name: string; cursors: Record<string, number>; responses: unknown[]; delivered: [string, number][];
      cursors_after: Record<string, number>;
    }[];
    backoff: {
      policy: { initial_ms: number; max_ms: number; multiplier: number };
      delays: { attempt: number; random: number; delay_ms: number }[];
    };
  };

  it.each(Object.entries(vectors.resume))("a stream failed with %s resumes: %s", (name, resumes) => {
    const err = toRoomHistoryError(Object.assign(new Error(name), { code: codeOf(name), details: name }));
    expect(shouldResume(err)).toBe(resumes);
  });

  it.each(vectors.retry_info.map((r) => [r.status, r.retry_info_ms, r] as const))(
    "a stream failed with %s and a RetryInfo of %i ms",
    (name, _, r) => {
      const Class = toRoomHistoryError(Object.assign(new Error(name), { code: codeOf(name) })).constructor as
        new (code: number, details: string, detail: api.ErrorDetail) => RoomHistoryError;
      const err = new Class(codeOf(name), name, { reason: "", metadata: {}, retryDelayMs: r.retry_info_ms });
      expect(resumeDelay(err, r.backoff_ms) ?? null).toBe(r.delay_ms);
    },
  );

  it("a stream ended or silent resumes (the watch reports either as UNAVAILABLE)", () => {
    expect(shouldResume(new UnavailableError(status.UNAVAILABLE, "watch stream ended by the server"))).toBe(true);
  });

  it.each(vectors.cursors.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const cursors = new Map(Object.entries(c.cursors));
    const delivered: [string, number][] = [];
    for (const json of c.responses) {
      const { change } = WatchResponse.fromJSON(json);
      if (change && advanceCursor(cursors, change)) delivered.push([change.roomId, change.version]);
    }
    expect(delivered).toEqual(c.delivered);
    expect(Object.fromEntries(cursors)).toEqual(c.cursors_after);
  });

  it.each(vectors.backoff.delays.map((d) => [d.attempt, d.random, d.delay_ms] as const))(
    "backoff attempt %i, random %f: %f ms",
    (attempt, random, delayMs) => {
      const { initial_ms, max_ms, multiplier } = vectors.backoff.policy;
      const backoff = new Backoff({ initialMs: initial_ms, maxMs: max_ms, multiplier, maxAttempts: 5 }, () => random);
      for (let i = 0; i < attempt; i++) backoff.next();
      expect(backoff.next()).toBeCloseTo(delayMs, 9);
    },
  );

  it("the defaults are the vectors' policy", () => {
    const { initial_ms, max_ms, multiplier } = vectors.backoff.policy;
    expect(api.DEFAULT_BACKOFF).toMatchObject({ initialMs: initial_ms, maxMs: max_ms, multiplier });
  });
});
