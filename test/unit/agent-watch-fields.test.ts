/**
 * A change's agent fields (token_count, needs_compaction) survive what a slow stream does to changes:
 * merged appends and RESYNCs carry the newer change's values, so a threshold crossing is not lost.
 */
import { expect, it } from "vitest";
import { coalesce } from "../../src/watch/coalesce.js";
import { toRoomChange } from "../../src/wire/to-proto.js";
import type { WatchChange } from "../../src/wire/change.js";
import { ChangeKind } from "@roomhistory/client/gen/roomhistory/v1/change.js";

const change = (version: number, kind: WatchChange["kind"], tokens: number, needs: boolean): WatchChange => ({
  roomId: "r", version, previousVersion: version - 1, kind, entries: [{ role: "user", content: `m${version}`, tk: 10 }],
  omitted: false, trimmed: 0, agent: { tokenCount: tokens, needsCompaction: needs },
});

it("merged appends and merged RESYNCs carry the newer change's agent fields", () => {
  const merged = coalesce(change(1, "append", 70, false), change(2, "append", 80, true));
  expect(merged).toMatchObject({ kind: "append", version: 2, agent: { tokenCount: 80, needsCompaction: true } });
  const resynced = coalesce(change(1, "update", 70, false), change(2, "append", 80, true));
  expect(resynced).toMatchObject({ kind: "resync", previousVersion: 0, version: 2, agent: { tokenCount: 80, needsCompaction: true } });
  expect(toRoomChange(resynced)).toMatchObject({ kind: ChangeKind.CHANGE_KIND_RESYNC, tokenCount: 80, needsCompaction: true });
});

it("puts the agent fields on the wire, zero for a room without a budget", () => {
  expect(toRoomChange({ ...change(3, "agent_options", 5, false), entries: [] }))
    .toMatchObject({ kind: ChangeKind.CHANGE_KIND_AGENT_OPTIONS, tokenCount: 5, needsCompaction: false });
  const plain = { ...change(4, "append", 0, false), agent: undefined };
  expect(toRoomChange(plain)).toMatchObject({ tokenCount: 0, needsCompaction: false });
});
