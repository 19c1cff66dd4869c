/**
 * Messages across languages, as protobuf bytes:
 * - `roundtrip.ts write <address> <room>` decodes base64 Messages (one a line on stdin) with ts-proto and
 *   appends them in one batch with the TypeScript client;
 * - `roundtrip.ts read <address> <room>` prints the room's history as {"version", "messages": [base64 of
 *   each Message, encoded by ts-proto]}.
 */
import { Message, RoomHistoryClient } from "@roomhistory/client";
import { allLines, emit } from "./lines.js";

const [mode, address, roomId] = process.argv.slice(2);
const client = new RoomHistoryClient(address);
if (mode === "write") {
  const messages = (await allLines()).filter(Boolean).map((b64) => Message.decode(Buffer.from(b64, "base64")));
  const res = await client.appendMessages({ roomId, messages });
  emit({ version: res.version });
} else {
  const res = await client.getHistory({ roomId });
  emit({
    version: res.version,
    messages: res.messages.map((m) => Buffer.from(Message.encode(m).finish()).toString("base64")),
  });
}
client.close();
