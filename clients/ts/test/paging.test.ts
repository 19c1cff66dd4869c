import { afterAll, beforeAll, expect, it } from "vitest";
import {
  readWindow, Role, RoomChangedWhilePagingError, RoomHistoryClient, RoomMirror, type GetHistoryRequest,
} from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { startTestServer, uniquePrefix, type TestServer } from "../../../test/helpers/server.js";

let redis: TestRedis;
let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await startTestServer({ ROOMHISTORY_REDIS_URL: redis.url, ROOMHISTORY_KEY_PREFIX: uniquePrefix("paging") });
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
  await redis?.stop();
});

const say = (roomId: string, ...texts: string[]) =>
  client.appendMessages({ roomId, messages: texts.map((content) => ({ role: Role.ROLE_USER, content })) });

/** The client, with `between` run before every page after the first. */
function pagingWith(between: () => Promise<unknown>): RoomHistoryClient {
  return new Proxy(client, {
    get(target, name, receiver) {
      if (name !== "getHistory") return Reflect.get(target, name, receiver) as unknown;
      return async (req: Partial<GetHistoryRequest>) => {
        if (req.pageToken) await between();
        return target.getHistory(req);
      };
    },
  });
}

it("mirrors load and resync a room page by page", async () => {
  await say("paged", ...Array.from({ length: 10 }, (_, i) => `m${i}`));
  const mirror = new RoomMirror(client, ["paged"], { pageSize: 3 });
  try {
    await mirror.ready();
    expect((await mirror.getMessages("paged")).map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    // An append too large to travel in its change event is fetched (in pages too).
    const { version } = await say("paged", "x".repeat(70 * 1024), "y".repeat(70 * 1024));
    await mirror.waitForVersion("paged", version, 5000);
    expect((await mirror.getMessages("paged")).at(-1)!.content).toBe("y".repeat(70 * 1024));
    expect(await mirror.getMessages("paged")).toEqual((await client.getHistory({ roomId: "paged" })).messages);
  } finally {
    mirror.close();
  }
});

it("starts a paged read again when the room changes between pages", async () => {
  await say("moving", ...Array.from({ length: 7 }, (_, i) => `m${i}`));
  let changes = 0;
  const read = await readWindow(pagingWith(async () => {
    if (changes++ === 0) await say("moving", "late");
  }), "moving", 0, 3);
  const now = await client.getHistory({ roomId: "moving" });
  expect(read).toEqual({ version: now.version, messages: now.messages });
  expect(read.messages.at(-1)!.content).toBe("late");
});

it("gives up on a room that changes between every two pages, for the caller to retry", async () => {
  await say("busy", ...Array.from({ length: 7 }, (_, i) => `m${i}`));
  const err = await readWindow(pagingWith(() => say("busy", "more")), "busy", 0, 3).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RoomChangedWhilePagingError);
});
