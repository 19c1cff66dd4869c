/**
 * The memory bank through the real server, on Redis and on the memory store: a consolidation worker's
 * whole flow (as_of in the future instead of waiting), its errors, and two workers at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { MemoryGranularity } from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import { BANK_HEADER } from "../../src/bank/block.js";
import { rpc, user, assistant, expectStatus } from "../helpers/rpc.js";
import { serversForEachStore, STORE_KINDS } from "../helpers/server.js";
import { at, bankRpc } from "./rpc.js";

const servers = serversForEachStore({ beforeAll, afterAll });
const DAY = 86_400_000;
const MIN = 60_000;
let n = 0;
const fresh = (tag: string) => `${tag}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

describe.each(STORE_KINDS)("memory bank over gRPC (%s)", (kind) => {
  const calls = () => ({ ...rpc(servers[kind].client), ...bankRpc(servers[kind].client) });

  async function roomIn(ns: string, turns = 2): Promise<{ roomId: string; version: number }> {
    const c = calls();
    const roomId = fresh("room");
    await c.setNamespace(roomId, ns);
    let version = 0;
    for (let i = 0; i < turns; i++) version = (await c.append({ roomId, messages: [user(`q${i}`), assistant(`a${i}`)] })).version;
    return { roomId, version };
  }

  it("runs the whole flow: settle, summarise, plan, commit, render", async () => {
    const c = calls();
    const ns = fresh("ns");
    const { options } = await c.setOptions({ namespace: ns, memoryBankEnabled: true, maxTokens: 30 });
    expect(options).toMatchObject({ maxTokens: 30, idleMinutes: 10, maxTurnsPerSummary: 40 });
    const rooms = [await roomIn(ns), await roomIn(ns), await roomIn(ns)];
    expect((await c.needing({ namespace: ns })).rooms).toEqual([]); // not idle yet
    const due = await c.needing({ namespace: ns, asOf: at(11 * MIN) });
    expect(due.rooms.map((r) => r.roomId).sort()).toEqual(rooms.map((r) => r.roomId).sort());
    expect(due.rooms[0]).toMatchObject({ summarizedVersion: 0 });
    for (const [i, r] of rooms.entries()) {
      const text = `- The user asked question number ${i} about the deployment of service ${i}.`;
      const out = await c.put({ roomId: r.roomId, summary: text, coversVersion: r.version, lastTurnAt: at(-(3 + i) * DAY),
        sourceMessageCount: 4 });
      expect(out).toMatchObject({ created: true, entry: { granularity: MemoryGranularity.MEMORY_GRANULARITY_CONVERSATION, revision: 1 } });
    }
    expect((await c.needing({ namespace: ns, asOf: at(11 * MIN) })).rooms).toEqual([]);
    const plan = await c.plan({ namespace: ns });
    expect(plan.totalTokens).toBeGreaterThan(30 * 1.25);
    expect(plan.groups).toHaveLength(3); // three days, one group each
    for (const g of plan.groups) {
      const out = await c.commit({ plan: g.plan, digestText: `- day digest ${g.periodKey}` });
      expect(out).toMatchObject({ sourcesReplaced: 1, digest: { granularity: MemoryGranularity.MEMORY_GRANULARITY_DAY, periodKey: g.periodKey } });
    }
    const bank = await c.getBank({ namespace: ns });
    expect(bank.entries.map((e) => e.id)).toEqual(plan.groups.map((g) => `day:${g.periodKey}`).reverse()); // newest first
    expect(bank.entries.reduce((s, e) => s + e.sourceMessageCount, 0)).toBe(12);
    const block = await c.renderBank({ namespace: ns, maxTokens: 500 });
    expect((await c.renderBank({ namespace: ns })).tokens).toBeLessThanOrEqual(30); // the namespace's max_tokens
    expect(block.text.startsWith(`${BANK_HEADER}\n## By day\n- (`)).toBe(true);
    expect(block).toMatchObject({ entriesRendered: 3, entriesOmitted: 0 });
    expect((await c.renderBank({ namespace: ns, maxTokens: block.tokens - 1 })).entriesOmitted).toBe(1);
  });

  it("refuses what the proto says it refuses", async () => {
    const c = calls();
    const ns = fresh("ns");
    await expectStatus(c.setOptions({ namespace: "no spaces" }), status.INVALID_ARGUMENT);
    await expectStatus(c.setOptions({ namespace: ns, maxTokens: 100_001 }), status.INVALID_ARGUMENT);
    const r = await roomIn(ns);
    const disabled = await expectStatus(c.put({ roomId: r.roomId, summary: "s", coversVersion: r.version }), status.FAILED_PRECONDITION);
    expect(disabled.err.details).toMatch(/not enabled/);
    await c.setOptions({ namespace: ns, memoryBankEnabled: true });
    await c.put({ roomId: r.roomId, summary: "s", coversVersion: r.version });
    const outdated = await expectStatus(c.put({ roomId: r.roomId, summary: "s", coversVersion: r.version - 1 }), status.ABORTED);
    expect(outdated.info).toMatchObject({ reason: "SUMMARY_OUTDATED", metadata: { covers_version: String(r.version) } });
    await expectStatus(c.put({ roomId: r.roomId, summary: "", coversVersion: 1 }), status.INVALID_ARGUMENT);
    await expectStatus(c.put({ roomId: r.roomId, summary: "x".repeat(16 * 1024 + 1), coversVersion: 1 }), status.RESOURCE_EXHAUSTED);
    await expectStatus(c.put({ roomId: r.roomId, summary: "s", coversVersion: 0 }), status.INVALID_ARGUMENT);
    await c.append({ roomId: "no-namespace-room", messages: [user("hi")] });
    await expectStatus(c.put({ roomId: "no-namespace-room", summary: "s", coversVersion: 1 }), status.FAILED_PRECONDITION);
    await expectStatus(c.put({ roomId: fresh("missing"), summary: "s", coversVersion: 1 }), status.NOT_FOUND);
    await expectStatus(c.commit({ plan: "garbage", digestText: "d" }), status.INVALID_ARGUMENT);
  });

  it("commits one of two commits of a plan; the other is ABORTED and nothing is lost", async () => {
    const c = calls();
    const ns = fresh("ns");
    await c.setOptions({ namespace: ns, memoryBankEnabled: true, maxTokens: 10 });
    const r = await roomIn(ns);
    await c.put({ roomId: r.roomId, summary: "- a long enough summary of the talk to be over ten tokens for sure", coversVersion: r.version,
      lastTurnAt: at(-2 * DAY), sourceMessageCount: 4 });
    const [g] = (await c.plan({ namespace: ns })).groups;
    const results = await Promise.allSettled([c.commit({ plan: g.plan, digestText: "d1" }), c.commit({ plan: g.plan, digestText: "d2" })]);
    expect(results.map((x) => x.status).sort()).toEqual(["fulfilled", "rejected"]);
    const lost = results.find((x) => x.status === "rejected")!;
    expect(lost.reason).toMatchObject({ code: status.ABORTED });
    const bank = await c.getBank({ namespace: ns });
    expect(bank.entries.map((e) => [e.id, e.sourceMessageCount])).toEqual([[`day:${g.periodKey}`, 4]]);
  });

  it("forgets rooms that left the namespace or were deleted", async () => {
    const c = calls();
    const ns = fresh("ns");
    await c.setOptions({ namespace: ns, memoryBankEnabled: true });
    const [leave, gone, stay] = [await roomIn(ns), await roomIn(ns), await roomIn(ns)]; // least recently active first
    await c.setNamespace(leave.roomId, fresh("elsewhere"));
    await c.deleteRoom({ roomId: gone.roomId });
    const due = await c.needing({ namespace: ns, asOf: at(11 * MIN), pageSize: 1 });
    expect(due.rooms.map((r) => r.roomId)).toEqual([stay.roomId]);
    expect(due.more).toBe(false);
  });

  it("two workers at once never duplicate or lose an entry", async () => {
    const c = calls();
    const ns = fresh("ns");
    await c.setOptions({ namespace: ns, memoryBankEnabled: true, maxTokens: 30 });
    const rooms = await Promise.all(Array.from({ length: 12 }, () => roomIn(ns, 1)));
    const worker = async (w: number) => {
      for (let round = 0; round < 4; round++) {
        const { rooms: due } = await c.needing({ namespace: ns, asOf: at(11 * MIN), pageSize: 5 });
        for (const r of due) {
          await c.put({ roomId: r.roomId, summary: `- worker ${w} summary of ${r.roomId}, with details`, coversVersion: r.version,
            lastTurnAt: at(-(2 + (rooms.findIndex((x) => x.roomId === r.roomId) % 3)) * DAY), sourceMessageCount: 1 })
            .catch((err: { code: number }) => expect(err.code).toBe(status.ABORTED));
        }
        const { groups } = await c.plan({ namespace: ns });
        await Promise.all(groups.map((g) => c.commit({ plan: g.plan, digestText: `- digest by ${w}` })
          .catch((err: { code: number }) => expect(err.code).toBe(status.ABORTED))));
      }
    };
    await Promise.all([worker(1), worker(2)]);
    const { entries } = await c.getBank({ namespace: ns });
    const conversations = entries.filter((e) => e.granularity === MemoryGranularity.MEMORY_GRANULARITY_CONVERSATION);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    // Every room is counted exactly once: in its own entry or in one digest's sum.
    expect(entries.reduce((s, e) => s + e.sourceMessageCount, 0)).toBe(12);
    expect(conversations.length).toBeLessThan(12);
    expect((await c.needing({ namespace: ns, asOf: at(11 * MIN) })).rooms).toEqual([]);
  });
});
