import { expect } from "vitest";
import { Message, type RoomHistoryClient, type RoomMirror } from "@roomhistory/client";

/** Messages as plain JSON, so two copies compare field by field whatever their origin. */
export function canonical(messages: readonly Message[]): unknown[] {
  return messages.map((m) => Message.toJSON(m));
}

/** The mirror's copy of a room equals GetHistory at the same version (read when it holds still). */
export async function expectMirrored(mirror: RoomMirror, client: RoomHistoryClient, roomId: string): Promise<void> {
  const server = await client.getHistory({ roomId });
  await mirror.waitForVersion(roomId, server.version, 10_000);
  expect(mirror.version(roomId)).toBe(server.version);
  expect(canonical(await mirror.getMessages(roomId))).toEqual(canonical(server.messages));
}
