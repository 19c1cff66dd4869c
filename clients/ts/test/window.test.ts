import { describe, expect, it } from "vitest";
import { Backoff, ChangeKind, Message, Role, RoomChange, applyChange } from "@roomhistory/client";

const msg = (seq: number, content = `m${seq}`, id = `id${seq}`) =>
  Message.fromPartial({ id, seq, role: Role.ROLE_USER, content });
const change = (c: Partial<RoomChange>) =>
  RoomChange.fromPartial({ roomId: "r", version: 2, previousVersion: 1, ...c });
const K = ChangeKind;
const window = [msg(1), msg(2), msg(3)];

describe("applyChange (no server: the pure step the mirror takes when it is at previousVersion)", () => {
  it("appends, then drops `trimmed` from the front, even into the appended messages", () => {
    const append = (trimmed: number) =>
      applyChange(window, change({ kind: K.CHANGE_KIND_APPEND, messages: [msg(4), msg(5)], trimmed }));
    expect(append(0)?.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(append(2)?.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(append(4)?.map((m) => m.seq)).toEqual([5]);
  });

  it("replaces an edited message by seq, or by id for a legacy entry without seq", () => {
    const updated = applyChange(window, change({ kind: K.CHANGE_KIND_UPDATE, messages: [msg(2, "edited")] }));
    expect(updated?.[1].content).toBe("edited");
    const legacy = [msg(0, "old", "L1"), msg(1)];
    const edited = applyChange(legacy, change({ kind: K.CHANGE_KIND_DELETE, messages: [msg(0, "gone", "L1")] }));
    expect(edited?.map((m) => m.content)).toEqual(["gone", "m1"]);
  });

  it("cannot apply what it cannot see: a missing message, omitted messages, a RESYNC", () => {
    expect(applyChange(window, change({ kind: ChangeKind.CHANGE_KIND_REACTIONS, messages: [msg(9)] }))).toBeUndefined();
    expect(applyChange(window, change({ kind: ChangeKind.CHANGE_KIND_APPEND, messagesOmitted: true }))).toBeUndefined();
    expect(applyChange(window, change({ kind: ChangeKind.CHANGE_KIND_RESYNC }))).toBeUndefined();
  });

  it("clears, trims on a lower limit, keeps the window on a rebackfill, never mutating its input", () => {
    expect(applyChange(window, change({ kind: ChangeKind.CHANGE_KIND_CLEAR }))).toEqual([]);
    const limited = applyChange(window, change({ kind: K.CHANGE_KIND_LIMIT, trimmed: 1 }));
    expect(limited?.map((m) => m.seq)).toEqual([2, 3]);
    expect(applyChange(window, change({ kind: ChangeKind.CHANGE_KIND_REBACKFILL }))).toBe(window);
    expect(window.map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});

describe("Backoff", () => {
  it("grows exponentially to its cap, each delay between half and all of its ceiling", () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000, multiplier: 2, maxAttempts: 5 }, () => 0);
    expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([50, 100, 200, 400, 500]);
    const high = new Backoff({ initialMs: 100, maxMs: 1000, multiplier: 2, maxAttempts: 5 }, () => 1);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
    high.reset();
    expect(high.next()).toBe(100);
  });
});
