import { expect, it } from "vitest";
import { RenderMessagesResponse } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { encodedRenderResponse, renderResponse } from "../../src/service/render.js";
import type { RoomSnapshot } from "../../src/store/store.js";

const snap: RoomSnapshot = {
  version: 7, limit: 100, rebackfill: false, exists: true, ttlSeconds: 0, retentionIsDefault: true, bytes: 0, maxBytes: 0,
  entries: [
    { role: "user", content: "héllo 👋", reactions: [{ emoji: "👍", count: 2 }] },
    { role: "assistant", content: "", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
    { role: "user", content: [{ type: "text", text: "see" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] },
  ],
};

it("pastes cached history bytes into exactly the reply renderResponse builds, in either form", () => {
  for (const form of ["messages", "json"] as const) {
    for (const system of ["You are 🤖.", ""]) {
      for (const thinking of [false, true]) {
        const fast = RenderMessagesResponse.decode(encodedRenderResponse(snap, system, thinking, form).bytes);
        expect(fast).toEqual(renderResponse(snap, system, thinking, form));
        if (form === "json") expect(JSON.parse(fast.messagesJson)).toHaveLength(system ? 5 : 4);
        else expect(fast.messages).toHaveLength(system ? 5 : 4);
      }
    }
    const empty: RoomSnapshot = { ...snap, entries: [] };
    const reply = RenderMessagesResponse.decode(encodedRenderResponse(empty, "sys", false, form).bytes);
    expect(reply).toEqual(renderResponse(empty, "sys", false, form));
  }
  const empty: RoomSnapshot = { ...snap, entries: [] };
  expect(RenderMessagesResponse.decode(encodedRenderResponse(empty, "", false, "json").bytes).messagesJson).toBe("[]");
});
