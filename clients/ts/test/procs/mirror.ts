/**
 * A mirror process for the convergence test: a RoomMirror of ROOMS on the server at ADDRESS. Over IPC
 * it says {"type": "ready"} once loaded; asked {"type": "dump", "versions": {room: v}}, it waits until it
 * holds those versions and answers {"type": "dump", "rooms": {room: {version, messages}}, applied, refetched}
 * (messages as proto JSON; how many changes it applied from the stream and how many it fetched);
 * {"type": "exit"} ends it.
 */
import { Message, RoomHistoryClient, RoomMirror } from "../../src/index.js";

type Request = { type: "dump"; versions: Record<string, number> } | { type: "exit" };

const rooms = process.env.ROOMS!.split(",");
const client = new RoomHistoryClient(process.env.ADDRESS!);
const mirror = new RoomMirror(client, rooms, { progressIntervalMs: 500 });
const counts = { applied: 0, refetched: 0 };
mirror.on("changed", (e) => counts[e.refetched ? "refetched" : "applied"]++);
mirror.on("error", (err) => {
  console.error(err);
  process.exit(1);
});

type Dumped = Record<string, { version: number; messages: unknown[] }>;

async function dump(versions: Record<string, number>): Promise<Dumped> {
  const out: Dumped = {};
  for (const room of rooms) {
    await mirror.waitForVersion(room, versions[room], 20_000);
    const messages = (await mirror.getMessages(room)).map((m) => Message.toJSON(m));
    out[room] = { version: mirror.version(room), messages };
  }
  return out;
}

process.on("message", (req: Request) => {
  if (req.type === "exit") {
    mirror.close();
    client.close();
    process.disconnect();
    return;
  }
  dump(req.versions).then(
    (dumped) => process.send!({ type: "dump", rooms: dumped, ...counts }),
    (err: Error) => process.send!({ type: "error", message: err.message }),
  );
});

await mirror.ready();
process.send!({ type: "ready" });
