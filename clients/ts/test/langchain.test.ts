/**
 * The LangChain adapter against a real server on a real redis-server, with the real @langchain/core:
 * messages round trip with their roles, ids, names and tool calls; two histories of one room see each
 * other's writes; a RunnableWithMessageHistory over a fake chat model keeps its turns in the room; the
 * package's main entry never loads @langchain/core.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { ChatPromptTemplate, MessagesPlaceholder } from "@langchain/core/prompts";
import { RunnableWithMessageHistory } from "@langchain/core/runnables";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Role, RoomHistoryClient } from "@roomhistory/client";
import { RoomHistoryChatMessageHistory } from "@roomhistory/client/langchain";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("lc") });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

const TURN = [
  new SystemMessage("be brief"),
  new HumanMessage({ content: "what is 2+2?", name: "ann", id: "m-1" }),
  new AIMessage({ content: "", tool_calls: [{ id: "call-1", name: "add", args: { a: 2, b: 2 }, type: "tool_call" }] }),
  new ToolMessage({ content: "4", tool_call_id: "call-1" }),
  new ToolMessage({ content: "no such tool", tool_call_id: "call-2", status: "error" }),
  new AIMessage("4"),
];

describe("RoomHistoryChatMessageHistory", () => {
  it("round-trips messages with roles, names, ids, tool calls and tool errors, in one append", async () => {
    const history = new RoomHistoryChatMessageHistory(client, "lc/1");
    await history.addMessages(TURN);
    expect((await client.getRoomInfo({ roomId: "lc/1" })).version).toBe(1);
    const got = await history.getMessages();
    expect(got.map((m) => m.getType())).toEqual(["system", "human", "ai", "tool", "tool", "ai"]);
    expect(got.map((m) => m.content)).toEqual(TURN.map((m) => m.content));
    expect(got[1]).toMatchObject({ name: "ann", id: "m-1" });
    expect((got[2] as AIMessage).tool_calls).toEqual([{ id: "call-1", name: "add", args: { a: 2, b: 2 }, type: "tool_call" }]);
    expect(got[3]).toMatchObject({ tool_call_id: "call-1", status: "success" });
    expect(got[4]).toMatchObject({ tool_call_id: "call-2", status: "error" });
    await history.clear();
    expect(await history.getMessages()).toEqual([]);
  });

  it("shares a room between two histories, deleted messages left out", async () => {
    const a = new RoomHistoryChatMessageHistory(client, "lc/2");
    const b = new RoomHistoryChatMessageHistory(client, "lc/2");
    await a.addUserMessage("from a");
    await b.addAIMessage("from b");
    const seen = await a.getMessages();
    expect(seen.map((m) => m.content)).toEqual(["from a", "from b"]);
    await client.markDeleted({ roomId: "lc/2", messageId: seen[0].id! });
    expect((await b.getMessages()).map((m) => m.content)).toEqual(["from b"]);
  });

  it("keeps a RunnableWithMessageHistory's turns in the room", async () => {
    const prompt = ChatPromptTemplate.fromMessages([["system", "answer"], new MessagesPlaceholder("history"), ["human", "{q}"]]);
    const runnable = new RunnableWithMessageHistory({
      runnable: prompt.pipe(new FakeListChatModel({ responses: ["first answer", "second answer"] })),
      getMessageHistory: (sessionId: string) => new RoomHistoryChatMessageHistory(client, `lc/session-${sessionId}`),
      inputMessagesKey: "q",
      historyMessagesKey: "history",
    });
    const config = { configurable: { sessionId: "s1" } };
    expect((await runnable.invoke({ q: "hello" }, config)).content).toBe("first answer");
    expect((await runnable.invoke({ q: "again" }, config)).content).toBe("second answer");
    const stored = (await client.getHistory({ roomId: "lc/session-s1" })).messages;
    expect(stored.map((m) => [m.role, m.content])).toEqual([
      [Role.ROLE_USER, "hello"], [Role.ROLE_ASSISTANT, "first answer"], [Role.ROLE_USER, "again"], [Role.ROLE_ASSISTANT, "second answer"],
    ]);
  });

  it("lives behind its own entry point", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { exports: Record<string, unknown> };
    expect(pkg.exports["./langchain"]).toEqual({ types: "./dist/integrations/langchain.d.ts", default: "./dist/integrations/langchain.js" });
    for (const file of ["index.ts", "client.ts", "core.ts"]) {
      expect(readFileSync(new URL(`../src/${file}`, import.meta.url), "utf8")).not.toMatch(/@langchain|integrations\//);
    }
  });
});
