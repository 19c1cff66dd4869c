import { afterAll, beforeAll, expect, it } from "vitest";
import { RoomHistoryClient } from "@roomhistory/client";
import { TestRedis } from "../../../test/helpers/redis.js";
import { ServerProcess, uniquePrefix } from "../../../test/helpers/server.js";
import { canonical } from "./compare.js";
import { Proc } from "./procs/spawn.js";

let redis: TestRedis;
let server: ServerProcess;
const procs: Proc[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  server = await ServerProcess.start({
    ROOMHISTORY_REDIS_URL: redis.url,
    ROOMHISTORY_KEY_PREFIX: uniquePrefix("converge"),
    ROOMHISTORY_MAX_HISTORY: "20",
    ROOMHISTORY_MAX_EVENT_BYTES: "2000",
  });
});
afterAll(async () => {
  procs.forEach((p) => p.kill());
  await server?.kill();
  await redis?.stop();
});

interface Dump {
  type: "dump";
  rooms: Record<string, { version: number; messages: unknown[] }>;
  applied: number;
  refetched: number;
}

it("three mirror processes converge on what three writer processes wrote", async () => {
  const rooms = ["conv-a", "conv-b", "conv-c"];
  const env = { ADDRESS: server.address, ROOMS: rooms.join(",") };
  const mirrors = [1, 2, 3].map(() => new Proc("./mirror.ts", env));
  procs.push(...mirrors);
  await Promise.all(mirrors.map((m) => m.next<{ type: string }>()));

  const writers = [1, 2, 3].map(() => new Proc("./writer.ts", { ...env, WRITES: "150" }));
  procs.push(...writers);
  await Promise.all(writers.map((w) => w.exited()));

  const client = new RoomHistoryClient(server.address);
  try {
    const history = await Promise.all(rooms.map((roomId) => client.getHistory({ roomId })));
    const versions = Object.fromEntries(rooms.map((r, i) => [r, history[i].version]));
    expect(Object.values(versions).reduce((a, b) => a + b, 0)).toBeGreaterThan(300); // NOT_FOUND edits change nothing
    for (const m of mirrors) m.send({ type: "dump", versions });
    const dumps = await Promise.all(mirrors.map((m) => m.next<Dump>()));
    for (const dump of dumps) {
      expect(dump.type).toBe("dump");
      // Most changes are applied from the stream; large appends (omitted) and gaps are fetched.
      expect(dump.applied).toBeGreaterThan(dump.refetched);
      expect(dump.refetched).toBeGreaterThan(0);
      rooms.forEach((room, i) => {
        expect(dump.rooms[room].version).toBe(history[i].version);
        expect(dump.rooms[room].messages).toEqual(canonical(history[i].messages));
      });
    }
  } finally {
    client.close();
    for (const m of mirrors) m.send({ type: "exit" });
    await Promise.all(mirrors.map((m) => m.exited()));
  }
});
