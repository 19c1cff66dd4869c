import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user } from "../helpers/rpc.js";

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
  { layout: "hash-tagged keys", hashTag: "true", key: (p: string, r: string) => `${p}:{${r}}` },
  { layout: "legacy unbraced keys", hashTag: "false", key: (p: string, r: string) => `${p}:${r}` },
])("histories written by the legacy manager ($layout)", ({ hashTag, key }) => {
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
    await api.update({ roomId: "room-1", messageId: "112", content: "[Message ID: 112] look again" });
    const h = await api.history({ roomId: "room-1" });
    expect(h.version).toBe(10);
    expect(h.messages[2]).toMatchObject({ id: "112", content: "[Message ID: 112] look again" });
    expect(h.messages[2].parts).toEqual([{ imageUrl: { url: "https://example.invalid/c.png", detail: "" } }]);
  });

  it("writes entries a legacy reader understands: role and content, and a plain :ver counter", async () => {
    await api.append({ roomId: "room-1", messages: [user("from roomhistory"), user("", { parts: [{ text: "pic" }, { imageUrl: { url: "https://example.invalid/d.png" } }] })] });
    const tail = (await raw.lrange(list, -2, -1)).map((s) => JSON.parse(s));
    expect(tail[0]).toMatchObject({ role: "user", content: "from roomhistory" });
    expect(tail[1]).toMatchObject({ role: "user", content: [{ type: "text", text: "pic" }, { type: "image_url", image_url: { url: "https://example.invalid/d.png" } }] });
    expect(await raw.get(`${list}:ver`)).toBe("11");
    const r = await api.render({ roomId: "room-1" });
    expect(r.messages.at(-1)!.parts.length).toBe(2);
    expect(r.messages.find((m) => m.content.includes("alice: hi there"))!.content.match(/\[deleted at/g)).toHaveLength(1);
  });

  it("uses the cluster-safe layout unless told otherwise", async () => {
    expect(await raw.type(list)).toBe("list");
    expect(await raw.exists(`${list}:meta`)).toBe(1);
  });
});

it("refreshes the room TTL on every write when configured", async () => {
  const prefix = uniquePrefix("ttl");
  const s = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_ROOM_TTL_SECONDS: "3600" });
  try {
    await rpc(s.client).append({ roomId: "t", messages: [user("x")] });
    for (const k of ["", ":ver", ":meta"]) {
      const ttl = await raw.ttl(`${prefix}:{t}${k}`);
      expect(ttl).toBeGreaterThan(3500);
    }
    await raw.expire(`${prefix}:{t}`, 10);
    await rpc(s.client).append({ roomId: "t", messages: [user("y")] });
    expect(await raw.ttl(`${prefix}:{t}`)).toBeGreaterThan(3500);
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
