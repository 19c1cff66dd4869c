/**
 * rewrite-head-5.lua against what only real Redis has: a legacy ConversationManager's RPUSH (no version
 * bump) between a plan's snapshot and its rewrite makes the rewrite refuse (the length moved), and the
 * archive keeps a legacy entry's stored bytes as the legacy writer wrote them (Python json.dumps
 * spacing, no seq), not a re-encoding. Both key layouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { KeySpace } from "../../src/store/keys.js";
import { DomainError } from "../../src/domain/errors.js";
import { planPrune } from "../../src/agent/prune.js";
import type { RewritePlan } from "../../src/store/agent-types.js";
import { TestRedis } from "../helpers/redis.js";
import { uniquePrefix } from "../helpers/server.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

const tool = (i: number) => ({ role: "tool" as const, content: `result ${i} `.padEnd(300, "x"), tool_call_id: `c${i}`, tk: 300 });

describe.each([true, false])("rewrite-head-5.lua with a legacy writer (hashTag %s)", (hashTag) => {
  const open = () => {
    const prefix = uniquePrefix("rw");
    const store = new RedisStore(redis.client(), { defaultLimit: 100, ttlSeconds: 0, maxEventBytes: 65536, prefix, hashTag, logger: pino({ level: "silent" }) });
    return { store, keys: new KeySpace({ prefix, hashTag }).room("room") };
  };

  it("refuses a plan after a legacy RPUSH (same version, longer list)", async () => {
    const { store, keys } = open();
    await store.append("room", [tool(1), tool(2)]);
    const plan = planPrune(await store.read("room"), { protectTokens: 1, minPruneTokens: 1 })!.plan;
    const raw = redis.client();
    await raw.rpush(keys.list, JSON.stringify({ role: "user", content: "from legacy" }));
    await raw.quit();
    const err = await store.rewriteHead("room", plan).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("VERSION_CONFLICT");
    expect((await store.read("room")).entries.map((e) => e.content)).toContain(tool(1).content);
    await store.close();
  });

  it("refuses a plan after a legacy RPUSH + LTRIM, even when our own pure append follows it", async () => {
    const { store, keys } = open();
    await store.append("room", [tool(1), tool(2), tool(3)]);
    const plan = planPrune(await store.read("room"), { protectTokens: 1, minPruneTokens: 1 })!.plan;
    const raw = redis.client();
    await raw.rpush(keys.list, JSON.stringify({ role: "user", content: "from legacy" }));
    await raw.ltrim(keys.list, 1, -1);
    await raw.quit();
    // A pure tail append since the plan alone would let it apply; the window's front moved, so it must not.
    await store.append("room", [{ role: "user", content: "ours", tk: 1 }]);
    const before = (await store.read("room")).entries;
    const err = await store.rewriteHead("room", plan).catch((e: unknown) => e);
    expect((err as DomainError).code).toBe("VERSION_CONFLICT");
    expect((await store.read("room")).entries).toEqual(before);
    await store.close();
  });

  it("archives a legacy entry's stored bytes as they were", async () => {
    const { store, keys } = open();
    const legacy = '{"role": "user", "content": "legacy turn \\u00e9", "timestamp": "2024-01-01T00:00:00"}';
    const raw = redis.client();
    await raw.rpush(keys.list, legacy);
    await store.append("room", [{ role: "user", content: "new", tk: 1 }]);
    const snap = await store.read("room");
    const summary = { role: "user", content: "sum", kind: "summary" as const, tk: 1 };
    const plan: RewritePlan = {
      kind: "compact", baseVersion: snap.version, baseLength: 2, replaceCount: 1, head: [summary],
      archived: [snap.entries[0]], changed: [summary], replacedThroughSeq: 0,
    };
    await store.rewriteHead("room", plan);
    expect(await raw.zrange(keys.archive, 0, -1)).toEqual([legacy]);
    await raw.quit();
    expect((await store.readArchive("room", { fromSeq: 0, toSeq: 0, limit: 10 })).entries).toEqual([snap.entries[0]]);
    await store.close();
  });
});
