/**
 * Token counts and the max_tokens cut, on snapshots (no server): OpenAI's counting rule checked
 * against an independent count, budgets that fit exactly, cut a unit, keep only the system prompt,
 * or refuse the system prompt alone; tool calls never split from their results; Anthropic calibration.
 */
import { describe, expect, it } from "vitest";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { renderOptions, renderResponse } from "../../src/service/render.js";
import type { Entry } from "../../src/domain/entry.js";
import type { RenderDefaults, RoomSnapshot } from "../../src/store/store.js";
import { DomainError } from "../../src/domain/errors.js";

const snap = (entries: Entry[], renderDefaults?: RenderDefaults): RoomSnapshot => ({
  version: 5, limit: 100, rebackfill: false, exists: true, ttlSeconds: 0, retentionIsDefault: true, bytes: 0, maxBytes: 0,
  entries, renderDefaults,
});
const SYSTEM = "You are a helpful assistant.";
type Req = Parameters<typeof renderOptions>[0];
const render = (entries: Entry[], req: Req = {}, defaults?: RenderDefaults) =>
  renderResponse(snap(entries, defaults), SYSTEM, renderOptions({ form: 2, ...req }, defaults));
const roles = (r: { messagesJson: string }) => (JSON.parse(r.messagesJson) as { role: string }[]).map((m) => m.role);

/** openai-cookbook's num_tokens_from_messages, written out for plain string messages. */
function cookbook(messages: Record<string, string>[], count: (s: string) => number): number {
  let n = 3;
  for (const m of messages) {
    n += 3;
    for (const [k, v] of Object.entries(m)) n += count(v) + (k === "name" ? 1 : 0);
  }
  return n;
}

const chat: Entry[] = [
  { role: "user", id: "1", sender: "ana", content: "Can you summarise the meeting notes from Tuesday?" },
  { role: "assistant", id: "2", content: "Sure: budget approved, launch moved to May, hiring paused." },
  { role: "user", id: "3", sender: "Zoë", content: "Thanks! 谢谢" },
];

describe("counting", () => {
  it("counts text messages exactly as OpenAI's rule does, in the request's encoding", () => {
    for (const [encoding, count] of [[1, o200k], [2, cl100k]] as const) {
      const r = render(chat, { encoding });
      const json = JSON.parse(r.messagesJson) as Record<string, string>[];
      expect(r.estimatedTokens).toBe(cookbook(json, count));
      expect([r.encoding, r.tokensExact]).toEqual([encoding, true]);
    }
    expect(render(chat, { encoding: 2 }).estimatedTokens).not.toBe(render(chat, { encoding: 1 }).estimatedTokens);
  });

  it("uses the room's encoding when the request names none, else o200k_base", () => {
    const room: RenderDefaults = { template: "", encoding: "cl100k_base", calibration: 1, samples: 0 };
    expect(render(chat, {}, room).encoding).toBe(2);
    expect(render(chat, {}, room).estimatedTokens).toBe(render(chat, { encoding: 2 }).estimatedTokens);
    expect(render(chat, { encoding: 1 }, room).encoding).toBe(1);
    expect(render(chat).encoding).toBe(1);
  });

  it("multiplies Anthropic estimates by the room's calibration, never OpenAI's", () => {
    const room: RenderDefaults = { template: "", encoding: "", calibration: 1.5, samples: 3 };
    const raw = render(chat, { format: 2 }).estimatedTokens;
    expect(render(chat, { format: 2 }, room).estimatedTokens).toBe(Math.ceil(raw * 1.5));
    expect(render(chat, { format: 2 }, room).tokensExact).toBe(false);
    expect(render(chat, {}, room).estimatedTokens).toBe(render(chat).estimatedTokens);
  });

  it("counts an empty room as its system prompt and the reply priming", () => {
    const r = render([]);
    expect(r.estimatedTokens).toBe(cookbook([{ role: "system", content: SYSTEM }], o200k));
    expect([r.truncated, r.droppedMessages]).toEqual([false, 0]);
  });
});

describe("max_tokens", () => {
  const full = render(chat).estimatedTokens;

  it("keeps everything when the budget fits exactly, and drops the oldest unit one token below", () => {
    expect(render(chat, { maxTokens: full })).toMatchObject({ truncated: false, droppedMessages: 0, estimatedTokens: full });
    const cut = render(chat, { maxTokens: full - 1 });
    expect(cut).toMatchObject({ truncated: true, droppedMessages: 1 });
    expect(roles(cut)).toEqual(["system", "assistant", "user"]);
    expect(cut.estimatedTokens).toBeLessThanOrEqual(full - 1);
  });

  it("keeps only the system prompt when the newest unit does not fit, and refuses a system prompt alone over budget", () => {
    const systemOnly = render([]).estimatedTokens;
    const r = render(chat, { maxTokens: systemOnly + 5 });
    expect(roles(r)).toEqual(["system"]);
    expect(r).toMatchObject({ truncated: true, droppedMessages: 3, estimatedTokens: systemOnly });
    let err: DomainError | undefined;
    try {
      render(chat, { maxTokens: systemOnly - 1 });
    } catch (e) {
      err = e as DomainError;
    }
    expect([err?.code, err?.metadata.field]).toEqual(["TOO_LARGE", "max_tokens"]);
  });

  it("never splits an assistant's tool calls from their results, nor starts with a result", () => {
    const calls: Entry[] = [
      { role: "user", content: "look both up" },
      { role: "assistant", content: "", tool_calls: [
        { id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"a"}' } },
        { id: "c2", type: "function", function: { name: "lookup", arguments: '{"q":"b"}' } },
      ] },
      { role: "tool", tool_call_id: "c1", content: "result a ".repeat(50) },
      { role: "tool", tool_call_id: "c2", content: "b" },
      { role: "user", content: "thanks" },
    ];
    const all = render(calls).estimatedTokens;
    const seen = new Set<string>();
    for (let budget = render([]).estimatedTokens; budget <= all; budget++) {
      const r = render(calls, { maxTokens: budget });
      const kept = roles(r).slice(1);
      seen.add(kept.join(","));
      expect(kept[0]).not.toBe("tool");
      expect(r.estimatedTokens).toBeLessThanOrEqual(budget);
    }
    expect([...seen]).toEqual(["", "user", "assistant,tool,tool,user", "user,assistant,tool,tool,user"]);
  });

  it("Anthropic: a cut that starts at an assistant turn gets the placeholder user turn, inside the budget", () => {
    const long: Entry[] = [
      { role: "user", content: "first ".repeat(100) }, { role: "assistant", content: "reply" }, { role: "user", content: "next" },
    ];
    const all = render(long, { format: 2 }).estimatedTokens;
    for (let budget = render([], { format: 2 }).estimatedTokens; budget <= all; budget++) {
      const r = render(long, { format: 2, maxTokens: budget });
      const turns = roles(r);
      expect(turns.every((role, i) => role === (i % 2 ? "assistant" : "user"))).toBe(true);
      expect(r.estimatedTokens).toBeLessThanOrEqual(budget);
    }
  });

  it("cuts a huge single message whole", () => {
    const huge: Entry[] = [{ role: "user", content: "word ".repeat(50_000) }, { role: "assistant", content: "ok" }];
    const r = render(huge, { maxTokens: 1000 });
    expect(roles(r)).toEqual(["system", "assistant"]);
    expect(r).toMatchObject({ truncated: true, droppedMessages: 1 });
  });
});
