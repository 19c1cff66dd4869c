import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";
import { waitFor } from "../helpers/ports.js";

/** Entries exactly as the Python ConversationManager writes them: json.dumps({"role", "content"}). */
const py = (role: string, content: unknown) => JSON.stringify({ role, content }).replace(/":/g, '": ').replace(/,"/g, ', "');

let redis: TestRedis;
let raw: Redis;

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = redis.client();
});
afterAll(async () => {
  raw?.disconnect();
  await redis?.stop();
});

describe.each([
  { layout: "hash-tagged keys", hashTag: "true", key: (p: string, r: string) => `${p}:{${r}}`, markers: false },
  { layout: "legacy unbraced keys", hashTag: "false", key: (p: string, r: string) => `${p}:${r}`, markers: true },
])("histories written by the legacy manager ($layout)", ({ hashTag, key, markers }) => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  const prefix = uniquePrefix("legacy");
  const list = key(prefix, "room-1");

  beforeAll(async () => {
    server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_KEY_HASHTAG: hashTag });
    api = rpc(server.client);
    await raw.rpush(list,
      py("user", "[Message ID: 111] alice: hi there"),
      py("assistant", "hello alice"),
      "{not json",
      py("user", [{ type: "text", text: "[Message ID: 112] look" }, { type: "image_url", image_url: { url: "https://example.invalid/c.png" } }]),
      py("user", "[Message ID: 113] [Reactions: 👍×2, 🎉] [deleted at 2025-05-01T10:00:00Z] gone"),
    );
    await raw.set(`${list}:ver`, "7");
  });
  afterAll(async () => server?.stop());

  it("reads them, skipping the corrupted entry, with ids and tags from the content", async () => {
    const h = await api.history({ roomId: "room-1" });
    expect(h.version).toBe(7);
    expect(h.messages.map((m) => [m.id, m.role, m.seq])).toEqual([
      ["111", Role.ROLE_USER, 0], ["", Role.ROLE_ASSISTANT, 0], ["112", Role.ROLE_USER, 0], ["113", Role.ROLE_USER, 0],
    ]);
    expect(h.messages[2].parts).toEqual([{ text: "[Message ID: 112] look" }, { imageUrl: { url: "https://example.invalid/c.png", detail: "" } }]);
    expect(h.messages[3].reactions).toEqual([{ emoji: "👍", count: 2 }, { emoji: "🎉", count: 0 }]);
    expect(h.messages[3].deletedAt).toEqual({ seconds: Date.parse("2025-05-01T10:00:00Z") / 1000, nanos: 0 });
  });

  it("edits legacy entries by their marker and keeps their tags readable to legacy workers", async () => {
    await api.reactions({ roomId: "room-1", messageId: "111", reactions: [{ emoji: "❤", count: 4 }] });
    await api.markDeleted({ roomId: "room-1", messageId: "111", deletedAt: { seconds: 1_750_000_000, nanos: 0 } });
    const entry = JSON.parse((await raw.lindex(list, 0))!);
    expect(entry.role).toBe("user");
    expect(entry.content).toBe("[Message ID: 111] [deleted at 2025-06-15T15:06:40Z] [Reactions: ❤×4] alice: hi there");
    await api.update({ roomId: "room-1", messageId: "112", content: "look again" });
    const h = await api.history({ roomId: "room-1" });
    expect(h.version).toBe(10);
    // The legacy reader's text part keeps the marker and gets the new text; the image stays.
    expect(h.messages[2].id).toBe("112");
    expect(h.messages[2].parts).toEqual([
      { text: "[Message ID: 112] look again" }, { imageUrl: { url: "https://example.invalid/c.png", detail: "" } },
    ]);
  });

  it("keeps a legacy entry's marker and tags through edits, so its id keeps working", async () => {
    await api.update({ roomId: "room-1", messageId: "111", content: "alice: hi again" });
    const entry = JSON.parse((await raw.lindex(list, 0))!);
    expect(entry.content).toBe("[Message ID: 111] [deleted at 2025-06-15T15:06:40Z] [Reactions: ❤×4] alice: hi again");
    await api.reactions({ roomId: "room-1", messageId: "111", reactions: [] });
    expect(JSON.parse((await raw.lindex(list, 0))!).content).toBe("[Message ID: 111] [deleted at 2025-06-15T15:06:40Z] alice: hi again");
    // A legacy multimodal entry gets its tags in the text part legacy readers see.
    await api.reactions({ roomId: "room-1", messageId: "112", reactions: [{ emoji: "🎉" }] });
    await api.markDeleted({ roomId: "room-1", messageId: "112", deletedAt: { seconds: 1_750_000_000, nanos: 0 } });
    const multi = JSON.parse((await raw.lindex(list, 3))!);
    expect(multi.content[0].text).toBe("[Message ID: 112] [deleted at 2025-06-15T15:06:40Z] [Reactions: 🎉] look again");
    await api.reactions({ roomId: "room-1", messageId: "111", reactions: [{ emoji: "👀" }] });
  });

  it("writes entries a legacy reader understands: role and content, and a plain :ver counter", async () => {
    const sent = await api.append({ roomId: "room-1", messages: [
      user("from roomhistory", { id: "m-1" }),
      user("", { id: "m-2", parts: [{ text: "pic" }, { imageUrl: { url: "https://example.invalid/d.png" } }] }),
    ] });
    const tail = (await raw.lrange(list, -2, -1)).map((s) => JSON.parse(s));
    const image = { type: "image_url", image_url: { url: "https://example.invalid/d.png" } };
    if (markers) {
      // A legacy worker in a mixed fleet finds these by "[Message ID: X]", as it finds its own.
      expect(tail[0]).toMatchObject({ role: "user", content: "[Message ID: m-1] from roomhistory" });
      expect(tail[1]).toMatchObject({ role: "user", content: [{ type: "text", text: "[Message ID: m-2]" }, { type: "text", text: "pic" }, image] });
    } else {
      expect(tail[0]).toMatchObject({ role: "user", content: "from roomhistory" });
      expect(tail[1]).toMatchObject({ role: "user", content: [{ type: "text", text: "pic" }, image] });
    }
    // The service's readers see the message as it was sent, whatever the layout.
    const h = await api.history({ roomId: "room-1" });
    expect(h.messages.slice(-2)).toEqual(sent.messages);
    expect(await raw.get(`${list}:ver`)).toBe("16");
    const r = await api.render({ roomId: "room-1" });
    expect(r.messages.at(-1)!.parts.length).toBe(2);
    expect(r.messages.find((m) => m.content.includes("alice: hi again"))!.content.match(/\[deleted at/g)).toHaveLength(1);
  });

  it("uses the cluster-safe layout unless told otherwise", async () => {
    expect(await raw.type(list)).toBe("list");
    expect(await raw.exists(`${list}:meta`)).toBe(1);
  });
});

it("expires rooms itself (a change for watchers), never by a silent Redis key TTL", async () => {
  const prefix = uniquePrefix("ttl");
  const s = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_ROOM_TTL_SECONDS: "3600" });
  try {
    await rpc(s.client).append({ roomId: "t", messages: [user("x")] });
    for (const k of ["", ":ver", ":meta"]) expect(await raw.ttl(`${prefix}:{t}${k}`)).toBe(-1);
    expect(Number(await raw.zscore(`${prefix}:expiry:{rooms}`, "t"))).toBeGreaterThan(Date.now() + 3_500_000);
    await rpc(s.client).deleteRoom({ roomId: "t" });
    expect(await raw.exists(`${prefix}:{t}`)).toBe(0);
    expect(await raw.get(`${prefix}:{t}:ver`)).toBe("2");
    expect(await raw.ttl(`${prefix}:{t}:ver`)).toBeGreaterThan(29 * 24 * 3600); // the tombstone's 30 days
    expect(await raw.zscore(`${prefix}:expiry:{rooms}`, "t")).toBeNull();
  } finally {
    await s.stop();
  }
});

it("never fails a committed write because an index update failed, and indexes the room again in the background", async () => {
  const prefix = uniquePrefix("idx");
  const s = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix });
  try {
    const api = rpc(s.client);
    await raw.set(`${prefix}:index:{rooms}`, "not a sorted set"); // every ZADD to it now fails
    const r = await api.append({ roomId: "r", messages: [user("kept")] });
    expect(r.version).toBe(1);
    await raw.del(`${prefix}:index:{rooms}`);
    // src/store/redis/index-repair.ts tries again within a second or so, with no write needed.
    await waitFor(async () => (await api.listRooms({})).roomIds.includes("r"), 10_000, "the background repair");
    await api.append({ roomId: "r", messages: [user("again")] }); // the next write indexes it too
    expect((await api.listRooms({})).roomIds).toEqual(["r"]);
    expect((await api.history({ roomId: "r" })).messages).toHaveLength(2);
  } finally {
    await s.stop();
  }
});

it("recounts the window after a legacy RPUSH + LTRIM that kept the list's length", async () => {
  const prefix = uniquePrefix("same-len");
  const s = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix });
  try {
    const api = rpc(s.client);
    await api.setLimit({ roomId: "mix", limit: 50 });
    await api.append({ roomId: "mix", messages: [
      { role: 4, content: "tool", toolCallId: "c" }, ...Array.from({ length: 49 }, (_, i) => user(`ours ${i}`)),
    ] });
    // The legacy manager's shape: push one, trim one, same length, a counted turn in place of a tool result.
    await raw.rpush(`${prefix}:{mix}`, py("user", "theirs"));
    await raw.ltrim(`${prefix}:{mix}`, 1, -1);
    await api.append({ roomId: "mix", messages: [user("last")] });
    const h = await api.history({ roomId: "mix" });
    expect(h.messages).toHaveLength(50);
    expect(h.messages.at(-2)!.content).toBe("theirs");
    expect(h.messages.at(-1)!.content).toBe("last");
  } finally {
    await s.stop();
  }
});

it("trims correctly after a legacy writer pushed to the list behind its back", async () => {
  const prefix = uniquePrefix("mixed");
  const s = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix });
  try {
    const api = rpc(s.client);
    await api.setLimit({ roomId: "mix", limit: 50 });
    await api.append({ roomId: "mix", messages: Array.from({ length: 50 }, (_, i) => user(`ours ${i}`)) });
    expect((await api.history({ roomId: "mix" })).messages).toHaveLength(50); // now cached
    await raw.rpush(`${prefix}:{mix}`, ...Array.from({ length: 10 }, (_, i) => py("user", `theirs ${i}`)));
    expect((await api.history({ roomId: "mix" })).messages).toHaveLength(60); // no version bump, still seen
    const r = await api.append({ roomId: "mix", messages: [user("last")] });
    expect(r.trimmed).toBe(11);
    const h = await api.history({ roomId: "mix" });
    expect(h.messages).toHaveLength(50);
    expect(h.messages[0].content).toBe("ours 11");
    expect(h.messages.at(-1)!.content).toBe("last");
  } finally {
    await s.stop();
  }
});

describe.each([{ hashTag: "true" }, { hashTag: "false" }])("ids matched decoded (hash tag $hashTag)", ({ hashTag }) => {
  /** Python's json.dumps: ASCII only (non-ASCII as \uXXXX), `", "` and `": "` separators. */
  const pyAscii = (obj: unknown) =>
    py(String((obj as { role: string }).role), (obj as { content: unknown }).content)
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

  it("finds ids with quotes, backslashes, slashes and non-ASCII however the writer escaped them", async () => {
    const prefix = uniquePrefix("ids");
    const s = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_KEY_HASHTAG: hashTag });
    try {
      const api = rpc(s.client);
      const ids = ['say"hi"', "back\\slash", "a/b/c", "café", "😀id"];
      await api.append({ roomId: "r", messages: ids.map((id) => user(`ours ${id}`, { id: `svc-${id}` })) });
      const list = hashTag === "true" ? `${prefix}:{r}` : `${prefix}:r`;
      await raw.rpush(list, ...ids.map((id) => pyAscii({ role: "user", content: `[Message ID: ${id}] theirs` })));
      for (const id of [...ids, ...ids.map((i) => `svc-${i}`)]) {
        await api.reactions({ roomId: "r", messageId: id, reactions: [{ emoji: "👍" }] });
        await api.markDeleted({ roomId: "r", messageId: id });
        const u = await api.update({ roomId: "r", messageId: id, content: `edited ${id}` });
        expect(u.message?.id).toBe(id);
      }
      const h = await api.history({ roomId: "r" });
      expect(h.messages.every((m) => m.reactions.length === 1 && m.deletedAt !== undefined)).toBe(true);
      expect(h.messages.map((m) => m.id)).toEqual([...ids.map((i) => `svc-${i}`), ...ids]);
    } finally {
      await s.stop();
    }
  });
});
