/**
 * The "roomhistory.export.v1" file helpers without a server: write → read gives the records back
 * (timestamps to the nanosecond), a file written by hand with snake_case names reads, and every way a file
 * can be wrong is an ExportFileError naming the line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  EXPORT_FORMAT, ExportFileError, MemoryGranularity, Role, exportHeader, lineToRecord, readExportFile, recordToLine,
  writeExportFile, type ExportRecord, type TransferProgress,
} from "@roomhistory/client";

const dir = mkdtempSync(join(tmpdir(), "rh-export-file-"));
let n = 0;
const file = (content?: string) => {
  const path = join(dir, `f${++n}.jsonl`);
  if (content !== undefined) writeFileSync(path, content);
  return path;
};

async function readAll(path: string): Promise<ExportRecord[]> {
  const out: ExportRecord[] = [];
  for await (const r of readExportFile(path)) out.push(r);
  return out;
}

async function failure(p: Promise<unknown>): Promise<ExportFileError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ExportFileError);
  return err as ExportFileError;
}

const room = (roomId: string): ExportRecord => lineToRecord(JSON.stringify({
  room: {
    roomId, version: 7, lastSeq: 2,
    metadata: { title: "t", namespace: "ns", labels: ["a"], participants: [{ id: "ana", firstSeen: "2026-11-22T08:00:00.123456789Z" }] },
    messages: [
      { id: "m1", seq: 1, role: "ROLE_USER", content: "hi", sender: "ana", createdAt: "2026-11-22T08:00:00.123456789Z" },
      { id: "m2", seq: 2, role: "ROLE_ASSISTANT", content: "hello", createdAt: "2026-11-22T08:00:01.5Z", metadata: { k: "v" } },
    ],
  },
}));

describe("writeExportFile / readExportFile", () => {
  it("round-trips records, writing a header first when none is given, and reports progress", async () => {
    const path = file();
    const records = [room("a"), room("b"), { namespace: { options: undefined, entries: [], droppedEntries: 3 } }];
    const seen: TransferProgress[] = [];
    const totals = await writeExportFile(path, records, { onProgress: (p) => seen.push(p) });
    expect(totals).toEqual({ records: 4, rooms: 2, namespaces: 1 });
    expect(seen.at(-1)).toEqual(totals);
    expect(existsSync(`${path}.partial`)).toBe(false);
    const back = await readAll(path);
    expect(back[0].header?.format).toBe(EXPORT_FORMAT);
    expect(back.slice(1)).toEqual(records);
    expect(back[1].room?.messages[0].createdAt).toEqual({ seconds: Date.UTC(2026, 10, 22, 8) / 1000, nanos: 123_456_789 });
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain('"createdAt":"2026-11-22T08:00:00.123456789Z"');
  });

  it("keeps a header given first, and writes a lone header for no records", async () => {
    const header = exportHeader("echo-bot", new Date(Date.UTC(2026, 10, 22)));
    const path = file();
    await writeExportFile(path, (async function* () { yield header; yield room("a"); })());
    expect((await readAll(path))[0]).toEqual(header);
    const empty = file();
    expect(await writeExportFile(empty, [])).toEqual({ records: 1, rooms: 0, namespaces: 0 });
    expect((await readAll(empty)).map((r) => r.header?.format)).toEqual([EXPORT_FORMAT]);
  });

  it("refuses a header of another format or a second header, and leaves no file", async () => {
    const path = file();
    const other = { header: { format: "roomhistory.export.v2", exportedAt: undefined, source: "" } };
    expect((await failure(writeExportFile(path, [other]))).line).toBe(1);
    expect((await failure(writeExportFile(path, [room("a"), exportHeader()]))).line).toBe(3);
    expect(existsSync(path) || existsSync(`${path}.partial`)).toBe(false);
  });

  it("reads a file written by hand with snake_case names, enum names and blank lines", async () => {
    const path = file([
      JSON.stringify({ header: { format: EXPORT_FORMAT, exported_at: "2026-11-22T00:00:00Z", source: "hand" } }),
      "",
      JSON.stringify({
        room: {
          room_id: "hand-1", version: "3", last_seq: "2", idle_ttl_seconds: 0,
          metadata: { title: "Hand", participants: [{ id: "bo", display_name: "Bo", last_seen: "2026-11-22T01:02:03.000004Z" }] },
          created_at: "2026-11-21T00:00:00Z",
          messages: [
            { id: "x", seq: "1", role: "ROLE_USER", content: "q", tool_calls: [], created_at: "2026-11-22T01:02:03.000004Z" },
            { id: "y", seq: "2", role: "ROLE_TOOL", tool_call_id: "c1", is_error: true, kind: "MESSAGE_KIND_CHAT" },
          ],
        },
      }),
      JSON.stringify({ namespace: { options: { namespace: "ns", memory_bank_enabled: true, max_tokens: 500 }, entries: [
        { id: "day:2026-11-21", granularity: "MEMORY_GRANULARITY_DAY", period_key: "2026-11-21", summary: "s", token_count: 1 },
      ], dropped_entries: "2" } }),
      "",
    ].join("\n"));
    const [header, r, ns] = await readAll(path);
    expect(header.header?.source).toBe("hand");
    expect(r.room).toMatchObject({ roomId: "hand-1", version: 3, lastSeq: 2, idleTtlSeconds: 0 });
    expect(r.room?.createdAt).toEqual({ seconds: Date.UTC(2026, 10, 21) / 1000, nanos: 0 });
    expect(r.room?.metadata?.participants[0]).toMatchObject({ id: "bo", displayName: "Bo", lastSeen: { nanos: 4000 } });
    expect(r.room?.messages[0]).toMatchObject({ role: Role.ROLE_USER, createdAt: { nanos: 4000 } });
    expect(r.room?.messages[1]).toMatchObject({ role: Role.ROLE_TOOL, toolCallId: "c1", isError: true });
    expect(ns.namespace).toMatchObject({
      options: { namespace: "ns", memoryBankEnabled: true, maxTokens: 500 }, droppedEntries: 2,
      entries: [{ granularity: MemoryGranularity.MEMORY_GRANULARITY_DAY, periodKey: "2026-11-21", tokenCount: 1 }],
    });
  });

  it("names the line of whatever is wrong", async () => {
    const head = JSON.stringify({ header: { format: EXPORT_FORMAT } });
    const cases: [string, number, RegExp][] = [
      ["", 0, /empty/],
      [`${JSON.stringify({ room: { roomId: "a" } })}\n`, 1, /first record must be a "roomhistory\.export\.v1" header/],
      [`${JSON.stringify({ header: { format: "legacy" } })}\n`, 1, /format "legacy" is not/],
      [`\n\n${head}\n{not json\n`, 4, /not JSON/],
      [`${head}\n[1]\n`, 2, /not a JSON object/],
      [`${head}\n{}\n`, 2, /exactly one of header, room, namespace/],
      [`${head}\n${head}\n`, 2, /a header after the first record/],
    ];
    for (const [content, line, message] of cases) {
      const path = file(content);
      const err = await failure(readAll(path));
      expect(err.line).toBe(line);
      expect(err.path).toBe(path);
      expect(err.message).toMatch(message);
      expect(err.message.startsWith(line ? `${path}:${line}: ` : `${path}: `)).toBe(true);
    }
  });

  it("a missing file rejects with the file system's error", async () => {
    const err = await readAll(join(dir, "missing.jsonl")).catch((e: NodeJS.ErrnoException) => e);
    expect((err as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  it("recordToLine and lineToRecord are inverse", () => {
    const r = room("z");
    expect(lineToRecord(recordToLine(r))).toEqual(r);
  });
});
