import { describe, expect, it } from "vitest";
import { KeySpace } from "../../src/store/keys.js";

/** KeySpace.roomKeyOf and the keyspace names: what the legacy bridge and migrate-legacy rely on. */
describe("KeySpace.roomKeyOf", () => {
  const unbraced = new KeySpace({ prefix: "sg:conversation", hashTag: false });
  const braced = new KeySpace({ prefix: "sg:conversation", hashTag: true });

  it("finds the room and the part of every room key, room ids with colons included", () => {
    for (const ks of [unbraced, braced]) {
      for (const roomId of ["r1", "discord:123:456", "a.b@c!d#e+f=g/h"]) {
        const k = ks.room(roomId);
        expect(ks.roomKeyOf(k.list)).toEqual({ roomId, part: "list" });
        expect(ks.roomKeyOf(k.version)).toEqual({ roomId, part: "version" });
        expect(ks.roomKeyOf(k.meta)).toEqual({ roomId, part: "meta" });
      }
    }
  });

  it("ignores indexes, idempotency records, the other layout's keys and foreign keys", () => {
    for (const ks of [unbraced, braced]) {
      for (const key of [ks.roomIndex(), ks.expiryIndex(), ks.activityIndex(), `${ks.room("r").idem}:key-1`,
        `${ks.room("r").idem}:ver`, "other:r1", "sg:conversation", "sg:conversation:"]) {
        expect(ks.roomKeyOf(key), key).toBeUndefined();
      }
    }
    expect(unbraced.roomKeyOf("sg:conversation:{r1}")).toBeUndefined();
    expect(unbraced.roomKeyOf("sg:conversation:{r1}:ver")).toBeUndefined();
    expect(braced.roomKeyOf("sg:conversation:r1")).toBeUndefined();
    expect(braced.roomKeyOf("sg:conversation:r1:ver")).toBeUndefined();
  });

  it("never reads an unbraced key as a room whose id has a reserved segment", () => {
    expect(unbraced.roomKeyOf("sg:conversation:x:ver:ver")).toBeUndefined();
    expect(unbraced.roomKeyOf("sg:conversation:x:meta:ver")).toBeUndefined();
  });

  it("escapes glob characters of the prefix and names keyspace channels per database", () => {
    const odd = new KeySpace({ prefix: "a*b?[c]\\", hashTag: false });
    expect(odd.keyScanPattern()).toBe("a\\*b\\?\\[c\\]\\\\:*");
    expect(unbraced.keyspacePattern(2)).toBe("__keyspace@2__:sg:conversation:*");
    expect(unbraced.keyOfKeyspaceChannel(2, "__keyspace@2__:sg:conversation:r1")).toBe("sg:conversation:r1");
    expect(unbraced.keyOfKeyspaceChannel(2, "__keyspace@0__:sg:conversation:r1")).toBeUndefined();
  });
});
