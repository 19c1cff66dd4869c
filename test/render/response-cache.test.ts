import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Message, Role } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { MemoryBankUse } from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import {
  AppendMessagesRequest, RenderFormat, RenderMessagesRequest, RenderMessagesResponse,
} from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { RoomHistoryHandlers } from "../../src/service/room-history.js";
import { renderAhead } from "../../src/service/render.js";
import { PromptTemplates, RELOAD_CHECK_MS } from "../../src/prompt/templates.js";
import { DEFAULT_LIMITS } from "../../src/defaults.js";
import type { RoomSnapshot } from "../../src/store/store.js";
import type { Encoded } from "../../src/wire/encoded.js";
import { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";

/**
 * The whole-reply cache of RenderMessages (src/prompt/response-cache.ts) and the render made ahead of
 * the read (renderAhead): two server replicas (handlers over their own RedisStore) share one real
 * redis-server; a reply is handed out again only while the room, the options and the system prompt
 * are unchanged, and a write acknowledged by the other replica is in the next render.
 */

const KiB = 1024;
let redis: TestRedis;
let dir: string;
const stores: RedisStore[] = [];

function replica(prefix: string, templates: PromptTemplates): RoomHistoryHandlers {
  const store = new RedisStore(redis.client(), {
    defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 64 * KiB, prefix, hashTag: true, logger: pino({ level: "silent" }),
  });
  stores.push(store);
  return new RoomHistoryHandlers(store, templates, DEFAULT_LIMITS);
}

beforeAll(async () => {
  redis = await TestRedis.start();
  dir = mkdtempSync(path.join(tmpdir(), "rh-reply-cache-"));
  writeFileSync(path.join(dir, "sys.j2"), "You are {{ bot }} in {{ room_id }}.");
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

const say = (i: number) => Message.fromPartial({ role: i % 2 ? Role.ROLE_ASSISTANT : Role.ROLE_USER, content: `turn ${i}`, id: `m${i}` });
const decode = (r: unknown) => RenderMessagesResponse.decode((r as Encoded).bytes);

async function pair(room: string) {
  const prefix = uniquePrefix("reply");
  const a = replica(prefix, new PromptTemplates(dir, "sys.j2"));
  const b = replica(prefix, new PromptTemplates(dir, "sys.j2"));
  await b.appendMessages(AppendMessagesRequest.fromPartial({ roomId: room, messages: [0, 1, 2, 3].map(say) }));
  const req = RenderMessagesRequest.fromPartial({ roomId: room, roomContext: { bot: "Rh" }, maxTokens: 60 });
  return { a, b, req };
}

describe("RenderMessages' whole-reply cache over Redis, two replicas", () => {
  it("hands out the same reply while nothing changed, per options", async () => {
    const { a, req } = await pair("same");
    const first = await a.renderMessages(req);
    expect(await a.renderMessages(req)).toBe(first);
    const anthropic = RenderMessagesRequest.fromPartial({ ...req, format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES });
    const other = await a.renderMessages(anthropic);
    expect(other).not.toBe(first);
    expect(await a.renderMessages(anthropic)).toBe(other);
    expect(await a.renderMessages(req)).toBe(first);
    const cut = await a.renderMessages(RenderMessagesRequest.fromPartial({ ...req, maxTokens: 30 }));
    expect(decode(cut).droppedMessages).toBeGreaterThan(decode(first).droppedMessages);
  });

  it("renders a write acknowledged by the other replica, every time", async () => {
    const { a, b, req } = await pair("fresh");
    const before = await a.renderMessages(req);
    for (let i = 4; i < 24; i++) {
      const w = await b.appendMessages(AppendMessagesRequest.fromPartial({ roomId: "fresh", messages: [say(i)] }));
      const r = decode(await a.renderMessages(req));
      expect(r.version).toBe(w.version);
      expect(r.messages.at(-1)?.content).toBe(`[Message ID: m${i}] turn ${i}`);
    }
    expect(decode(before).version).toBe(1);
  });

  it("renders again after a change of the context or of the template file", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    writeFileSync(path.join(dir, "own.j2"), "Old {{ bot }}.");
    const { a, req } = await pair("ctx");
    const own = RenderMessagesRequest.fromPartial({ ...req, template: "own.j2" });
    const first = await a.renderMessages(own);
    expect(decode(first).messages[0].content).toBe("Old Rh.");
    const renamed = await a.renderMessages(RenderMessagesRequest.fromPartial({ ...own, roomContext: { bot: "Zed" } }));
    expect(decode(renamed).messages[0].content).toBe("Old Zed.");
    expect(decode(await a.renderMessages(own)).messages[0].content).toBe("Old Rh.");
    writeFileSync(path.join(dir, "own.j2"), "Newer {{ bot }}!");
    vi.advanceTimersByTime(RELOAD_CHECK_MS);
    const changed = await a.renderMessages(own);
    expect(changed).not.toBe(first);
    expect(decode(changed).messages[0].content).toBe("Newer Rh!");
    expect(decode(changed).messages.slice(1)).toEqual(decode(first).messages.slice(1));
  });
});

describe("renderAhead", () => {
  const snap = { version: 3 } as RoomSnapshot;

  it("renders from the cached snapshot, except without one, for a memory bank read, or on an error", () => {
    expect(renderAhead(snap, {}, (s) => s.version)).toEqual({ from: snap, made: 3 });
    expect(renderAhead(snap, { memoryBank: MemoryBankUse.MEMORY_BANK_USE_NONE }, () => 1)?.made).toBe(1);
    expect(renderAhead(undefined, {}, () => 1)).toBeUndefined();
    expect(renderAhead(snap, { memoryBank: MemoryBankUse.MEMORY_BANK_USE_TEMPLATE }, () => 1)).toBeUndefined();
    expect(renderAhead(snap, {}, () => { throw new Error("template"); })).toBeUndefined();
  });
});
