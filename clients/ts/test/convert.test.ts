/**
 * The conveniences Python had alone until now: messages to and from the OpenAI chat form
 * (clients/testdata/openai-vectors.json, which Python runs too) and the compare-and-set retry, against a
 * real server (many writers of one room all land; a stale write gives up after its attempts).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONFLICT_BACKOFF, fromOpenAI, Message, retryOnConflict, Role, RoomHistoryClient, toOpenAI, VersionConflictError,
  type OpenAIInput,
} from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";

interface Vectors {
  round_trip: { name: string; messages: unknown[]; openai: OpenAIInput[] }[];
  from_openai: { name: string; messages: unknown[]; openai: OpenAIInput[] }[];
}
const vectors = JSON.parse(
  readFileSync(new URL("../../testdata/openai-vectors.json", import.meta.url), "utf8"),
) as Vectors;
const messages = (items: unknown[]) => items.map((m) => Message.fromJSON(m));

describe("OpenAI form (clients/testdata/openai-vectors.json)", () => {
  it.each(vectors.round_trip.map((c) => [c.name, c] as const))("round trip: %s", (_, c) => {
    expect(toOpenAI(messages(c.messages))).toEqual(c.openai);
    expect(fromOpenAI(c.openai)).toEqual(messages(c.messages));
  });

  it.each(vectors.from_openai.map((c) => [c.name, c] as const))("from OpenAI: %s", (_, c) => {
    expect(fromOpenAI(c.openai)).toEqual(messages(c.messages));
  });

  it("a role it does not know is a TypeError", () => {
    expect(() => fromOpenAI([{ role: "robot", content: "" }])).toThrow(TypeError);
  });
});

describe("retryOnConflict", () => {
  let redis: TestRedis;
  let server: TestServer;
  let client: RoomHistoryClient;
  beforeAll(async () => {
    redis = await TestRedis.start();
    server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("convert") });
    client = new RoomHistoryClient(server.address);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
    await redis?.stop();
  });
  const user = (content: string) => ({ role: Role.ROLE_USER, content });

  it("lands every one of many compare-and-set writers of one room", async () => {
    const roomId = "cas";
    let conflicts = 0;
    const write = (n: number) => retryOnConflict(async () => {
      const { version } = await client.getRoomInfo({ roomId });
      try {
        return await client.appendMessages({ roomId, messages: [user(`w${n}`)], expectedVersion: version });
      } catch (err) {
        if (err instanceof VersionConflictError) conflicts++;
        throw err;
      }
    });
    const writers = 20;
    await Promise.all(Array.from({ length: writers }, (_, n) => write(n)));
    expect((await client.getRoomInfo({ roomId })).version).toBe(writers);
    expect(conflicts).toBeLessThan(writers * 10);
  });

  it("gives up after its attempts with the last conflict", async () => {
    await client.appendMessages({ roomId: "stale", messages: [user("x")] });
    let calls = 0;
    const stale = () => {
      calls++;
      return client.appendMessages({ roomId: "stale", messages: [user("y")], expectedVersion: 0 });
    };
    const err = await retryOnConflict(stale, { ...CONFLICT_BACKOFF, initialMs: 1, maxMs: 2, maxAttempts: 3 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(calls).toBe(3);
  });
});
