/**
 * The shared specification (clients/testdata/*.json), run against the TypeScript client without a
 * server; the Python client runs the same files (clients/python/tests/test_vectors.py).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import {
  GetHistoryResponse, Message, RoomChange, RoomHistoryClient, afterFetch, isRetryableStatus, nextStep, retrySafe,
  type RoomWindow,
} from "@roomhistory/client";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";

const testdata = (name: string) =>
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

const windowOf = (w: JsonWindow): RoomWindow => ({ version: w.version, messages: w.messages.map(Message.fromJSON) });

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
  };

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
