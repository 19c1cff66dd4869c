/**
 * A TypeScript RoomMirror for the cross-language tests: `mirror.ts <address> <room>` follows the room,
 * prints {"ready": true} once loaded, then for every version read from stdin waits until its copy holds
 * it and prints {"version", "messages": [base64 of each Message, encoded by ts-proto]}.
 */
import { Message, RoomHistoryClient, RoomMirror } from "@roomhistory/client";
import { eachLine, emit } from "./lines.js";

const [address, roomId] = process.argv.slice(2);
const client = new RoomHistoryClient(address);
const mirror = new RoomMirror(client, [roomId], { progressIntervalMs: 200 });
await mirror.ready();
emit({ ready: true });
for await (const line of eachLine()) {
  await mirror.waitForVersion(roomId, Number(line), 30_000);
  const messages = await mirror.getMessages(roomId);
  emit({
    version: mirror.version(roomId),
    messages: messages.map((m) => Buffer.from(Message.encode(m).finish()).toString("base64")),
  });
}
mirror.close();
client.close();
