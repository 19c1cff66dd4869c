/**
 * The memory bank on a Redis Cluster: each namespace's scripts run in its own `{ns:<namespace>}` slot,
 * its rooms in theirs, and the namespace index in `{rooms}`; namespaces and rooms spread over every node.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { MemoryBankUse } from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import { TestRedisCluster } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { rpc, user, assistant } from "../helpers/rpc.js";
import { at, bankRpc } from "../bank/rpc.js";

let cluster: TestRedisCluster;
let server: TestServer;

beforeAll(async () => {
  cluster = await TestRedisCluster.start(3);
  server = await startTestServer({ ROOMHISTORY_REDIS_CLUSTER: cluster.seeds, ROOMHISTORY_KEY_PREFIX: uniquePrefix("cb") });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
});

it("summarises, rolls up and renders banks of namespaces on every node", async () => {
  const c = { ...rpc(server.client), ...bankRpc(server.client) };
  for (const ns of ["alpha", "beta", "gamma", "delta"]) {
    await c.setOptions({ namespace: ns, memoryBankEnabled: true, maxTokens: 20 });
    for (const i of [1, 2, 3]) {
      const roomId = `${ns}-room-${i}`;
      await c.setNamespace(roomId, ns);
      await c.append({ roomId, messages: [user("q"), assistant("a")] });
    }
    const due = await c.needing({ namespace: ns, asOf: at(11 * 60_000) });
    expect(due.rooms).toHaveLength(3);
    for (const r of due.rooms) {
      await c.put({ roomId: r.roomId, summary: `- ${r.roomId}: the user planned the quarterly release notes.`, coversVersion: r.version,
        lastTurnAt: at(-3 * 86_400_000), sourceMessageCount: 2 });
    }
    const { groups } = await c.plan({ namespace: ns });
    expect(groups).toHaveLength(1);
    const out = await c.commit({ plan: groups[0].plan, digestText: `- ${ns}: release notes planned` });
    expect(out).toMatchObject({ sourcesReplaced: 3, digest: { sourceMessageCount: 6 } });
    const r = await c.render({ roomId: `${ns}-room-1`, memoryBank: MemoryBankUse.MEMORY_BANK_USE_PREPEND, memoryBankMaxTokens: 200 });
    expect(r.system).toContain(`- ${ns}: release notes planned`);
  }
});
