/**
 * Room metadata and the namespace memory bank through the client against a real server on a real
 * redis-server: what a consolidation worker does (list, summarise, plan, commit) and what an inference
 * worker reads (renderMemoryBank, RenderMessages memoryBank), with the typed errors of each refusal.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ListRoomsOrder, MemoryBankUse, MemoryGranularity, Role, RollupConflictError, RoomHistoryClient, RoomHistoryError,
  SummaryOutdatedError, VersionConflictError, type Timestamp,
} from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("bank") });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

let n = 0;
const unique = (tag: string) => `${tag}-${++n}`;
const at = (iso: string): Timestamp => ({ seconds: Date.parse(iso) / 1000, nanos: 0 });
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const LONG = "The user asked how to migrate their asyncio worker to the new history service and we went through " +
  "the watch, the mirror and the retry rules one by one, with examples for each.";

/** A room of `ns` with one exchange; its version. */
async function roomIn(ns: string, sender = "ana"): Promise<{ roomId: string; version: number }> {
  const roomId = unique("bank-room");
  await client.updateRoomMetadata({ roomId, namespace: ns });
  const { version } = await client.appendMessages({
    roomId, messages: [{ role: Role.ROLE_USER, content: "hi", sender }, { role: Role.ROLE_ASSISTANT, content: "hello" }],
  });
  return { roomId, version };
}

describe("room metadata", () => {
  it("updateRoomMetadata sets fields, getRoomInfo returns them, participants come from senders", async () => {
    const roomId = unique("meta");
    await client.appendMessages({ roomId, messages: [{ role: Role.ROLE_USER, content: "x", sender: "zoe" }] });
    const res = await client.updateRoomMetadata({
      roomId, title: "Support", labels: ["vip", "eu"], participants: [{ id: "zoe", displayName: "Zoe" }],
    });
    expect(res.metadata).toMatchObject({ title: "Support", labels: ["eu", "vip"] });
    expect(res.metadata?.participants[0]).toMatchObject({ id: "zoe", displayName: "Zoe" });
    expect(res.metadata?.participants[0].firstSeen).toBeDefined();
    const info = await client.getRoomInfo({ roomId });
    expect(info.metadata).toEqual(res.metadata);
    expect(info.version).toBe(res.version);
    expect(info.createdAt).toBeDefined();
  });

  it("an updateMask clears a field; a stale expectedVersion is a VersionConflictError", async () => {
    const roomId = unique("meta");
    const { version } = await client.updateRoomMetadata({ roomId, title: "T", summary: "S" });
    const cleared = await client.updateRoomMetadata({ roomId, summary: "", updateMask: ["summary"], expectedVersion: version });
    expect(cleared.metadata).toMatchObject({ title: "T", summary: "" });
    const err = await failure(client.updateRoomMetadata({ roomId, title: "U", expectedVersion: version }));
    expect(err).toBeInstanceOf(VersionConflictError);
    expect((err as VersionConflictError).currentVersion).toBe(cleared.version);
  });

  it("without an updateMask, the fields given are replaced and an empty one clears (as in Python)", async () => {
    const roomId = unique("meta");
    await client.updateRoomMetadata({ roomId, title: "T", summary: "S", labels: ["a"] });
    const res = await client.updateRoomMetadata({ roomId, title: "" });
    expect(res.metadata).toMatchObject({ title: "", summary: "S", labels: ["a"] });
  });

  it("listRooms filters by namespace and label and orders by last activity", async () => {
    const ns = unique("list-ns");
    const first = await roomIn(ns);
    const second = await roomIn(ns);
    await client.updateRoomMetadata({ roomId: first.roomId, labels: ["x"] });
    const byNs = await client.listRooms({ namespace: ns });
    expect(byNs.roomIds.sort()).toEqual([first.roomId, second.roomId].sort());
    expect((await client.listRooms({ namespace: ns, label: "x" })).roomIds).toEqual([first.roomId]);
    const paged: string[] = [];
    for await (const id of client.iterRooms({ namespace: ns, pageSize: 1 })) paged.push(id);
    expect(paged).toEqual([first.roomId, second.roomId].sort());
    const recent = await client.listRooms({ namespace: ns, order: ListRoomsOrder.LIST_ROOMS_ORDER_LAST_ACTIVITY });
    expect(recent.roomIds.sort()).toEqual([first.roomId, second.roomId].sort());
    const ms = recent.rooms.map((r) => r.lastActivity!.seconds * 1000 + r.lastActivity!.nanos / 1e6);
    expect(ms).toEqual([...ms].sort((x, y) => y - x)); // newest first
    expect(recent.rooms.find((r) => r.roomId === first.roomId)).toMatchObject({ namespace: ns, labels: ["x"] });
  });
});

describe("memory bank", () => {
  it("setNamespaceOptions fills the defaults; getMemoryBank of a new namespace is empty", async () => {
    const ns = unique("opts");
    const { options } = await client.setNamespaceOptions({ namespace: ns, memoryBankEnabled: true });
    expect(options).toEqual({ namespace: ns, memoryBankEnabled: true, maxTokens: 2000, idleMinutes: 10, maxTurnsPerSummary: 40 });
    const bank = await client.getMemoryBank({ namespace: unique("never") });
    expect(bank).toMatchObject({ entries: [], totalTokens: 0, droppedEntries: 0 });
    expect(bank.options?.memoryBankEnabled).toBe(false);
  });

  it("a consolidation round: list, summarise, plan, commit, render", async () => {
    const ns = unique("round");
    await client.setNamespaceOptions({ namespace: ns, memoryBankEnabled: true, maxTokens: 20 });
    const a = await roomIn(ns, "ana");
    const b = await roomIn(ns, "bo");
    const asOf = { seconds: Math.floor(Date.now() / 1000) + 3600, nanos: 0 };
    const needing = await client.listRoomsNeedingSummary({ namespace: ns, asOf });
    expect(needing.rooms.map((r) => r.roomId).sort()).toEqual([a.roomId, b.roomId].sort());
    expect(needing.rooms.find((r) => r.roomId === a.roomId)).toMatchObject({ version: a.version, summarizedVersion: 0 });

    const lastTurnAt = at("2026-11-10T12:00:00Z");
    const put = await client.putConversationSummary({ roomId: a.roomId, summary: LONG, coversVersion: a.version, lastTurnAt });
    expect(put.created).toBe(true);
    expect(put.entry).toMatchObject({
      id: `conversation:${a.roomId}`, granularity: MemoryGranularity.MEMORY_GRANULARITY_CONVERSATION, periodKey: "2026-11-10",
      roomId: a.roomId, coversVersion: a.version,
    });
    const again = await client.putConversationSummary({ roomId: a.roomId, summary: LONG, coversVersion: a.version, lastTurnAt });
    expect(again.created).toBe(false);
    await client.putConversationSummary({ roomId: b.roomId, summary: LONG, coversVersion: b.version, lastTurnAt });
    expect((await client.listRoomsNeedingSummary({ namespace: ns, asOf })).rooms).toEqual([]);

    const bank = await client.getMemoryBank({ namespace: ns });
    expect(bank.entries).toHaveLength(2);
    expect(bank.totalTokens).toBe(bank.entries.reduce((s, e) => s + e.tokenCount, 0));
    const block = await client.renderMemoryBank({ namespace: ns, maxTokens: 1000 });
    expect(block.text.startsWith("[Project Memory Bank")).toBe(true);
    expect(block.text).toContain("Recent conversations");
    expect(block.entriesRendered).toBe(2);

    const plan = await client.planRollup({ namespace: ns });
    expect(plan.maxTokens).toBe(20);
    expect(plan.groups).toHaveLength(1);
    const [group] = plan.groups;
    expect(group).toMatchObject({
      from: MemoryGranularity.MEMORY_GRANULARITY_CONVERSATION, to: MemoryGranularity.MEMORY_GRANULARITY_DAY, periodKey: "2026-11-10",
    });
    expect(group.sources).toHaveLength(2);
    const commit = await client.commitRollup({ plan: group.plan, digestText: "Two users asked about migrating workers." });
    expect(commit).toMatchObject({ sourcesReplaced: 2, digest: { id: "day:2026-11-10", granularity: MemoryGranularity.MEMORY_GRANULARITY_DAY } });
    // A repeat (e.g. after a lost reply, or a second worker with the same plan) is refused, nothing changed.
    const repeat = await failure(client.commitRollup({ plan: group.plan, digestText: "again" }));
    expect(repeat).toBeInstanceOf(RollupConflictError);
    expect((repeat as RollupConflictError).reason).toBe("ROLLUP_CONFLICT");
    expect((await client.getMemoryBank({ namespace: ns })).entries.map((e) => e.id)).toEqual(["day:2026-11-10"]);
  });

  it("an older summary is a SummaryOutdatedError carrying the stored coversVersion", async () => {
    const ns = unique("outdated");
    await client.setNamespaceOptions({ namespace: ns, memoryBankEnabled: true });
    const { roomId, version } = await roomIn(ns);
    await client.putConversationSummary({ roomId, summary: "newer", coversVersion: version });
    const err = await failure(client.putConversationSummary({ roomId, summary: "older", coversVersion: version - 1 }));
    expect(err).toBeInstanceOf(SummaryOutdatedError);
    expect((err as SummaryOutdatedError).coversVersion).toBe(version);
  });

  it("a namespace whose bank is off refuses summaries with FAILED_PRECONDITION", async () => {
    const ns = unique("off");
    const { roomId, version } = await roomIn(ns);
    const err = await failure(client.putConversationSummary({ roomId, summary: "s", coversVersion: version }));
    expect(err).toBeInstanceOf(RoomHistoryError);
    expect((err as RoomHistoryError).code).toBe(status.FAILED_PRECONDITION);
  });

  it("renderMessages puts the bank's block before the system prompt with MEMORY_BANK_USE_PREPEND", async () => {
    const ns = unique("render");
    await client.setNamespaceOptions({ namespace: ns, memoryBankEnabled: true });
    const { roomId, version } = await roomIn(ns);
    await client.putConversationSummary({ roomId, summary: "They like short answers.", coversVersion: version });
    const res = await client.renderMessages({ roomId, memoryBank: MemoryBankUse.MEMORY_BANK_USE_PREPEND });
    expect(res.memoryBankTokens).toBeGreaterThan(0);
    expect(JSON.stringify(res)).toContain("They like short answers.");
  });
});
