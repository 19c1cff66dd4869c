import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { serversForEachStore, STORE_KINDS } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";
import { countTokens } from "../../src/prompt/tokens.js";

const servers = serversForEachStore({ beforeAll, afterAll });

describe.each(STORE_KINDS)("operations through gRPC (%s store)", (kind) => {
  const api = () => rpc(servers[kind].client);

  it("reads oldest first, with limit and after_seq", async () => {
    const room = `hist-${kind}`;
    await api().append({ roomId: room, messages: [user("a"), assistant("b"), user("c"), assistant("d")] });
    const all = await api().history({ roomId: room });
    expect(all.messages.map((m) => m.content)).toEqual(["a", "b", "c", "d"]);
    expect((await api().history({ roomId: room, limit: 2 })).messages.map((m) => m.content)).toEqual(["c", "d"]);
    const after = await api().history({ roomId: room, afterSeq: 2 });
    expect(after.messages.map((m) => m.seq)).toEqual([3, 4]);
    expect(after.version).toBe(1);
    expect((await api().history({ roomId: "never-written" }))).toMatchObject({ version: 0, messages: [] });
  });

  it("trims to the default window of 100 user/assistant messages", async () => {
    const room = `trim-${kind}`;
    const r = await api().append({ roomId: room, messages: Array.from({ length: 130 }, (_, i) => user(`u${i}`)) });
    expect(r.trimmed).toBe(30);
    const h = await api().history({ roomId: room });
    expect(h.messages).toHaveLength(100);
    expect(h.messages[0].content).toBe("u30");
  });

  it("edits, deletes and reacts, keeping the content of deleted messages", async () => {
    const room = `edit-${kind}`;
    await api().append({ roomId: room, messages: [user("hello", { id: "p-1" }), assistant("hi")] });
    const u = await api().update({ roomId: room, messageId: "p-1", content: "hello!" });
    expect(u.message).toMatchObject({ id: "p-1", content: "hello!" });
    expect(u.message!.editedAt).toBeDefined();
    const d = await api().markDeleted({ roomId: room, messageId: "p-1", deletedAt: { seconds: 1_700_000_000, nanos: 123_456_789 } });
    expect(d.message!.deletedAt).toEqual({ seconds: 1_700_000_000, nanos: 123_456_789 });
    expect(d.message!.content).toBe("hello!");
    const x = await api().reactions({ roomId: room, messageId: "p-1", reactions: [{ emoji: "🎉", count: 3 }, { emoji: "👀" }] });
    expect(x.message!.reactions).toEqual([{ emoji: "🎉", count: 3 }, { emoji: "👀", count: 0 }]);
    expect(x.version).toBe(4);
    await expectStatus(api().update({ roomId: room, messageId: "p-1", content: "z", expectedVersion: 1 }), status.ABORTED);
    await expectStatus(api().markDeleted({ roomId: room, messageId: "missing" }), status.NOT_FOUND);
    expect((await api().info({ roomId: room })).version).toBe(4);
  });

  it("clears with a version that keeps increasing", async () => {
    const room = `clear-${kind}`;
    await api().append({ roomId: room, messages: [user("a")] });
    expect((await api().clear({ roomId: room })).version).toBe(2);
    expect(await api().history({ roomId: room })).toMatchObject({ version: 2, messages: [] });
    expect((await api().append({ roomId: room, messages: [user("b")], expectedVersion: 2 })).version).toBe(3);
  });

  it("clamps limits, marks and discards re-backfills, and reports room info", async () => {
    const room = `limit-${kind}`;
    expect(await api().setLimit({ roomId: room, limit: 10 })).toMatchObject({ limit: 50, version: 1, rebackfillRequested: false, trimmed: 0 });
    expect(await api().setLimit({ roomId: room, limit: 5000 })).toMatchObject({ limit: 1000, version: 2, rebackfillRequested: true });
    await api().append({ roomId: room, messages: [user("q"), assistant("", { toolCalls: [{ id: "c", name: "f", arguments: "{}" }] }),
      { ...user(""), role: Role.ROLE_TOOL, toolCallId: "c", content: "42" }] });
    const info = await api().info({ roomId: room });
    expect(info).toMatchObject({ version: 3, messageCount: 2, entryCount: 3, limit: 1000, lastRole: Role.ROLE_TOOL, rebackfillRequested: true });
    expect(info.updatedAt).toBeDefined();
    expect((await api().discardRebackfill({ roomId: room })).version).toBe(4);
    expect((await api().info({ roomId: room })).rebackfillRequested).toBe(false);
    expect(await api().info({ roomId: `unknown-${kind}` })).toMatchObject({ version: 0, messageCount: 0, limit: 100, lastRole: Role.ROLE_UNSPECIFIED });
  });

  it("lists rooms page by page without KEYS", async () => {
    const ids = ["list-c", "list-a", "list-b"].map((id) => `${id}-${kind}`);
    for (const id of ids) await api().append({ roomId: id, messages: [user("x")] });
    const seen: string[] = [];
    let token = "";
    do {
      const page = await api().listRooms({ pageSize: 2, pageToken: token });
      expect(page.roomIds.length).toBeLessThanOrEqual(2);
      seen.push(...page.roomIds);
      token = page.nextPageToken;
    } while (token);
    expect(seen).toEqual([...seen].sort());
    for (const id of ids) expect(seen).toContain(id);
    await expectStatus(api().listRooms({ pageToken: "!!not base64 of a room!!" }), status.INVALID_ARGUMENT);
  });

  it("stores and returns every message field", async () => {
    const room = `fields-${kind}`;
    const msg = user("caption 你好 👩‍👩‍👧 é", {
      id: "platform-42", parts: [{ text: "look" }, { imageUrl: { url: "https://example.invalid/a.png", detail: "high" } }],
      sender: "ana", metadata: { platform: "matrix", thread: "t1" }, createdAt: { seconds: 1_700_000_000, nanos: 5 },
      reactions: [{ emoji: "👍", count: 1 }],
    });
    const r = await api().append({ roomId: room, messages: [msg] });
    const got = (await api().history({ roomId: room })).messages[0];
    // tokens is the server's count (o200k_base) of the text and text parts; the request's is ignored.
    expect(got).toEqual({ ...msg, seq: 1, tokens: countTokens("caption 你好 👩‍👩‍👧 é") + countTokens("look") });
    expect(r.messages[0]).toEqual(got);
  });
});
