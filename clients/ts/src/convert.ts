/**
 * Messages in the OpenAI chat form and back: the plain conversion (role, content or content parts: text,
 * image_url, input_audio, file; tool_calls, tool_call_id). What that form has no place for (ids, seqs,
 * sender, timestamps, reactions, metadata, isError) is left out. The server's RenderMessages is the full
 * rendering (system prompt, names, id markers, tags, tool-call repair, token budgets). The same as
 * Python's to_openai/from_openai (clients/testdata/openai-vectors.json).
 */
import { ContentPart, Message, Role } from "./gen/roomhistory/v1/message.js";

/** One content part of an OpenAI chat message. */
export type OpenAIPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } }
  | { type: "input_audio"; input_audio: { data: string; format: string } }
  | { type: "file"; file: { file_id?: string; filename?: string; file_data?: string } };

/** An OpenAI chat message as toOpenAI writes it. */
export interface OpenAIMessage {
  role: string;
  content: string | OpenAIPart[];
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** What fromOpenAI reads: also "developer" for system, a bare image URL string, null content. */
export interface OpenAIInput {
  role: string;
  content?: string | readonly Record<string, unknown>[] | null;
  tool_calls?: readonly { id?: string; function?: { name?: string; arguments?: string } }[] | null;
  tool_call_id?: string | null;
}

const ROLE_NAMES: Record<string, Role> = {
  user: Role.ROLE_USER, assistant: Role.ROLE_ASSISTANT, system: Role.ROLE_SYSTEM, developer: Role.ROLE_SYSTEM,
  tool: Role.ROLE_TOOL,
};

/** The messages as OpenAI chat messages, oldest first. */
export function toOpenAI(messages: readonly Message[]): OpenAIMessage[] {
  return messages.map((m) => {
    const out: OpenAIMessage = {
      role: Role[m.role].replace(/^ROLE_/, "").toLowerCase(),
      content: m.parts.length ? m.parts.map(partToOpenAI) : m.content,
    };
    if (m.toolCalls.length) {
      out.tool_calls = m.toolCalls.map((c) => ({
        id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments },
      }));
    }
    if (m.toolCallId) out.tool_call_id = m.toolCallId;
    return out;
  });
}

function partToOpenAI(p: ContentPart): OpenAIPart {
  if (p.imageUrl) {
    const { url, detail } = p.imageUrl;
    return { type: "image_url", image_url: detail ? { url, detail } : { url } };
  }
  if (p.inputAudio) return { type: "input_audio", input_audio: { data: p.inputAudio.data, format: p.inputAudio.format } };
  if (p.file) {
    const { fileId, filename, fileData } = p.file;
    const file = { file_id: fileId || undefined, filename: filename || undefined, file_data: fileData || undefined };
    return { type: "file", file: JSON.parse(JSON.stringify(file)) as typeof file }; // without the unset keys
  }
  return { type: "text", text: p.text ?? "" };
}

/** OpenAI chat messages as Messages, ready for appendMessages. A role it does not know is a TypeError. */
export function fromOpenAI(messages: readonly OpenAIInput[]): Message[] {
  return messages.map((d) => {
    const role = ROLE_NAMES[d.role.trim().toLowerCase().replace(/^role_/, "")];
    if (role === undefined) throw new TypeError(`role: unknown role ${JSON.stringify(d.role)}`);
    const content = typeof d.content === "string" ? d.content : "";
    const parts = Array.isArray(d.content) ? d.content.map(partFromOpenAI) : [];
    const toolCalls = (d.tool_calls ?? []).map((c) => ({
      id: c.id ?? "", name: c.function?.name ?? "", arguments: c.function?.arguments ?? "",
    }));
    return Message.fromPartial({ role, content, parts, toolCalls, toolCallId: d.tool_call_id ?? "" });
  });
}

function partFromOpenAI(p: Record<string, unknown>): ContentPart {
  const str = (o: unknown, key: string): string => {
    const value = (o as Record<string, unknown> | undefined)?.[key];
    return typeof value === "string" ? value : "";
  };
  switch (p.type) {
    case "image_url": {
      const image = p.image_url;
      const [url, detail] = typeof image === "string" ? [image, ""] : [str(image, "url"), str(image, "detail")];
      return ContentPart.fromPartial({ imageUrl: { url, detail } });
    }
    case "input_audio":
      return ContentPart.fromPartial({ inputAudio: { data: str(p.input_audio, "data"), format: str(p.input_audio, "format") } });
    case "file": {
      const f = p.file;
      return ContentPart.fromPartial({
        file: { fileId: str(f, "file_id"), filename: str(f, "filename"), fileData: str(f, "file_data") },
      });
    }
    default:
      return ContentPart.fromPartial({ text: str(p, "text") });
  }
}
