/**
 * `render`: exactly what the model gets. The server renders the room as the JSON text a chat API takes
 * (RenderMessages with form JSON: messages_json, and for Anthropic the system prompt apart), and this
 * prints it as it came: `{"messages": [...]}` for OpenAI chat, `{"system": "...", "messages": [...]}`
 * for Anthropic messages, so it can be pasted into a request body. --stats adds the render's figures
 * (version, estimated tokens, what a budget dropped) on stderr.
 */
import type { Command } from "commander";
import { MemoryBankUse } from "../../gen/roomhistory/v1/memory_bank.js";
import { RenderForm, RenderFormat, TokenEncoding, type RenderMessagesResponse } from "../../gen/roomhistory/v1/room_history_service.js";
import { note, out, withClient } from "../context.js";
import { choice, count, jsonObject } from "../parse.js";

const FORMATS = { openai: RenderFormat.RENDER_FORMAT_OPENAI_CHAT, anthropic: RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES } as const;
const ENCODINGS = { o200k: TokenEncoding.TOKEN_ENCODING_O200K_BASE, cl100k: TokenEncoding.TOKEN_ENCODING_CL100K_BASE } as const;
const BANK = {
  none: MemoryBankUse.MEMORY_BANK_USE_NONE, template: MemoryBankUse.MEMORY_BANK_USE_TEMPLATE,
  prepend: MemoryBankUse.MEMORY_BANK_USE_PREPEND,
} as const;

interface RenderOptions {
  format: keyof typeof FORMATS;
  maxTokens?: number;
  encoding?: keyof typeof ENCODINGS;
  template?: string;
  context?: Record<string, unknown>;
  includeThinking?: boolean;
  runId?: string;
  phaseId?: string;
  memoryBank?: keyof typeof BANK;
  compact?: boolean;
  stats?: boolean;
}

export function renderCommand(program: Command): void {
  program.command("render")
    .description("the room as the model gets it (RenderMessages): the chat API's messages, and Anthropic's system")
    .argument("<room>", "room id")
    .option("--format <format>", "openai (chat completions) or anthropic (messages)", choice(["openai", "anthropic"] as const), "openai")
    .option("--max-tokens <n>", "token budget of the whole render, system prompt included (0: none)", count)
    .option("--encoding <encoding>", "o200k or cl100k (default: the room's, else o200k)", choice(["o200k", "cl100k"] as const))
    .option("--template <name>", "template file in the server's templates directory (default: the room's)")
    .option("--context <json>", "room_context variables for the template, merged over the room's stored ones", jsonObject)
    .option("--include-thinking", "keep thinking messages")
    .option("--run-id <id>", "only the messages of this run")
    .option("--phase-id <id>", "only the messages of this phase")
    .option("--memory-bank <use>", "none, template or prepend: the namespace's memory bank", choice(["none", "template", "prepend"] as const))
    .option("--compact", "one line of JSON instead of indented")
    .option("--stats", "also print version, estimated tokens and what the budget dropped, on stderr")
    .action(async (roomId: string, opts: RenderOptions, cmd: Command) => withClient(cmd, async (client) => {
      const res = await client.renderMessages({
        roomId, form: RenderForm.RENDER_FORM_JSON, format: FORMATS[opts.format], maxTokens: opts.maxTokens ?? 0,
        encoding: opts.encoding ? ENCODINGS[opts.encoding] : undefined, template: opts.template ?? "",
        roomContext: opts.context, includeThinking: opts.includeThinking ?? false, runId: opts.runId ?? "",
        phaseId: opts.phaseId ?? "", memoryBank: opts.memoryBank ? BANK[opts.memoryBank] : undefined,
      });
      out(JSON.stringify(requestBody(res, opts.format), null, opts.compact ? undefined : 2));
      if (opts.stats) note(statsLine(res));
    }));
}

/** The part of a chat API request the render fills: what the server rendered, unchanged. */
export function requestBody(res: RenderMessagesResponse, format: keyof typeof FORMATS): Record<string, unknown> {
  const messages = JSON.parse(res.messagesJson || "[]") as unknown;
  return format === "anthropic" ? { system: res.system, messages } : { messages };
}

function statsLine(res: RenderMessagesResponse): string {
  return [
    `version ${res.version}`,
    `${res.tokensExact ? "" : "~"}${res.estimatedTokens} tokens`,
    res.truncated ? `dropped ${res.droppedMessages} messages` : "",
    res.droppedParts ? `dropped ${res.droppedParts} parts` : "",
    res.repaired ? `repaired ${res.repaired}` : "",
    res.memoryBankTokens ? `memory bank ${res.memoryBankTokens} tokens` : "",
  ].filter(Boolean).join(", ");
}
