/**
 * Bounded by design, through the API: the room byte budget (GetRoomInfo, SetRoomLimit.max_bytes, a
 * message over it), paged GetHistory (pages that continue after changes, the reply limit) and one
 * render form per reply; Redis in both key layouts and the memory store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { fileURLToPath } from "node:url";
import {
  GetHistoryRequest, GetHistoryResponse, RenderForm,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import pino from "pino";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { RoomHistoryHandlers } from "../../src/service/room-history.js";
import { PromptTemplates } from "../../src/prompt/templates.js";
import { DEFAULT_LIMITS } from "../../src/defaults.js";
import type { DomainError } from "../../src/domain/errors.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";

const TEMPLATES = fileURLToPath(new URL("../../templates", import.meta.url));
const KiB = 1024;
const MiB = 1024 * KiB;
let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

const big = (tag: string, size: number) => user(`${tag}:`.padEnd(size, "x"));

const layouts = [
  { name: "redis, braced keys", env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix() }) },
  { name: "redis, unbraced keys", env: () => ({
    ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix(), ROOMHISTORY_KEY_HASHTAG: "false",
  }) },
  { name: "memory", env: () => ({}) },
];

describe.each(layouts)("bounded reads and writes ($name)", ({ env }) => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  beforeAll(async () => {
    server = await startTestServer({
      ...env(), ROOMHISTORY_MAX_ROOM_BYTES: String(2 * MiB), ROOMHISTORY_MAX_REPLY_BYTES: String(3 * MiB + 512 * KiB),
    });
    api = rpc(server.client);
  });
  afterAll(async () => server?.stop());

  /** Every page of a read, following next_page_token. */
  async function pages(roomId: string, pageSize: number, between?: (page: number) => Promise<void>) {
    const out: GetHistoryResponse[] = [];
    let pageToken = "";
    do {
      const res = await api.history({ roomId, pageSize, pageToken });
      out.push(res);
      pageToken = res.nextPageToken;
      if (pageToken) await between?.(out.length);
    } while (pageToken);
    return out;
  }

  it("reports the window's bytes and budget, and keeps a full room at its budget", async () => {
    for (let i = 0; i < 12; i++) await api.append({ roomId: "full", messages: [big(`m${i}`, 200 * KiB)] });
    const info = await api.info({ roomId: "full" });
    expect(info.maxBytes).toBe(2 * MiB);
    expect(info.windowBytes).toBeLessThanOrEqual(2 * MiB);
    expect(info.windowBytes).toBeGreaterThan(2 * MiB - 201 * KiB);
    expect(info.entryCount).toBeLessThan(12);
    const set = await api.setLimit({ roomId: "full", limit: 100, maxBytes: 512 * KiB });
    expect(set.maxBytes).toBe(512 * KiB);
    expect(set.trimmed).toBe(info.entryCount - 2);
    const after = await api.info({ roomId: "full" });
    expect(after).toMatchObject({ maxBytes: 512 * KiB, entryCount: 2 });
    expect(after.windowBytes).toBeLessThanOrEqual(512 * KiB);
    expect((await api.setLimit({ roomId: "full", limit: 100, maxBytes: 1 })).maxBytes).toBe(64 * KiB);
    expect((await api.setLimit({ roomId: "full", limit: 100, maxBytes: 10 * MiB })).maxBytes).toBe(2 * MiB);
    expect((await api.setLimit({ roomId: "full", limit: 100 })).maxBytes).toBe(2 * MiB);
  });

  it("refuses a message larger than the room's budget, naming it", async () => {
    await api.setLimit({ roomId: "small", limit: 100, maxBytes: 64 * KiB });
    const { info } = await expectStatus(api.append({ roomId: "small", messages: [user("a"), big("b", 70 * KiB)] }),
      status.RESOURCE_EXHAUSTED);
    expect(info?.metadata.field).toBe("messages[1]");
    expect((await api.info({ roomId: "small" })).entryCount).toBe(0);
  });

  it("reads a window in pages, each message once, oldest first", async () => {
    const all = Array.from({ length: 25 }, (_, i) => (i % 2 ? assistant(`a${i}`) : user(`u${i}`)));
    await api.append({ roomId: "paged", messages: all });
    const got = await pages("paged", 10);
    expect(got.map((p) => p.messages.length)).toEqual([10, 10, 5]);
    expect(got.flatMap((p) => p.messages.map((m) => m.content))).toEqual(all.map((m) => m.content));
    expect(new Set(got.map((p) => p.version))).toEqual(new Set([1]));
    // after_seq and limit choose where the first page starts.
    const tail = await api.history({ roomId: "paged", limit: 7, pageSize: 5 });
    expect(tail.messages.map((m) => m.content)).toEqual(all.slice(18, 23).map((m) => m.content));
    const rest = await api.history({ roomId: "paged", limit: 7, pageSize: 5, pageToken: tail.nextPageToken });
    expect(rest.messages.map((m) => m.content)).toEqual(all.slice(23).map((m) => m.content));
    expect(rest.nextPageToken).toBe("");
    await expectStatus(api.history({ roomId: "paged", pageSize: 5, pageToken: "bm9wZQ" }), status.INVALID_ARGUMENT);
  });

  it("continues after the previous page when the room changes between pages; the version tells", async () => {
    await api.setLimit({ roomId: "moving", limit: 50 });
    await api.append({ roomId: "moving", messages: Array.from({ length: 50 }, (_, i) => user(`m${i}`)) });
    const got = await pages("moving", 20, async (page) => {
      // Each append trims one from the front (limit 50): pages still neither repeat nor skip.
      if (page === 1) await api.append({ roomId: "moving", messages: [user("new1"), user("new2")] });
    });
    const contents = got.flatMap((p) => p.messages.map((m) => m.content));
    expect(contents).toEqual([...Array.from({ length: 50 }, (_, i) => `m${i}`), "new1", "new2"]);
    expect(got[0].version).toBe(2);
    expect(got.at(-1)!.version).toBe(3);
  });

  it("reads a window at its budget whole and in pages alike", async () => {
    await api.setLimit({ roomId: "wide", limit: 100 });
    for (let i = 0; i < 12; i++) await api.append({ roomId: "wide", messages: [big(`w${i}`, 200 * KiB), big(`v${i}`, 20 * KiB)] });
    const info = await api.info({ roomId: "wide" });
    expect(info.windowBytes).toBeGreaterThan(2 * MiB - 221 * KiB);
    // The whole window fits one reply: the reply limit is at least the room budget + 1 MiB.
    const whole = await api.history({ roomId: "wide" });
    expect(whole.messages).toHaveLength(info.entryCount);
    const got = await pages("wide", 4);
    expect(got.flatMap((p) => p.messages.map((m) => m.seq))).toEqual(whole.messages.map((m) => m.seq));
  });

  it("answers one render form per request", async () => {
    await api.append({ roomId: "render", messages: [user("hi"), assistant("hello")] });
    const messages = await api.render({ roomId: "render" });
    expect(messages.messages.map((m) => m.content.replace(/^\[Message ID: [^\]]+\] /, ""))).toContain("hello");
    expect(messages.messagesJson).toBe("");
    const json = await api.render({ roomId: "render", form: RenderForm.RENDER_FORM_JSON });
    expect(json.messages).toEqual([]);
    expect((JSON.parse(json.messagesJson) as unknown[]).at(-1)).toEqual({ role: "assistant", content: messages.messages.at(-1)!.content });
    const explicit = await api.render({ roomId: "render", form: RenderForm.RENDER_FORM_MESSAGES });
    expect(explicit).toEqual(messages);
    const { info } = await expectStatus(api.render({ roomId: "render", form: 7 as RenderForm }), status.INVALID_ARGUMENT);
    expect(info?.metadata.field).toBe("form");
  });
});

describe("the reply limit (handlers over the memory store)", () => {
  // The configuration keeps a room's window under the reply limit; a legacy writer, or a window whose
  // encoding outgrows its stored JSON, can still exceed it, so the handler is tested with a small one.
  const store = new MemoryStore({ defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * KiB });
  const handlers = new RoomHistoryHandlers(store, new PromptTemplates(TEMPLATES, "system.j2"), DEFAULT_LIMITS,
    undefined, 500 * KiB);
  const read = async (req: Partial<GetHistoryRequest>) =>
    GetHistoryResponse.decode((await handlers.getHistory(GetHistoryRequest.fromPartial({ roomId: "r", ...req }))).bytes);

  it("stops a page early at the limit and refuses an unpaged read that would exceed it, naming page_size", async () => {
    for (let i = 0; i < 10; i++) await store.append("r", [{ role: "user", content: "x".repeat(100 * KiB), id: `m${i}` }]);
    const err = await read({}).then(() => undefined, (e: unknown) => e as DomainError);
    expect(err).toMatchObject({ code: "TOO_LARGE", metadata: { field: "page_size" } });
    const first = await read({ pageSize: 100 });
    expect(first.messages).toHaveLength(4);
    const second = await read({ pageSize: 100, pageToken: first.nextPageToken });
    const third = await read({ pageSize: 100, pageToken: second.nextPageToken });
    expect([first, second, third].flatMap((p) => p.messages.map((m) => m.id))).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    expect(third.nextPageToken).toBe("");
    // A read from an after_seq that fits needs no pages.
    expect((await read({ afterSeq: 7 })).messages.map((m) => m.id)).toEqual(["m7", "m8", "m9"]);
  });
});

describe("concurrent reads of one room (Redis store)", () => {
  it("share one trip to Redis, and a read after a write sees it", async () => {
    const store = new RedisStore(redis.client(), {
      defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * KiB, prefix: uniquePrefix("flight"), hashTag: true,
      logger: pino({ level: "silent" }),
    });
    try {
      await store.append("r", [{ role: "user", content: "x".repeat(100 * KiB), id: "a" }]);
      const reads = await Promise.all(Array.from({ length: 50 }, () => store.read("r")));
      // One read in flight, one queued behind it (a cache hit): one snapshot object for all fifty.
      expect(new Set(reads).size).toBe(1);
      const [before, written] = await Promise.all([store.read("r"), store.append("r", [{ role: "user", content: "b", id: "b" }])]);
      expect(before.version).toBeGreaterThanOrEqual(1);
      expect((await store.read("r")).version).toBe(written.version);
    } finally {
      await store.close();
    }
  });
});

