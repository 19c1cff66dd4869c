/**
 * A minimal LLM worker on roomhistory: it mirrors a room, appends the user's turn, renders the room for
 * a chat API, appends the assistant's answer and prints the window.
 *
 *   npm start                                   # a server on 127.0.0.1:50051 (in-memory store)
 *   npx tsx clients/ts/examples/worker.ts "Hello there"
 *
 * ROOMHISTORY_ADDRESS (default 127.0.0.1:50051) and ROOM (default "example-room") choose where. For a
 * server with TLS and tokens: ROOMHISTORY_CA_FILE (the server's CA), ROOMHISTORY_CLIENT_CERT_FILE and
 * ROOMHISTORY_CLIENT_KEY_FILE (mTLS), ROOMHISTORY_TLS_SERVER_NAME, ROOMHISTORY_TOKEN (see trustFromEnv).
 * The "model" here just echoes: put your chat API call in answer().
 */
import {
  RenderForm, Role, RoomHistoryClient, RoomMirror, trustFromEnv, UnavailableError, VersionConflictError,
  type Message,
} from "@roomhistory/client";

const address = process.env.ROOMHISTORY_ADDRESS ?? "127.0.0.1:50051";
const roomId = process.env.ROOM ?? "example-room";
const text = process.argv[2] ?? "What did we talk about so far?";

/** Stands in for the chat API call: takes the rendered messages, returns the assistant's text. */
async function answer(messagesJson: string): Promise<string> {
  const messages = JSON.parse(messagesJson) as { role: string }[];
  return `(echo) I see ${messages.length} messages, the last from the ${messages.at(-1)?.role}: "${text}"`;
}

/** Appends at the mirror's version; on a conflict the mirror has caught up, so try again on top. */
async function appendTurn(mirror: RoomMirror, message: Partial<Message>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mirror.append(roomId, [message]);
      return;
    } catch (err) {
      if (!(err instanceof VersionConflictError) || attempt === 3) throw err;
      console.log(`someone wrote first (version ${err.currentVersion}); appending again`);
    }
  }
}

const client = new RoomHistoryClient(address, { timeoutMs: 5000, ...trustFromEnv() });
try {
  // One cheap call first, so a missing server is a clear message rather than a mirror retrying forever.
  await client.getRoomInfo({ roomId });
} catch (err) {
  client.close();
  if (!(err instanceof UnavailableError)) throw err;
  console.error(`no roomhistory server at ${address}: start one with \`npm start\``);
  process.exit(1);
}

const mirror = new RoomMirror(client, [roomId]);
mirror.on("changed", (e) => {
  console.log(`room ${e.roomId} is at version ${e.version}${e.refetched ? " (fetched)" : ""}`);
});
mirror.on("warning", (err, action) => console.warn(`${err.message}: ${action}`));
try {
  await mirror.ready();
  console.log(`mirroring ${roomId} at version ${mirror.version(roomId)} from ${address}`);

  await appendTurn(mirror, { role: Role.ROLE_USER, content: text, sender: "example-user" });
  const context = { room_name: "Example room", sender: "example-user" };
  const rendered = await mirror.render(roomId, context, undefined, { form: RenderForm.RENDER_FORM_JSON });
  const count = (JSON.parse(rendered.messagesJson) as unknown[]).length;
  console.log(`rendered ${count} messages, ~${rendered.estimatedTokens} tokens`);
  await appendTurn(mirror, { role: Role.ROLE_ASSISTANT, content: await answer(rendered.messagesJson) });

  console.log(`\n${roomId}, version ${mirror.version(roomId)}:`);
  for (const m of await mirror.getMessages(roomId)) {
    console.log(`  #${m.seq} ${Role[m.role].replace("ROLE_", "").toLowerCase()}: ${m.content}`);
  }
} finally {
  mirror.close();
  client.close();
}
