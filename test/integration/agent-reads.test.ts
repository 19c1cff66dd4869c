/**
 * Issue 11's reads end to end through the generated client: run cursors (a resumed run reads only
 * what it lacks; the next_seq compare-and-set; the values bound), the run and phase filters of
 * GetHistory (with limit, after_seq and pages) and RenderMessages, SearchHistory (text, sender, time,
 * pages, the archive after a compaction) and ExportSummary. Memory store and both Redis layouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Message, Role, type DeepPartial } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { TestRedis } from "../helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../helpers/server.js";
import { assistant, expectStatus, rpc, user } from "../helpers/rpc.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => redis?.stop());

const LAYOUTS = [
  { name: "memory store", env: () => ({}) },
  { name: "redis, hash-tagged keys", env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("ar") }) },
  {
    name: "redis, unbraced keys",
    env: () => ({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("ar"), ROOMHISTORY_KEY_HASHTAG: "false" }),
  },
];

/** The issue 11 read RPCs as promises (test/helpers/rpc.ts has the older ones). */
function agentRpc(client: pb.RoomHistoryServiceClient) {
  const done = <T>(resolve: (v: T) => void, reject: (e: ServiceError) => void) =>
    (e: ServiceError | null, r: T) => (e ? reject(e) : resolve(r));
  const md = () => new Metadata();
  return {
    getCursor: (req: pb.DeepPartial<pb.GetRunCursorRequest>) => new Promise<pb.GetRunCursorResponse>(
      (resolve, reject) => client.getRunCursor(pb.GetRunCursorRequest.fromPartial(req), md(), done(resolve, reject))),
    updateCursor: (req: pb.DeepPartial<pb.UpdateRunCursorRequest>) => new Promise<pb.UpdateRunCursorResponse>(
      (resolve, reject) => client.updateRunCursor(pb.UpdateRunCursorRequest.fromPartial(req), md(), done(resolve, reject))),
    search: (req: pb.DeepPartial<pb.SearchHistoryRequest>) => new Promise<pb.SearchHistoryResponse>(
      (resolve, reject) => client.searchHistory(pb.SearchHistoryRequest.fromPartial(req), md(), done(resolve, reject))),
    summary: (req: pb.DeepPartial<pb.ExportSummaryRequest>) => new Promise<pb.ExportSummaryResponse>(
      (resolve, reject) => client.exportSummary(pb.ExportSummaryRequest.fromPartial(req), md(), done(resolve, reject))),
    compact: (req: pb.DeepPartial<pb.CompactHistoryRequest>) => new Promise<pb.CompactHistoryResponse>(
      (resolve, reject) => client.compactHistory(pb.CompactHistoryRequest.fromPartial(req), md(), done(resolve, reject))),
  };
}

let rooms = 0;
const room = () => `ar-${++rooms}-${Math.random().toString(36).slice(2, 6)}`;
const at = (seconds: number) => ({ seconds: 1_800_000_000 + seconds, nanos: 0 });
const tool = (content: string, extra: DeepPartial<Message> = {}) =>
  Message.fromPartial({ role: Role.ROLE_TOOL, content, ...extra });

describe.each(LAYOUTS)("agent reads ($name)", ({ env }) => {
  let server: TestServer;
  let api: ReturnType<typeof rpc>;
  let agent: ReturnType<typeof agentRpc>;
  beforeAll(async () => {
    server = await startTestServer(env());
    api = rpc(server.client);
    agent = agentRpc(server.client);
  });
  afterAll(async () => server?.stop());

  it("a resumed run reads only what it lacks: cursor, then GetHistory with run_id and after_seq", async () => {
    const r = room();
    const first = await api.append({ roomId: r, messages: [
      user("task", { runId: "run-a" }), assistant("other run", { runId: "run-b" }), assistant("step 1", { runId: "run-a" }),
    ] });
    const next = first.messages.at(-1)!.seq + 1;
    const set = await agent.updateCursor({ roomId: r, runId: "run-a", nextSeq: next, values: { step: "1" }, expectedNextSeq: 0 });
    expect(set).toEqual({ nextSeq: next, values: { step: "1" } });
    // Meanwhile both runs go on; the cursor did not move the version.
    expect((await api.info({ roomId: r })).version).toBe(1);
    await api.append({ roomId: r, messages: [assistant("b again", { runId: "run-b" }), assistant("step 2", { runId: "run-a" })] });
    await api.append({ roomId: r, messages: [user("no run"), assistant("step 3", { runId: "run-a" })] });

    const cursor = await agent.getCursor({ roomId: r, runId: "run-a" });
    expect(cursor).toEqual({ exists: true, nextSeq: next, values: { step: "1" } });
    const lacking = await api.history({ roomId: r, runId: "run-a", afterSeq: cursor.nextSeq - 1 });
    expect(lacking.messages.map((m) => m.content)).toEqual(["step 2", "step 3"]);
    expect(lacking.messages.every((m) => m.runId === "run-a")).toBe(true);
    expect((await agent.getCursor({ roomId: r, runId: "run-z" }))).toEqual({ exists: false, nextSeq: 0, values: {} });
  });

  it("UpdateRunCursor: ABORTED CURSOR_CONFLICT with the current next_seq, RESOURCE_EXHAUSTED, INVALID_ARGUMENT, NOT_FOUND", async () => {
    const r = room();
    await api.append({ roomId: r, messages: [user("hi")] });
    await agent.updateCursor({ roomId: r, runId: "run", nextSeq: 7 });
    const conflict = await expectStatus(agent.updateCursor({ roomId: r, runId: "run", nextSeq: 9, expectedNextSeq: 3 }), status.ABORTED);
    expect(conflict.info?.reason).toBe("CURSOR_CONFLICT");
    expect(conflict.info?.metadata).toMatchObject({ current_next_seq: "7", expected_next_seq: "3", run_id: "run" });
    expect((await agent.getCursor({ roomId: r, runId: "run" })).nextSeq).toBe(7);
    const big = await expectStatus(agent.updateCursor({ roomId: r, runId: "run", values: { v: "x".repeat(64 * 1024) } }),
      status.RESOURCE_EXHAUSTED);
    expect(big.info?.metadata.field).toBe("values");
    expect((await expectStatus(agent.updateCursor({ roomId: r, runId: "" }), status.INVALID_ARGUMENT)).info?.metadata.field)
      .toBe("run_id");
    expect((await expectStatus(agent.getCursor({ roomId: r, runId: "a b" }), status.INVALID_ARGUMENT)).info?.metadata.field)
      .toBe("run_id");
    await expectStatus(agent.updateCursor({ roomId: room(), runId: "run", nextSeq: 1 }), status.NOT_FOUND);
    await api.deleteRoom({ roomId: r });
    expect((await agent.getCursor({ roomId: r, runId: "run" })).exists).toBe(false);
  });

  it("filters GetHistory by run and phase; limit, after_seq and pages apply to the matching messages", async () => {
    const r = room();
    const messages = Array.from({ length: 24 }, (_, i) =>
      (i % 2 ? assistant : user)(`m${i}`, { runId: i % 3 === 0 ? "r1" : "r2", phaseId: i < 12 ? "plan" : "act" }));
    const written = (await api.append({ roomId: r, messages })).messages;
    const want = (run: string, phase = "") =>
      written.filter((m) => (!run || m.runId === run) && (!phase || m.phaseId === phase)).map((m) => m.content);
    expect((await api.history({ roomId: r, runId: "r1" })).messages.map((m) => m.content)).toEqual(want("r1"));
    expect((await api.history({ roomId: r, phaseId: "act" })).messages.map((m) => m.content)).toEqual(want("", "act"));
    expect((await api.history({ roomId: r, runId: "r2", phaseId: "plan" })).messages.map((m) => m.content))
      .toEqual(want("r2", "plan"));
    expect((await api.history({ roomId: r, runId: "r2", limit: 3 })).messages.map((m) => m.content)).toEqual(want("r2").slice(-3));
    const pages: string[] = [];
    let token = "";
    let calls = 0;
    do {
      const page = await api.history({ roomId: r, runId: "r2", pageSize: 4, pageToken: token });
      expect(page.messages.length).toBeLessThanOrEqual(4);
      pages.push(...page.messages.map((m) => m.content));
      token = page.nextPageToken;
      calls++;
      // An append between pages does not disturb them (the token names a seq).
      if (calls === 2) await api.append({ roomId: r, messages: [user("late", { runId: "r2" })] });
    } while (token);
    expect(pages).toEqual([...want("r2"), "late"]);
    expect(calls).toBe(Math.ceil((want("r2").length + 1) / 4));
    // The unfiltered read is unchanged by the filtered ones cached beside it.
    expect((await api.history({ roomId: r })).messages).toHaveLength(25);
    expect((await api.history({ roomId: r, runId: "nobody" })).messages).toEqual([]);
    await expectStatus(api.history({ roomId: r, phaseId: "bad phase" }), status.INVALID_ARGUMENT);
  });

  it("filters RenderMessages by run and phase, repairing tool calls after the filter", async () => {
    const r = room();
    await api.append({ roomId: r, messages: [
      user("question", { runId: "r1", phaseId: "p1" }),
      assistant("", { runId: "r1", phaseId: "p1", toolCalls: [{ id: "c1", name: "search", arguments: "{}" }] }),
      tool("found it", { runId: "r2", phaseId: "p1", toolCallId: "c1" }),
      assistant("answer", { runId: "r1", phaseId: "p2" }),
    ] });
    const chat = (res: pb.RenderMessagesResponse) => res.messages.filter((m) => m.role !== "system");
    const all = await api.render({ roomId: r });
    expect(chat(all).map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(all.repaired).toBe(0);
    const run = await api.render({ roomId: r, runId: "r1" });
    // The call lost its result (run r2) to the filter: repaired with a synthetic error result.
    expect(chat(run).map((m) => [m.role, m.toolCallId, m.isError])).toEqual(
      [["user", "", false], ["assistant", "", false], ["tool", "c1", true], ["assistant", "", false]]);
    expect(chat(run)[2].content).not.toContain("found it");
    expect(run.repaired).toBe(1);
    const phase = await api.render({ roomId: r, phaseId: "p2" });
    expect(chat(phase).map((m) => m.content)).toEqual([expect.stringMatching(/answer$/)]);
    expect(phase.estimatedTokens).toBeLessThan(all.estimatedTokens);
    // Cached per filter: the unfiltered render is still the full one.
    expect(chat(await api.render({ roomId: r }))).toHaveLength(4);
  });

  it("SearchHistory: text ignoring case, sender, created_at in [from, to), pages, and the archive first", async () => {
    const r = room();
    await api.append({ roomId: r, messages: Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? assistant : user)(i % 3 === 0 ? `Deploy step ${i}` : `chat ${i}`,
        { sender: i % 2 ? "bot" : "ann", createdAt: at(i) })) });
    const text = (res: pb.SearchHistoryResponse) => res.hits.map((h) => h.message!.content);
    expect(text(await agent.search({ roomId: r, text: "DEPLOY" }))).toEqual(["Deploy step 0", "Deploy step 3", "Deploy step 6", "Deploy step 9"]);
    expect(text(await agent.search({ roomId: r, sender: "bot", text: "deploy" }))).toEqual(["Deploy step 3", "Deploy step 9"]);
    expect(text(await agent.search({ roomId: r, fromTime: at(2), toTime: at(5) }))).toEqual(["chat 2", "Deploy step 3", "chat 4"]);
    // Pages of 3 through the 10 messages.
    const seen: string[] = [];
    let token = "";
    do {
      const page = await agent.search({ roomId: r, pageSize: 3, pageToken: token });
      expect(page.hits.length).toBeLessThanOrEqual(3);
      seen.push(...text(page));
      token = page.nextPageToken;
    } while (token);
    expect(seen).toHaveLength(10);
    await expectStatus(agent.search({ roomId: r, pageToken: "nope" }), status.INVALID_ARGUMENT);

    // A compaction moves the oldest six to the archive; include_archive finds them there, first.
    await agent.compact({ roomId: r, summary: "Earlier: deploy planning.", keepRecent: 4 });
    expect(text(await agent.search({ roomId: r, text: "deploy step" }))).toEqual(["Deploy step 6", "Deploy step 9"]);
    const both = await agent.search({ roomId: r, text: "deploy", includeArchive: true });
    // The summary turn takes the seq of the oldest turn it replaced (1); the originals keep theirs.
    expect(both.hits.map((h) => [h.message!.content, h.archived, h.message!.seq])).toEqual([
      ["Deploy step 0", true, 1], ["Deploy step 3", true, 4], ["Earlier: deploy planning.", false, 1],
      ["Deploy step 6", false, 7], ["Deploy step 9", false, 10],
    ]);
    const paged: [string, boolean][] = [];
    token = "";
    do {
      const page = await agent.search({ roomId: r, includeArchive: true, pageSize: 4, pageToken: token });
      paged.push(...page.hits.map((h): [string, boolean] => [h.message!.content, h.archived]));
      token = page.nextPageToken;
    } while (token);
    expect(paged.filter(([, archived]) => archived).map(([c]) => c)).toEqual(
      ["Deploy step 0", "chat 1", "chat 2", "Deploy step 3", "chat 4", "chat 5"]);
    expect(paged.filter(([, archived]) => !archived).map(([c]) => c)).toEqual(
      ["Earlier: deploy planning.", "Deploy step 6", "chat 7", "chat 8", "Deploy step 9"]);
  });

  it("ExportSummary: counts by role, tool calls by name, tool errors, runs, first/last times, recent, GetRoomInfo", async () => {
    const r = room();
    await api.append({ roomId: r, messages: [
      user("go", { runId: "r1", createdAt: at(5) }),
      assistant("", { runId: "r1", createdAt: at(6), toolCalls: [
        { id: "a", name: "search", arguments: "{}" }, { id: "b", name: "fetch", arguments: "{}" }] }),
      tool("ok", { toolCallId: "a", runId: "r1", createdAt: at(7) }),
      tool("boom", { toolCallId: "b", isError: true, runId: "r1", createdAt: at(8) }),
      assistant("", { runId: "r2", createdAt: at(9), toolCalls: [{ id: "c", name: "search", arguments: "{}" }] }),
      tool("ok", { toolCallId: "c", runId: "r2", createdAt: at(10) }),
      assistant("done", { createdAt: at(11) }),
    ] });
    const s = await agent.summary({ roomId: r, recent: 2 });
    expect(s.messagesByRole).toEqual({ user: 1, assistant: 3, tool: 3 });
    expect(s.toolCallsByName).toEqual({ search: 2, fetch: 1 });
    expect(s.toolErrors).toBe(1);
    expect(s.runIds).toEqual(["r1", "r2"]);
    expect(s.firstMessageAt).toEqual(at(5));
    expect(s.lastMessageAt).toEqual(at(11));
    expect(s.recentMessages.map((m) => m.content)).toEqual(["ok", "done"]);
    expect(s.info).toEqual(await api.info({ roomId: r }));
    expect((await agent.summary({ roomId: r })).recentMessages).toHaveLength(7);
    const empty = await agent.summary({ roomId: room() });
    expect(empty.firstMessageAt).toBeUndefined();
    expect(empty.info?.exists).toBe(false);
  });
});
