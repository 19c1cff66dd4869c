/**
 * A TypeScript writer for the cross-language tests: `writer.ts <address> <room> <count>` appends
 * `count` messages (one batch of two, then single appends), edits, deletes and reacts through the
 * TypeScript client, then prints {"version": N}, the room's version after its last write.
 */
import { Message, RoomHistoryClient, Role } from "@roomhistory/client";
import { emit } from "./lines.js";

const [address, roomId, countText] = process.argv.slice(2);
const client = new RoomHistoryClient(address);
let version = 0;
const first = await client.appendMessages({
  roomId,
  messages: [
    Message.fromPartial({ id: `${roomId}-ts-0`, role: Role.ROLE_USER, content: "from TypeScript 0", sender: "ts" }),
    Message.fromPartial({ role: Role.ROLE_ASSISTANT, content: "and a reply ✓" }),
  ],
});
version = first.version;
for (let i = 1; i < Number(countText); i++) {
  const res = await client.appendMessages({
    roomId, messages: [{ id: `${roomId}-ts-${i}`, role: Role.ROLE_USER, content: `from TypeScript ${i}` }],
  });
  version = res.version;
}
version = (await client.updateMessage({ roomId, messageId: `${roomId}-ts-0`, content: "edited in TypeScript" })).version;
version = (await client.markDeleted({ roomId, messageId: `${roomId}-ts-1` })).version;
version = (await client.patchReactions({ roomId, messageId: `${roomId}-ts-2`, reactions: [{ emoji: "🚀", count: 2 }] })).version;
emit({ version });
client.close();
