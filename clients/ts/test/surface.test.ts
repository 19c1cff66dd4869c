/**
 * The edges of the public surface that the Python client matches (clients/python/tests/test_surface.py):
 * an aborted call, a closed client, a deadline, a throwing listener, a room not followed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelledError, ChangeKind, ClientClosedError, DeadlineExceededError, Role, RoomHistoryClient, RoomHistoryError, RoomMirror,
  RoomNotFollowedError, UnavailableError, type RoomChangedEvent,
} from "@roomhistory/client";
import { startTestServer, type TestServer } from "../../../test/helpers/server.js";
import { freePort } from "../../../test/helpers/ports.js";

let server: TestServer;
let client: RoomHistoryClient;

beforeAll(async () => {
  server = await startTestServer({}); // the memory store
  client = new RoomHistoryClient(server.address);
});
afterAll(async () => {
  client?.close();
  await server?.stop();
});

const user = (content: string) => ({ role: Role.ROLE_USER, content });
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe("calls", () => {
  it("an aborted call rejects with a CancelledError whose cause is the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("user left");
    controller.abort(reason);
    const err = await failure(client.getHistory({ roomId: "a" }, { signal: controller.signal }));
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).codeName).toBe("CANCELLED");
    expect((err as CancelledError).cause).toBe(reason);
  });

  it("an abort while a retry waits ends the call as an abort, not as the last failure", async () => {
    const nobody = new RoomHistoryClient(`127.0.0.1:${await freePort()}`, {
      backoff: { initialMs: 2000, maxMs: 2000, maxAttempts: 5 },
    });
    try {
      const controller = new AbortController();
      const call = failure(nobody.getRoomInfo({ roomId: "x" }, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 200);
      const err = await call;
      expect(err).toBeInstanceOf(CancelledError);
      expect(err).not.toBeInstanceOf(UnavailableError);
    } finally {
      nobody.close();
    }
  });

  it("a call on a closed client rejects with ClientClosedError, a RoomHistoryError", async () => {
    const closed = new RoomHistoryClient(server.address);
    await closed.getRoomInfo({ roomId: "a" });
    closed.close();
    const err = await failure(closed.getRoomInfo({ roomId: "a" }));
    expect(err).toBeInstanceOf(ClientClosedError);
    expect(err).toBeInstanceOf(CancelledError);
    expect(err).toBeInstanceOf(RoomHistoryError);
    expect(() => closed.watch(["a"])).toThrow(ClientClosedError);
  });

  it("iterRooms lists every room, page after page", async () => {
    const ids = ["iter-a", "iter-b", "iter-c"];
    for (const roomId of ids) await client.appendMessages({ roomId, messages: [user("x")] });
    const seen: string[] = [];
    for await (const id of client.iterRooms(2)) if (id.startsWith("iter-")) seen.push(id);
    expect(seen).toEqual(ids);
  });

  it("a call past its deadline is a DeadlineExceededError", async () => {
    const err = await failure(client.getHistory({ roomId: "a" }, { timeoutMs: 0 }));
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as DeadlineExceededError).codeName).toBe("DEADLINE_EXCEEDED");
  });
});

describe("mirror", () => {
  it("a throwing listener is reported as a warning and the mirror goes on", async () => {
    const mirror = new RoomMirror(client, ["listener"]);
    const warnings: Error[] = [];
    mirror.on("warning", (err) => warnings.push(err));
    mirror.on("changed", () => {
      throw new Error("listener bug");
    });
    try {
      await mirror.ready();
      await client.appendMessages({ roomId: "listener", messages: [user("1")] });
      await mirror.waitForVersion("listener", 1, 5000);
      await mirror.append("listener", [user("2")]);
      await client.appendMessages({ roomId: "listener", messages: [user("3")] });
      await mirror.waitForVersion("listener", 3, 5000);
      expect((await mirror.getMessages("listener")).map((m) => m.content)).toEqual(["1", "2", "3"]);
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0].message).toBe("listener bug");
    } finally {
      mirror.close();
    }
  });

  it("changed events carry the change and whether the room was read (as Python's RoomChangedEvent)", async () => {
    await client.appendMessages({ roomId: "events", messages: [user("before")] });
    const mirror = new RoomMirror(client, ["events"]);
    const events: RoomChangedEvent[] = [];
    mirror.on("changed", (e) => events.push(e));
    try {
      await mirror.ready();
      await mirror.append("events", [user("own")]);
      await client.appendMessages({ roomId: "events", messages: [user("theirs")] });
      await mirror.waitForVersion("events", 3, 10_000);
      expect(events.map((e) => [e.version, ChangeKind[e.change.kind], e.refetched])).toEqual([
        [1, "CHANGE_KIND_RESYNC", true], [2, "CHANGE_KIND_APPEND", false], [3, "CHANGE_KIND_APPEND", false],
      ]);
    } finally {
      mirror.close();
    }
  });

  it("a room not followed (or unfollowed) is a RoomNotFollowedError", async () => {
    const mirror = new RoomMirror(client, ["followed"]);
    try {
      await mirror.ready();
      expect(() => mirror.version("other")).toThrow(RoomNotFollowedError);
      mirror.unfollow("followed");
      const err = await failure(mirror.getMessages("followed"));
      expect(err).toBeInstanceOf(RoomNotFollowedError);
      expect((err as RoomNotFollowedError).roomId).toBe("followed");
    } finally {
      mirror.close();
    }
  });

  it("waitForVersion past its timeout rejects with a TimeoutError", async () => {
    const mirror = new RoomMirror(client, ["slow"]);
    try {
      await mirror.ready();
      const err = await failure(mirror.waitForVersion("slow", 99, 50));
      expect((err as Error).name).toBe("TimeoutError");
    } finally {
      mirror.close();
    }
  });
});
