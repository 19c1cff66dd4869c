/**
 * Random store operations for the differential properties (test/property/differential.test.ts): the
 * ids, texts and room ids sit at the edges the happy-path tests miss (quotes, backslashes, non-ASCII,
 * slashes, legacy markers and tags inside the text, `:` segments that name another room's keys in the
 * unbraced layout).
 */
import fc from "fast-check";
import type { Entry } from "../../src/domain/entry.js";

/** Valid room ids (src/wire/validate.ts ROOM_ID); the unbraced layout rejects those with a reserved segment. */
export const ROOM_IDS = [
  "r", "x", "x:ver", "x:meta", "a:b", "room/1", "A.b_c-d@e!f#g+h=i", "y:idem:k1", "changes", "ver:x", "r:x",
] as const;

/** Valid message ids (no spaces, '[' or ']'): quotes, backslashes, non-ASCII, emoji, slashes. */
export const MESSAGE_IDS = ["m1", 'q"uote', "back\\slash", "café", "😀e", "x/y", "a\\\"/é"] as const;

export const IDEMPOTENCY_KEYS = ["k1", "k2"] as const;

/** How an operation sets expected_version: none, the room's current version, or a stale one. */
export type Expect = "none" | "current" | "stale";

export type Op =
  | { t: "append"; room: number; batch: Entry[]; expect: Expect; key?: string; retry: boolean }
  | { t: "update"; room: number; id: string; content: string; tokens?: number; expect: Expect }
  | { t: "agent"; room: number; maxContextTokens: number; threshold: number; archiveTrimmed: boolean; expect: Expect }
  | { t: "delete"; room: number; id: string; deletedAt: string; expect: Expect }
  | { t: "reactions"; room: number; id: string; reactions: { emoji: string; count?: number }[]; expect: Expect }
  | { t: "clear"; room: number; expect: Expect }
  | { t: "setLimit"; room: number; limit: number; expect: Expect }
  | { t: "discard"; room: number; expect: Expect }
  | { t: "retention"; room: number; seconds: number | undefined; expect: Expect }
  | { t: "deleteRoom"; room: number; expect: Expect }
  | { t: "reap"; maxIdleSeconds: number; dryRun: boolean }
  | { t: "foreign"; room: number; role: "user" | "assistant"; id: string; text: string; image: boolean; keep: number }
  | { t: "wait" };

const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("hi", "", " lead", "café ☕", '"q" \\ /', "[deleted at x] y", "[Reactions: 👍] z",
    "[Message ID: m1] quoted", "a]b[c") },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) },
);

const messageId = fc.constantFrom(...MESSAGE_IDS);
const expectArb: fc.Arbitrary<Expect> = fc.constantFrom("none", "none", "current", "stale");
const createdAt = fc.constantFrom(undefined, "2026-01-02T03:04:05Z");

const content: fc.Arbitrary<Entry["content"]> = fc.oneof(
  { weight: 4, arbitrary: text },
  {
    weight: 1,
    arbitrary: fc.tuple(text, fc.boolean()).map(([t, image]) => [
      { type: "text" as const, text: t },
      ...(image ? [{ type: "image_url" as const, image_url: { url: "https://example.invalid/i.png" } }] : []),
    ]),
  },
);

const entry: fc.Arbitrary<Entry> = fc
  .record({
    role: fc.constantFrom("user", "user", "assistant", "system", "tool"),
    content,
    id: fc.option(messageId, { nil: undefined }),
    created_at: createdAt,
    // Facts a message may arrive with (an import, a re-backfill): a legacy reader must see them as tags.
    deleted_at: fc.option(fc.constant("2026-02-03T04:05:06Z"), { nil: undefined, freq: 4 }),
    reactions: fc.option(fc.constant([{ emoji: "👍" }] as { emoji: string }[]), { nil: undefined, freq: 4 }),
    extras: fc.boolean(),
    // The service's token count (absent on a legacy entry): the stores keep the window's sum.
    tk: fc.option(fc.nat(3000), { nil: undefined }),
  })
  .map((e) => {
    const out: Entry = { role: e.role, content: e.content };
    if (e.id !== undefined) out.id = e.id;
    if (e.created_at !== undefined) out.created_at = e.created_at;
    if (e.tk !== undefined) out.tk = e.tk;
    if (e.deleted_at !== undefined) out.deleted_at = e.deleted_at;
    if (e.reactions !== undefined) out.reactions = e.reactions;
    if (e.role === "tool") out.tool_call_id = "c1";
    if (e.extras && e.role === "assistant") out.tool_calls = [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }];
    if (e.extras) out.metadata = { "k/é": 'v"\\' };
    return out;
  });

const room = fc.nat(2);

/** Operations that finish quickly: no waiting for retention, so nothing expires by time. */
export function quickOp(limits: readonly number[], oneSecond = false): fc.Arbitrary<Op> {
  // Retentions and idle limits of one second only where the property waits for them (expiryOp).
  const retentions = oneSecond ? [undefined, 0, 1, 3600] : [undefined, 0, 3600];
  const idles = oneSecond ? [0, 1, 3600] : [0, 3600];
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({
      t: fc.constant("append" as const), room, batch: fc.array(entry, { minLength: 1, maxLength: 4 }), expect: expectArb,
      key: fc.option(fc.constantFrom(...IDEMPOTENCY_KEYS), { nil: undefined }), retry: fc.boolean(),
    }) },
    { weight: 2, arbitrary: fc.record({
      t: fc.constant("update" as const), room, id: messageId, content: text, expect: expectArb,
      tokens: fc.option(fc.nat(3000), { nil: undefined }),
    }) },
    // Agent options: changes then carry the token total and needs_compaction; archive_trimmed archives trims.
    { weight: 1, arbitrary: fc.record({
      t: fc.constant("agent" as const), room, maxContextTokens: fc.constantFrom(0, 50, 5000), threshold: fc.constantFrom(0.5, 1),
      archiveTrimmed: fc.boolean(), expect: expectArb,
    }) },
    { weight: 1, arbitrary: fc.record({
      t: fc.constant("delete" as const), room, id: messageId, deletedAt: fc.constant("2026-03-04T05:06:07Z"), expect: expectArb,
    }) },
    { weight: 1, arbitrary: fc.record({
      t: fc.constant("reactions" as const), room, id: messageId, expect: expectArb,
      reactions: fc.array(fc.record({ emoji: fc.constantFrom("👍", "🎉", "x"), count: fc.option(fc.nat(3), { nil: undefined }) }),
        { maxLength: 2 }).map((rs) => rs.map((r) => (r.count === undefined ? { emoji: r.emoji } : r))),
    }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("clear" as const), room, expect: expectArb }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("setLimit" as const), room, limit: fc.constantFrom(...limits), expect: expectArb }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("discard" as const), room, expect: expectArb }) },
    { weight: 1, arbitrary: fc.record({
      t: fc.constant("retention" as const), room, seconds: fc.constantFrom(...retentions), expect: expectArb,
    }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("deleteRoom" as const), room, expect: expectArb }) },
    { weight: 1, arbitrary: fc.record({
      t: fc.constant("reap" as const), maxIdleSeconds: fc.constantFrom(...idles), dryRun: fc.boolean(),
    }) },
    { weight: 2, arbitrary: fc.record({
      t: fc.constant("foreign" as const), room, role: fc.constantFrom("user" as const, "assistant" as const), id: messageId,
      // One marker per legacy entry: with a second (quoted) one, the Lua lookup matches either marker as the
      // legacy manager's scan does, the memory store only the first (reported, not decided here).
      text: text.filter((t) => !t.includes("[Message ID:")), image: fc.boolean(), keep: fc.constantFrom(2, 3, 100),
    }) },
  );
}

/** A run: up to three rooms from the pool and the operations on them. */
export function scenario(op: fc.Arbitrary<Op>, maxOps: number) {
  return fc.record({
    rooms: fc.shuffledSubarray([...ROOM_IDS], { minLength: 1, maxLength: 3 }),
    ops: fc.array(op, { minLength: 1, maxLength: maxOps }),
  });
}

/** The same, with waits that let retentions of one second run out. */
export function expiryOp(limits: readonly number[]): fc.Arbitrary<Op> {
  return fc.oneof({ weight: 5, arbitrary: quickOp(limits, true) }, { weight: 1, arbitrary: fc.constant({ t: "wait" as const }) });
}

/** The text as Python's json.dumps writes a legacy entry: ", " and ": " separators, non-ASCII escaped. */
export function pythonJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/":/g, '": ')
    .replace(/,"/g, ', "');
}
