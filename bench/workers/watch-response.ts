import protobuf from "protobufjs/minimal.js";

const { Reader } = protobuf;

/** The part of a WatchResponse a watcher fleet needs, read without decoding the messages. */
export type WatchEvent =
  | { kind: "created" }
  | { kind: "progress" }
  | { kind: "change"; roomId: string; version: number };

/** Reads a WatchResponse's oneof; for a change only room_id (1) and version (2) of the RoomChange. */
export function readWatchEvent(buf: Uint8Array): WatchEvent | undefined {
  const r = Reader.create(buf);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 10) return { kind: "created" };
    if (tag === 26) return { kind: "progress" };
    if (tag !== 18) {
      r.skipType(tag & 7);
      continue;
    }
    const end = r.uint32() + r.pos;
    let roomId = "";
    let version = 0;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 10) roomId = r.string();
      else if (t === 16) version = r.uint32(); // versions stay far below 2^32 in a bench
      else r.skipType(t & 7);
    }
    return { kind: "change", roomId, version };
  }
  return undefined;
}
