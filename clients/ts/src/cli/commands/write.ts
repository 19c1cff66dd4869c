/** `append`, `delete` and `reap`: the writes an operator makes by hand. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { Message, Role } from "../../gen/roomhistory/v1/message.js";
import { AppendMessagesResponse, ReapIdleRoomsResponse } from "../../gen/roomhistory/v1/room_history_service.js";
import { note, out, withClient } from "../context.js";
import { UsageError } from "../exit.js";
import { choice, count } from "../parse.js";

const ROLES = {
  user: Role.ROLE_USER, assistant: Role.ROLE_ASSISTANT, system: Role.ROLE_SYSTEM, tool: Role.ROLE_TOOL,
} as const;

interface AppendOptions {
  role: keyof typeof ROLES;
  sender?: string;
  id?: string;
  toolCallId?: string;
  messages?: string;
  expectedVersion?: number;
  idempotencyKey?: string;
  json?: boolean;
}

export function appendCommand(program: Command): void {
  program.command("append")
    .description("append one message (the text arguments, joined by spaces) or --messages (AppendMessages)")
    .argument("<room>", "room id")
    .argument("[text...]", "the message's content; \"-\" reads it from stdin")
    .option("--role <role>", "user, assistant, system or tool", choice(["user", "assistant", "system", "tool"] as const), "user")
    .option("--sender <name>", "who wrote it")
    .option("--id <id>", "the platform's message id (default: one the server makes)")
    .option("--tool-call-id <id>", "for --role tool: the call it answers")
    .option("--messages <file>", "a JSON array of Message (proto3 JSON) to append instead; \"-\" reads stdin")
    .option("--expected-version <v>", "append only if the room is at this version (ABORTED, exit 10, otherwise)", count)
    .option("--idempotency-key <key>", "the append's idempotency key (default: a new random one)")
    .option("--json", "the AppendMessagesResponse as proto3 JSON")
    .action(async (roomId: string, text: string[], opts: AppendOptions, cmd: Command) => {
      const messages = opts.messages !== undefined ? messagesFrom(opts.messages) : [oneMessage(text, opts)];
      await withClient(cmd, async (client) => {
        const res = await client.appendMessages({
          roomId, messages, expectedVersion: opts.expectedVersion, idempotencyKey: opts.idempotencyKey ?? "",
        });
        if (opts.json) out(JSON.stringify(AppendMessagesResponse.toJSON(res)));
        else out(`${roomId} v${res.version}: ${res.messages.map((m) => `#${m.seq} ${m.id}`).join(", ")}`
          + `${res.trimmed ? ` (trimmed ${res.trimmed})` : ""}${res.replayed ? " (replayed)" : ""}`);
      });
    });
}

function oneMessage(text: string[], opts: AppendOptions): Message {
  if (text.length === 0) throw new UsageError("append: give the message's text, \"-\" for stdin, or --messages <file>");
  const content = text.length === 1 && text[0] === "-" ? readFileSync(0, "utf8") : text.join(" ");
  return Message.fromPartial({
    role: ROLES[opts.role], content, sender: opts.sender ?? "", id: opts.id ?? "", toolCallId: opts.toolCallId ?? "",
  });
}

function messagesFrom(path: string): Message[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path === "-" ? 0 : path, "utf8"));
  } catch (err) {
    throw new UsageError(`--messages: ${(err as Error).message}`);
  }
  if (!Array.isArray(json) || json.length === 0) throw new UsageError("--messages: not a non-empty JSON array of messages");
  return json.map((m) => Message.fromJSON(m));
}

export function deleteCommand(program: Command): void {
  program.command("delete")
    .description("delete a room: its history, settings and listing; the version stays (DeleteRoom)")
    .argument("<room>", "room id")
    .option("--expected-version <v>", "delete only if the room is at this version (ABORTED, exit 10, otherwise)", count)
    .action(async (roomId: string, opts: { expectedVersion?: number }, cmd: Command) => withClient(cmd, async (client) => {
      const res = await client.deleteRoom({ roomId, expectedVersion: opts.expectedVersion });
      out(res.deleted ? `deleted ${roomId} (v${res.version})` : `${roomId} did not exist (v${res.version})`);
    }));
}

interface ReapOptions {
  maxIdle?: number;
  dryRun?: boolean;
  limit?: number;
  json?: boolean;
}

export function reapCommand(program: Command): void {
  program.command("reap")
    .description("expire idle rooms now (ReapIdleRooms): prints each room reaped, or with --dry-run each it would reap")
    .option("--max-idle <seconds>", "every room idle this long, except those kept until deleted (default: each room's own retention)", count)
    .option("--dry-run", "change nothing; list the rooms that would be reaped")
    .option("--limit <n>", "at most this many rooms (server default 1000)", count)
    .option("--json", "the ReapIdleRoomsResponse as proto3 JSON")
    .action(async (opts: ReapOptions, cmd: Command) => withClient(cmd, async (client) => {
      const res = await client.reapIdleRooms({
        maxIdleSeconds: opts.maxIdle ?? 0, dryRun: opts.dryRun ?? false, limit: opts.limit ?? 0,
      });
      if (opts.json) return out(JSON.stringify(ReapIdleRoomsResponse.toJSON(res)));
      for (const id of res.roomIds) out(id);
      note(`${opts.dryRun ? "would reap" : "reaped"} ${res.count} room${res.count === 1 ? "" : "s"}${res.more ? " (more remain: run again)" : ""}`);
    }));
}
