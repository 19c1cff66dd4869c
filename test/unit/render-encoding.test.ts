import { expect, it } from "vitest";
import { RenderMessagesResponse } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { encodedRenderResponse, renderOptions, renderResponse, type RenderOptions } from "../../src/service/render.js";
import type { RoomSnapshot } from "../../src/store/store.js";
import type { Derived } from "../../src/store/snapshot-cache.js";

const snap: RoomSnapshot = {
  version: 7, limit: 100, rebackfill: false, exists: true, ttlSeconds: 0, retentionIsDefault: true, bytes: 0, maxBytes: 0,
  entries: [
    { role: "user", id: "u1", sender: "Zoë", content: "héllo 👋", reactions: [{ emoji: "👍", count: 2 }] },
    { role: "assistant", id: "a1", content: "", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
    { role: "user", id: "u2", content: [{ type: "text", text: "see" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] },
    { role: "assistant", id: "a2", content: "nice", kind: "thinking" },
  ],
};

const variants = (): RenderOptions[] => {
  const out: RenderOptions[] = [];
  for (const format of [1, 2]) {
    for (const form of [1, 2]) {
      for (const includeThinking of [false, true]) {
        for (const maxTokens of [0, 40, 10_000]) out.push(renderOptions({ format, form, includeThinking, maxTokens }));
      }
    }
  }
  return out;
};

it("pastes cached history bytes into exactly the reply renderResponse builds, in every form, format and cut", () => {
  for (const o of variants()) {
    for (const system of ["You are 🤖.", ""]) {
      const fast = RenderMessagesResponse.decode(encodedRenderResponse(snap, system, o).reply.bytes);
      expect(fast, JSON.stringify(o)).toEqual(renderResponse(snap, system, o));
    }
    const empty: RoomSnapshot = { ...snap, entries: [] };
    const reply = RenderMessagesResponse.decode(encodedRenderResponse(empty, "sys", o).reply.bytes);
    expect(reply).toEqual(renderResponse(empty, "sys", o));
  }
  const empty: RoomSnapshot = { ...snap, entries: [] };
  const json = renderOptions({ form: 2 });
  expect(RenderMessagesResponse.decode(encodedRenderResponse(empty, "", json).reply.bytes).messagesJson).toBe("[]");
});

it("shapes and counts a window once per snapshot and options, and encodes it once per cut", () => {
  const made: string[] = [];
  const cache = new Map<string, unknown>();
  const memo = <T>(key: string, make: () => Derived<T>): T => {
    // The whole-reply slots (src/prompt/response-cache.ts) are not shaping or encoding work.
    if (!cache.has(key)) {
      if (!key.startsWith("reply:")) made.push(key);
      cache.set(key, make().value);
    }
    return cache.get(key) as T;
  };
  const o = renderOptions({ maxTokens: 10_000 });
  for (let i = 0; i < 3; i++) encodedRenderResponse(snap, "sys", o, memo);
  expect(made).toHaveLength(2);
  encodedRenderResponse(snap, "sys", renderOptions({ maxTokens: 30 }), memo); // another cut: same shaping
  expect(made).toHaveLength(3);
  encodedRenderResponse(snap, "sys", renderOptions({ maxTokens: 30, encoding: 2 }), memo); // another count
  encodedRenderResponse(snap, "sys", renderOptions({ idMarkers: 2 }), memo);
  encodedRenderResponse(snap, "sys", renderOptions({ senderStyle: 3 }), memo);
  encodedRenderResponse(snap, "sys", renderOptions({ format: 2 }), memo);
  encodedRenderResponse(snap, "sys", renderOptions({ form: 2 }), memo);
  expect(new Set(made).size).toBe(made.length);
  expect(made).toHaveLength(3 + 2 + 2 + 2 + 2 + 1);
});
