/**
 * Input at the edges (issue 8): template names that point outside the templates directory, a
 * room_context that claims another room, 64-bit numbers above 2^53, and timestamps outside
 * google.protobuf.Timestamp's range. Every case goes through a real in-process server and the
 * generated client; raw bytes are used where the generated encoder cannot express the input.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import protobuf from "protobufjs";
import "protobufjs/ext/descriptor/index.js";
import * as pb from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { Message } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import { serversForEachStore, startTestServer, STORE_KINDS, type TestServer } from "../helpers/server.js";
import { expectStatus, rpc, user } from "../helpers/rpc.js";

const SERVICE = "/roomhistory.v1.RoomHistoryService";
const U64_MAX = 2n ** 64n - 1n;
const SAFE = Number.MAX_SAFE_INTEGER;

/** A templates directory, a sibling whose name starts with it, and symlinks out of and within it. */
function templateTree(): { root: string; templates: string; secret: string } {
  const root = mkdtempSync(join(tmpdir(), "roomhistory-templates-"));
  const templates = join(root, "templates");
  const secret = join(root, "templates-private", "secret.j2");
  mkdirSync(join(templates, "parts"), { recursive: true });
  mkdirSync(join(root, "templates-private"));
  writeFileSync(secret, 'TOP SECRET {{ range.constructor("return 6*7")() }}');
  const files: Record<string, string> = {
    "whoami.j2": "room {{ room_id }} / {{ room_name }}",
    "base.j2": "[{% block body %}{% endblock %}]",
    "page.j2": '{% extends "base.j2" %}{% block body %}{% include "./parts/tools.j2" %}{% endblock %}',
    "parts/tools.j2": '{% import "../macros.j2" as m %}{{ m.hello(room_id) }}',
    "macros.j2": "{% macro hello(who) %}hello {{ who }}{% endmacro %}",
    "include-relative.j2": '{% include "../templates-private/secret.j2" %}',
    "include-absolute.j2": `{% include "${secret}" %}`,
    "extends-absolute.j2": `{% extends "${secret}" %}`,
    "import-relative.j2": '{% import "./../templates-private/secret.j2" as s %}x',
    "include-nested.j2": '{% include "parts/../../templates-private/secret.j2" %}',
    "include-link.j2": '{% include "leak.j2" %}',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(templates, name), text);
  symlinkSync(secret, join(templates, "leak.j2"));
  symlinkSync(join(root, "templates-private"), join(templates, "private"));
  symlinkSync(join(templates, "whoami.j2"), join(templates, "alias.j2")); // a link that stays inside is fine
  return { root, templates, secret };
}

describe("template names", () => {
  let tree: ReturnType<typeof templateTree>;
  let server: TestServer;
  let api: ReturnType<typeof rpc>;

  beforeAll(async () => {
    tree = templateTree();
    server = await startTestServer({ ROOMHISTORY_TEMPLATES: tree.templates, ROOMHISTORY_DEFAULT_TEMPLATE: "whoami.j2" });
    api = rpc(server.client);
    await api.append({ roomId: "r", messages: [user("hi")] });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(tree.root, { recursive: true, force: true });
  });

  const escapes: [string, () => string][] = [
    ["an absolute name in a sibling directory that shares the prefix", () => tree.secret],
    ["an absolute name inside the directory", () => join(tree.templates, "whoami.j2")],
    ["a relative name out of the directory", () => "../templates-private/secret.j2"],
    ["a symlink to a file outside", () => "leak.j2"],
    ["a path through a symlinked directory outside", () => "private/secret.j2"],
    ["an include by a relative name", () => "include-relative.j2"],
    ["an include by an absolute name", () => "include-absolute.j2"],
    ["an extends by an absolute name", () => "extends-absolute.j2"],
    ["an import by a relative name", () => "import-relative.j2"],
    ["an include through a name with ..", () => "include-nested.j2"],
    ["an include of a symlink to a file outside", () => "include-link.j2"],
  ];
  it.each(escapes)("never loads %s", async (_, name) => {
    const { err, info } = await expectStatus(api.render({ roomId: "r", template: name() }), status.INVALID_ARGUMENT);
    expect(info?.metadata.field).toBe("template");
    expect(err.details).toMatch(/^template: /);
    expect(err.details).toMatch(/not a template name inside the templates directory/);
    expect(err.details).not.toMatch(/SECRET|42/);
  });

  it("loads names inside the directory through extends, relative include, import and an inner symlink", async () => {
    const page = await api.render({ roomId: "r", template: "page.j2" });
    expect(page.messages[0].content).toBe("[hello r]");
    const alias = await api.render({ roomId: "r", template: "alias.j2", roomContext: { room_name: "Lobby" } });
    expect(alias.messages[0].content).toBe("room r / Lobby");
  });

  it("keeps the server's room_id when room_context sets one", async () => {
    const res = await api.render({ roomId: "r", roomContext: { room_id: "someone-else", room_name: "Lobby" } });
    expect(res.messages[0].content).toBe("room r / Lobby");
  });
});

/** A generated-client call with hand-made request bytes, for values its encoder cannot write. */
function rawUnary(server: TestServer, method: string, bytes: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    server.client.makeUnaryRequest(
      `${SERVICE}/${method}`, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(bytes), new Metadata(),
      (err, res) => (err ? reject(err) : resolve(res!)),
    ),
  );
}

/** Resolves with the first message, or rejects with the stream's error. */
function rawWatch(server: TestServer, bytes: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = server.client.makeServerStreamRequest(
      `${SERVICE}/Watch`, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(bytes), new Metadata(), {},
    );
    stream.on("data", (d: Buffer) => {
      resolve(d);
      stream.cancel();
    });
    stream.on("error", (e: ServiceError) => reject(e));
  });
}

const concat = (...parts: Uint8Array[]) => Buffer.concat(parts);
const varint = (field: number, value: bigint) => new BinaryWriter().tag(field, WireType.Varint).uint64(value).finish();
const signed = (field: number, value: bigint) => new BinaryWriter().tag(field, WireType.Varint).int64(value).finish();
const nested = (field: number, body: Uint8Array) =>
  new BinaryWriter().tag(field, WireType.LengthDelimited).bytes(body).finish();
/** A Message with its created_at (field 11) set from raw Timestamp bytes (seconds = 1, nanos = 2). */
const messageWithCreatedAt = (timestamp: Uint8Array) => concat(Message.encode(user("x")).finish(), nested(11, timestamp));

async function expectInvalid(p: Promise<unknown>, field: string, message?: string): Promise<void> {
  const { err, info } = await expectStatus(p, status.INVALID_ARGUMENT);
  expect(info?.metadata.field).toBe(field);
  expect(err.details).toMatch(new RegExp(`^${field.replace(/[[\].]/g, "\\$&")}: `));
  if (message) expect(err.details).toBe(message);
}

/** [rpc, field name, field number, signed] for every top-level 64-bit field of every request, from the descriptor set. */
function sixtyFourBitFields(): [string, string, number, boolean][] {
  const set = readFileSync(new URL("../../src/gen/roomhistory.binpb", import.meta.url));
  const root = (protobuf.Root as unknown as { fromDescriptor(b: Uint8Array): protobuf.Root }).fromDescriptor(set);
  root.resolveAll();
  const service = root.lookupService("roomhistory.v1.RoomHistoryService");
  return Object.values(service.methods).flatMap((m) =>
    m.resolvedRequestType!.fieldsArray
      .filter((f) => ["int64", "uint64", "sint64", "fixed64", "sfixed64"].includes(f.type))
      .map((f): [string, string, number, boolean] => [m.name, f.name, f.id, !f.type.startsWith("u")]));
}

describe("every 64-bit request field", () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(async () => server?.stop());
  const fields = sixtyFourBitFields();

  it("includes the ones issue 8 names", () => {
    expect(fields.map(([rpc, name]) => `${rpc}.${name}`)).toEqual(
      expect.arrayContaining(["AppendMessages.expected_version", "GetHistory.after_seq", "UpdateMessage.expected_version"]));
  });

  it.each(fields)("%s.%s above 2^53 is INVALID_ARGUMENT naming it", async (rpcName, name, id, isSigned) => {
    const bytes = isSigned ? signed(id, 2n ** 62n) : varint(id, U64_MAX);
    const call = rpcName === "Watch" ? rawWatch(server, bytes) : rawUnary(server, rpcName, bytes);
    await expectInvalid(call, name, `${name}: must be at most 9007199254740991`);
  });
});

describe.each(STORE_KINDS)("numbers and timestamps at the edges (%s store)", (kind) => {
  const servers = serversForEachStore({ beforeAll, afterAll });
  const api = () => rpc(servers[kind].client);
  const raw = (method: string, bytes: Uint8Array) => rawUnary(servers[kind], method, bytes);

  it("answers INVALID_ARGUMENT naming a uint64 field above 2^53, and changes nothing", async () => {
    const base = pb.AppendMessagesRequest.encode({ ...pb.AppendMessagesRequest.fromPartial({ roomId: "big" }), messages: [user("x")] }).finish();
    await expectInvalid(raw("AppendMessages", concat(base, varint(3, U64_MAX))), "expected_version",
      "expected_version: must be at most 9007199254740991");
    await expectInvalid(raw("AppendMessages", concat(base, varint(3, 2n ** 53n))), "expected_version");
    const history = pb.GetHistoryRequest.encode(pb.GetHistoryRequest.fromPartial({ roomId: "big" })).finish();
    await expectInvalid(raw("GetHistory", concat(history, varint(3, 2n ** 63n))), "after_seq");
    expect((await api().history({ roomId: "big" })).version).toBe(0);
    // The largest exact number is a number like any other: a version that cannot match is ABORTED.
    await expectStatus(api().append({ roomId: "big", messages: [user("x")], expectedVersion: SAFE }), status.ABORTED);
  });

  it("names a 64-bit field inside a repeated message by its path", async () => {
    const seq = concat(Message.encode(user("x")).finish(), varint(2, U64_MAX));
    const req = concat(pb.AppendMessagesRequest.encode(pb.AppendMessagesRequest.fromPartial({ roomId: "big", messages: [user("a")] })).finish(), nested(2, seq));
    await expectInvalid(raw("AppendMessages", req), "messages[1].seq");
  });

  it("answers the Watch stream with INVALID_ARGUMENT naming rooms[i].known_version", async () => {
    const rooms = ["w0", "w1", "w2"].map((roomId) => ({ roomId, knownVersion: 0 }));
    const base = pb.WatchRequest.encode(pb.WatchRequest.fromPartial({ rooms })).finish();
    const huge = concat(pb.RoomCursor.encode({ roomId: "w3", knownVersion: 0 }).finish(), varint(2, 2n ** 60n));
    await expectInvalid(rawWatch(servers[kind], concat(base, nested(1, huge))), "rooms[3].known_version",
      "rooms[3].known_version: must be at most 9007199254740991");
    // The same stream with a number that fits opens as usual.
    await expect(rawWatch(servers[kind], base)).resolves.toBeInstanceOf(Buffer);
  });

  it("names a Timestamp whose seconds do not fit a number, as a timestamp", async () => {
    const append = (timestamp: Uint8Array) => {
      const head = pb.AppendMessagesRequest.encode(pb.AppendMessagesRequest.fromPartial({ roomId: "ts" })).finish();
      return raw("AppendMessages", concat(head, nested(2, messageWithCreatedAt(timestamp))));
    };
    await expectInvalid(append(signed(1, 2n ** 62n)), "messages[0].created_at",
      "messages[0].created_at: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z");
    await expectInvalid(append(signed(1, -(2n ** 62n))), "messages[0].created_at");
    const mark = pb.MarkDeletedRequest.encode(pb.MarkDeletedRequest.fromPartial({ roomId: "ts", messageId: "m" })).finish();
    await expectInvalid(raw("MarkDeleted", concat(mark, nested(3, signed(1, 2n ** 60n)))), "deleted_at");
  });

  it("keeps answering INTERNAL for bytes that are not a request at all", async () => {
    const { err } = await expectStatus(raw("GetHistory", Buffer.from([0x0a, 0x05, 0x61])), status.INTERNAL);
    expect(err.details).not.toMatch(/at |\.ts/); // no stack or file names leak to the client
  });

  const outOfRange: [string, { seconds: number; nanos: number }][] = [
    ["seconds 1e15", { seconds: 1e15, nanos: 0 }],
    ["year 10000", { seconds: 253_402_300_800, nanos: 0 }],
    ["year 0", { seconds: -62_135_596_801, nanos: 999_999_999 }],
    ["negative nanos", { seconds: 1_700_000_000, nanos: -1 }],
    ["nanos of a whole second", { seconds: 1_700_000_000, nanos: 1_000_000_000 }],
  ];
  it.each(outOfRange)("refuses %s in every message timestamp and in MarkDeleted", async (_, t) => {
    for (const field of ["createdAt", "editedAt", "deletedAt"] as const) {
      const snake = field.replace(/[A-Z]/, (c) => `_${c.toLowerCase()}`);
      await expectInvalid(api().append({ roomId: "range", messages: [user("ok"), user("x", { [field]: t })] }), `messages[1].${snake}`);
    }
    await api().append({ roomId: "range-mark", messages: [user("x", { id: "m1" })] });
    await expectInvalid(api().markDeleted({ roomId: "range-mark", messageId: "m1", deletedAt: t }), "deleted_at");
    expect((await api().history({ roomId: "range" })).version).toBe(0);
    expect((await api().history({ roomId: "range-mark" })).messages[0].deletedAt).toBeUndefined();
  });

  const accepted: [string, { seconds: number; nanos: number }][] = [
    ["0001-01-01T00:00:00Z", { seconds: -62_135_596_800, nanos: 0 }],
    ["9999-12-31T23:59:59.999999999Z", { seconds: 253_402_300_799, nanos: 999_999_999 }],
    ["1969-12-31T23:59:59.5Z", { seconds: -1, nanos: 500_000_000 }],
    ["1900-02-28T12:00:00.000000001Z", { seconds: -2_203_934_400, nanos: 1 }],
    ["2023-11-14T22:13:20.123456789Z", { seconds: 1_700_000_000, nanos: 123_456_789 }],
  ];
  it.each(accepted)("reads back %s exactly as it was written", async (_, t) => {
    const roomId = `ok-${t.seconds}`;
    const sent = user("x", { id: "m1", createdAt: t, editedAt: t, deletedAt: t });
    const res = await api().append({ roomId, messages: [sent, user("y", { id: "m2" })] });
    expect(res.messages[0]).toMatchObject({ createdAt: t, editedAt: t, deletedAt: t });
    await api().markDeleted({ roomId, messageId: "m2", deletedAt: t });
    const [first, second] = (await api().history({ roomId })).messages;
    expect(first).toMatchObject({ createdAt: t, editedAt: t, deletedAt: t });
    expect(second.deletedAt).toEqual(t);
  });
});
