/**
 * A writer process for the convergence test: WRITES random mutations over ROOMS through the server at
 * ADDRESS (appends of 1 to 3 messages, a large one now and then, edits, deletion marks, reactions, a
 * clear or a limit change once in a while), then prints {"writes": n} and exits.
 */
import { NotFoundError, Role, RoomHistoryClient } from "../../src/index.js";

const address = process.env.ADDRESS!;
const rooms = process.env.ROOMS!.split(",");
const writes = Number(process.env.WRITES ?? 100);
const client = new RoomHistoryClient(address);
/** Ids this writer appended, per room: edits pick among the newest, which are likely still in the window. */
const ids = new Map<string, string[]>();
let n = 0;

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)];
}

async function mutate(roomId: string): Promise<void> {
  const r = Math.random();
  const mine = ids.get(roomId) ?? [];
  const messageId = mine.length ? pick(mine.slice(-10)) : "";
  if (r < 0.7 || !messageId) {
    const count = 1 + Math.floor(Math.random() * 3);
    const messages = Array.from({ length: count }, (_, i) => ({
      role: i % 2 ? Role.ROLE_ASSISTANT : Role.ROLE_USER,
      content: Math.random() < 0.1 ? "big ".repeat(800) : `${process.pid} says ${n}.${i}`,
      sender: String(process.pid),
    }));
    const res = await client.appendMessages({ roomId, messages });
    ids.set(roomId, [...mine, ...res.messages.map((m) => m.id)].slice(-50));
  } else if (r < 0.8) await client.updateMessage({ roomId, messageId, content: `edited by ${process.pid}` });
  else if (r < 0.87) await client.patchReactions({ roomId, messageId, reactions: [{ emoji: "👍", count: n }] });
  else if (r < 0.94) await client.markDeleted({ roomId, messageId });
  else if (r < 0.97) await client.setRoomLimit({ roomId, limit: pick([50, 60]) });
  else await client.clearRoom({ roomId });
}

for (n = 0; n < writes; n++) {
  // An edit of a message trimmed or cleared meanwhile is NOT_FOUND: expected here.
  await mutate(pick(rooms)).catch((err: unknown) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
}
client.close();
console.log(JSON.stringify({ writes }));
