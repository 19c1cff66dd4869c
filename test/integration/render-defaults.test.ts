/**
 * Issue 10 end to end through the generated client: SetRoomRenderDefaults (one version, one
 * RENDER_DEFAULTS change, compare-and-set, checked template, encoding and context), ReportUsage (no
 * version, no change, NOT_FOUND, FAILED_PRECONDITION without an estimate, the remembered estimate),
 * GetRoomInfo's new fields, and Message.tokens at append and edit. Memory store and both Redis layouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { RenderFormat, TokenEncoding } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { countTokens } from "../../src/prompt/tokens.js";
import { rememberEstimate } from "../../src/service/usage-memory.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";
import { WatchRecorder } from "../helpers/watch.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

const LAYOUTS = [
  { name: "memory store", env: () => ({}) },
  { name: "redis, hash-tagged keys", env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("rd") }) },
  {
    name: "redis, unbraced keys",
    env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("rd"), ROOMHISTORY_KEY_HASHTAG: "false" }),
  },
];

/** The two RPCs of issue 10 as promises (test/helpers/rpc.ts has the older ones). */
function settingsRpc(client: pb.RoomHistoryServiceClient) {
  const done = <T>(resolve: (v: T) => void, reject: (e: ServiceError) => void) =>
    (e: ServiceError | null, r: T) => (e ? reject(e) : resolve(r));
  return {
    setDefaults: (req: pb.DeepPartial<pb.SetRoomRenderDefaultsRequest>) => new Promise<pb.SetRoomRenderDefaultsResponse>(
      (resolve, reject) => client.setRoomRenderDefaults(pb.SetRoomRenderDefaultsRequest.fromPartial(req), new Metadata(), done(resolve, reject))),
    report: (req: pb.DeepPartial<pb.ReportUsageRequest>) => new Promise<pb.ReportUsageResponse>(
      (resolve, reject) => client.reportUsage(pb.ReportUsageRequest.fromPartial(req), new Metadata(), done(resolve, reject))),
  };
}

let rooms = 0;
const room = () => `rd-${++rooms}-${Math.random().toString(36).slice(2, 6)}`;

describe.each(LAYOUTS)("render defaults and usage ($name)", ({ env }) => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  let settings: ReturnType<typeof settingsRpc>;
  beforeAll(async () => {
    server = await startTestServer({ ...env(), ROOMHISTORY_TEMPLATES: "test/fixtures/templates", ROOMHISTORY_DEFAULT_TEMPLATE: "agent.j2" });
    api = rpc(server.client);
    settings = settingsRpc(server.client);
  });
  afterAll(async () => server?.stop());

  it("sets a room's render defaults: one version, one RENDER_DEFAULTS change, GetRoomInfo shows them", async () => {
    const id = room();
    await api.append({ roomId: id, messages: [user("hi")] });
    const w = new WatchRecorder(server.client, { rooms: [{ roomId: id, knownVersion: 1 }] });
    await w.until((x) => x.responses.length >= 1);
    const context = { room_name: "Lobby", tools: [{ name: "search" }], limits: { turns: 3 } };
    const r = await settings.setDefaults({
      roomId: id, template: "agent.j2", roomContext: context, encoding: TokenEncoding.TOKEN_ENCODING_CL100K_BASE, expectedVersion: 1,
    });
    expect(r.version).toBe(2);
    const info = await api.info({ roomId: id });
    expect(info).toMatchObject({
      version: 2, template: "agent.j2", roomContext: context, encoding: TokenEncoding.TOKEN_ENCODING_CL100K_BASE, calibration: 1,
    });
    // Replaces all three.
    expect((await settings.setDefaults({ roomId: id })).version).toBe(3);
    expect(await api.info({ roomId: id })).toMatchObject({
      version: 3, template: "", roomContext: undefined, encoding: TokenEncoding.TOKEN_ENCODING_UNSPECIFIED,
    });
    await w.until((x) => x.changes.length >= 2);
    expect(w.changes.map((c) => [c.kind, c.previousVersion, c.version, c.messages.length]))
      .toEqual([[ChangeKind.CHANGE_KIND_RENDER_DEFAULTS, 1, 2, 0], [ChangeKind.CHANGE_KIND_RENDER_DEFAULTS, 2, 3, 0]]);
    w.cancel();
  });

  it("refuses a stale expected_version, a bad template, encoding or context, changing nothing", async () => {
    const id = room();
    await api.append({ roomId: id, messages: [user("hi")] });
    const { info } = await expectStatus(settings.setDefaults({ roomId: id, template: "agent.j2", expectedVersion: 5 }), status.ABORTED);
    expect(info?.metadata.current_version).toBe("1");
    for (const [template, why] of [["../agent.j2", "is not a template name"], ["missing.j2", "missing.j2: template not found"]]) {
      const { err } = await expectStatus(settings.setDefaults({ roomId: id, template }), status.INVALID_ARGUMENT);
      expect(err.details).toContain(`template: `);
      expect(err.details).toContain(why);
    }
    // A template that fails only for want of the request's variables is accepted: RenderMessages reports those.
    expect((await settings.setDefaults({ roomId: id, template: "broken-runtime.j2" })).version).toBe(2);
    const bad = await expectStatus(settings.setDefaults({ roomId: id, encoding: 9 as TokenEncoding }), status.INVALID_ARGUMENT);
    expect(bad.err.details).toMatch(/^encoding: /);
    const big = await expectStatus(settings.setDefaults({ roomId: id, roomContext: { text: "x".repeat(70_000) } }),
      status.RESOURCE_EXHAUSTED);
    expect(big.err.details).toMatch(/^room_context: /);
    expect((await api.info({ roomId: id })).version).toBe(2);
  });

  it("reports usage without a version or a change and calibrates the room", async () => {
    const id = room();
    const a = await api.append({ roomId: id, messages: [user("hello")] });
    const w = new WatchRecorder(server.client, { rooms: [{ roomId: id, knownVersion: a.version }] });
    await w.until((x) => x.responses.length >= 1);
    const r = await settings.report({ roomId: id, version: a.version, inputTokens: 130, estimatedTokens: 100 });
    expect(r).toEqual({ calibration: 1.3, samples: 1 });
    // The remembered estimate (what RenderMessages keeps) stands in for estimated_tokens 0.
    rememberEstimate(id, a.version, "anthropic", 130);
    expect(await settings.report({ roomId: id, version: a.version, inputTokens: 130 })).toEqual({ calibration: 1.3, samples: 2 });
    // OpenAI counts are exact: accepted, nothing stored.
    expect(await settings.report({ roomId: id, version: a.version, inputTokens: 1, format: RenderFormat.RENDER_FORMAT_OPENAI_CHAT }))
      .toEqual({ calibration: 1, samples: 0 });
    const info = await api.info({ roomId: id });
    expect([info.version, info.calibration]).toEqual([a.version, 1.3]);
    await api.append({ roomId: id, messages: [user("next")] });
    await w.until((x) => x.changes.length >= 1);
    expect(w.changes.map((c) => c.kind)).toEqual([ChangeKind.CHANGE_KIND_APPEND]);
    w.cancel();
  });

  it("refuses a report with NOT_FOUND, INVALID_ARGUMENT naming the field, or FAILED_PRECONDITION", async () => {
    await expectStatus(settings.report({ roomId: room(), version: 1, inputTokens: 5, estimatedTokens: 5 }), status.NOT_FOUND);
    await expectStatus(settings.report({ roomId: room(), version: 1, inputTokens: 5 }), status.NOT_FOUND);
    const id = room();
    await api.append({ roomId: id, messages: [user("hello")] });
    const v = await expectStatus(settings.report({ roomId: id, version: 0, inputTokens: 5, estimatedTokens: 5 }), status.INVALID_ARGUMENT);
    expect(v.err.details).toMatch(/^version: /);
    const i = await expectStatus(settings.report({ roomId: id, version: 1, estimatedTokens: 5 }), status.INVALID_ARGUMENT);
    expect(i.err.details).toMatch(/^input_tokens: /);
    const f = await expectStatus(settings.report({ roomId: id, version: 1, inputTokens: 5, format: 7 as RenderFormat }), status.INVALID_ARGUMENT);
    expect(f.err.details).toMatch(/^format: /);
    const p = await expectStatus(settings.report({ roomId: id, version: 1, inputTokens: 5 }), status.FAILED_PRECONDITION);
    expect(p.err.details).toMatch(/^estimated_tokens: /);
    expect((await api.info({ roomId: id })).calibration).toBe(1);
  });

  it("keeps defaults and calibration through ClearRoom; DeleteRoom drops both", async () => {
    const id = room();
    const a = await api.append({ roomId: id, messages: [user("hello")] });
    await settings.setDefaults({ roomId: id, template: "agent.j2", roomContext: { room_name: "R" } });
    await settings.report({ roomId: id, version: a.version, inputTokens: 50, estimatedTokens: 40 });
    await api.clear({ roomId: id });
    expect(await api.info({ roomId: id })).toMatchObject({ template: "agent.j2", roomContext: { room_name: "R" }, calibration: 1.25 });
    await api.deleteRoom({ roomId: id });
    expect(await api.info({ roomId: id })).toMatchObject({ exists: false, template: "", roomContext: undefined, calibration: 1 });
    await expectStatus(settings.report({ roomId: id, version: a.version, inputTokens: 5, estimatedTokens: 5 }), status.NOT_FOUND);
  });

  it("renders with the room's template, context and encoding, and calibrates Anthropic estimates", async () => {
    const id = room();
    const a = await api.append({ roomId: id, messages: [user("Bonjour à tous, où en est le rapport ?")] });
    await settings.setDefaults({
      roomId: id, template: "agent.j2", roomContext: { room_name: "Salon", bot_name: "Sage" },
      encoding: TokenEncoding.TOKEN_ENCODING_CL100K_BASE,
    });
    const plain = await api.render({ roomId: id, roomContext: { bot_name: "Max" } });
    expect(plain.system).toContain("You are Max in Salon"); // the request's key wins, the stored one fills in
    expect(plain.encoding).toBe(TokenEncoding.TOKEN_ENCODING_CL100K_BASE);
    const anthropic = { roomId: id, format: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES };
    const before = await api.render(anthropic);
    expect(before.tokensExact).toBe(false);
    await settings.report({ roomId: id, version: before.version, inputTokens: before.estimatedTokens * 2, estimatedTokens: before.estimatedTokens });
    const after = await api.render(anthropic);
    expect(after.version).toBe(before.version);
    expect(after.estimatedTokens).toBe(before.estimatedTokens * 2);
    // The render's own estimate was remembered: a report may leave it out.
    expect(await settings.report({ roomId: id, version: after.version, inputTokens: after.estimatedTokens }))
      .toEqual({ calibration: 2, samples: 2 });
    expect(a.version).toBe(1);
  });

  it("fills Message.tokens at append (text, parts, tool calls) and counts an edit again", async () => {
    const id = room();
    const text = "Grüße aus Köln! 東京は晴れです。 The build passed: `npm test` ✓";
    const args = JSON.stringify({ city: "Köln", days: [1, 2, 3] });
    const a = await api.append({
      roomId: id,
      messages: [
        user(text, { id: "u1" }),
        assistant("Checking.", { id: "a1", toolCalls: [{ id: "c1", name: "get_weather", arguments: args }] }),
        user("", { id: "u2", parts: [{ text: "look at this" }, { imageUrl: { url: "https://example.com/x.png" } }] }),
      ],
    });
    const expected = [
      countTokens(text),
      countTokens("Checking.") + countTokens("get_weather") + countTokens(args),
      countTokens("look at this"),
    ];
    expect(a.messages.map((m) => m.tokens)).toEqual(expected);
    expect((await api.history({ roomId: id })).messages.map((m) => m.tokens)).toEqual(expected);
    const edited = await api.update({ roomId: id, messageId: "a1", content: "Checking the weather in Köln for you now." });
    expect(edited.message!.tokens).toBe(countTokens("Checking the weather in Köln for you now.") + countTokens("get_weather") + countTokens(args));
    const marked = await api.markDeleted({ roomId: id, messageId: "a1" });
    expect(marked.message!.tokens).toBe(edited.message!.tokens);
  });

  it("ignores Message.tokens on write: a retry that sends another count replays", async () => {
    const id = room();
    const first = await api.append({ roomId: id, idempotencyKey: "k1", messages: [user("same text", { id: "m1", tokens: 999 })] });
    const again = await api.append({ roomId: id, idempotencyKey: "k1", messages: [user("same text", { id: "m1", tokens: 5 })] });
    expect(again.replayed).toBe(true);
    expect(again.version).toBe(first.version);
    expect([first.messages[0].tokens, again.messages[0].tokens]).toEqual([countTokens("same text"), countTokens("same text")]);
  });
});

describe("legacy entries have no token count", () => {
  it("returns tokens 0 for an entry the legacy ConversationManager wrote", async () => {
    const prefix = uniquePrefix("rdl");
    const server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_KEY_HASHTAG: "false" });
    try {
      await redis.client().rpush(`${prefix}:old`, JSON.stringify({ role: "user", content: "[Message ID: x1] from python" }));
      const api = rpc(server.client);
      const h = await api.history({ roomId: "old" });
      expect(h.messages.map((m) => [m.id, m.tokens])).toEqual([["x1", 0]]);
      // Edited through the service, it gets one.
      const edited = await api.update({ roomId: "old", messageId: "x1", content: "edited" });
      expect(edited.message!.tokens).toBe(countTokens("edited"));
    } finally {
      await server.stop();
    }
  });
});

describe("a report on a room only the legacy manager wrote", () => {
  it("leaves no calibration behind when the legacy keys expire", async () => {
    const prefix = uniquePrefix("rdt");
    const server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: prefix, ROOMHISTORY_KEY_HASHTAG: "false" });
    try {
      const raw = redis.client();
      await raw.rpush(`${prefix}:ttl`, JSON.stringify({ role: "user", content: "from python" }));
      await raw.set(`${prefix}:ttl:ver`, "3", "PX", 60_000);
      const settings = settingsRpc(server.client);
      expect(await settings.report({ roomId: "ttl", version: 3, inputTokens: 20, estimatedTokens: 10 })).toEqual({ calibration: 2, samples: 1 });
      const ttl = await raw.pttl(`${prefix}:ttl:meta`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await server.stop();
    }
  });
});
