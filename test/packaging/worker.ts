/**
 * The worker test/packaging/check-install.sh type-checks (tsc --strict) and runs in a project outside the
 * repository, against @roomhistory/client installed from its packed tarball: what a worker project
 * gets. It appends, reads, renders, mirrors a room and meets a version conflict, then prints one JSON
 * line. ROOMHISTORY_ADDRESS names the server; ROOM the room (unique per run).
 */
import {
  RenderForm, Role, RoomHistoryClient, RoomMirror, VersionConflictError, type Message,
} from "@roomhistory/client";

const address = process.env.ROOMHISTORY_ADDRESS ?? "127.0.0.1:50051";
const roomId = process.env.ROOM ?? `packaging-${process.pid}`;

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`worker: ${what}`);
}

const client = new RoomHistoryClient(address, { timeoutMs: 10_000 });
const mirror = new RoomMirror(client, [roomId]);
try {
  const first = await client.appendMessages({
    roomId, messages: [{ role: Role.ROLE_USER, content: "hello from a packaged TypeScript worker", sender: "ts" }],
  });
  check(first.version === 1, `first append at version 1, got ${first.version}`);

  await mirror.waitForVersion(roomId, first.version, 10_000);
  await mirror.append(roomId, [{ role: Role.ROLE_ASSISTANT, content: "hello back" }]);
  const messages: readonly Message[] = await mirror.getMessages(roomId);
  check(messages.length === 2, `mirror holds 2 messages, got ${messages.length}`);

  const rendered = await mirror.render(roomId, { room_name: "packaging" }, undefined, {
    form: RenderForm.RENDER_FORM_JSON,
  });
  const chat = JSON.parse(rendered.messagesJson) as { role: string }[];
  check(chat.some((m) => m.role === "assistant"), "the rendered messages hold the assistant turn");

  let conflict = 0;
  try {
    await client.appendMessages({ roomId, messages: [{ role: Role.ROLE_USER, content: "late" }], expectedVersion: 1 });
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    conflict = err.currentVersion;
  }
  check(conflict === 2, `a stale expectedVersion is a VersionConflictError at version 2, got ${conflict}`);

  const history = await client.getHistory({ roomId });
  console.log(JSON.stringify({ worker: "ts", room: roomId, version: history.version, messages: history.messages.length }));
} finally {
  mirror.close();
  client.close();
}
