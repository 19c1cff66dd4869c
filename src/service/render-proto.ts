/**
 * A render's messages in proto form (RENDER_FORM_MESSAGES): the same content as messages_json, field
 * for field. OpenAI: content is the string content, parts the array content. Anthropic: content stays
 * empty and parts carry the turn's text, image and document blocks in order (an image as its data: or
 * https URL, a document as a file part with its data: URL), tool_calls its tool_use blocks (arguments
 * as the input's JSON) and tool_results its tool_result blocks.
 */
import type { ContentPart } from "@roomhistory/client/gen/roomhistory/v1/message.js";
import type { RenderedMessage } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import type { OpenAIMessage, OpenAIPart } from "../prompt/formats/openai.js";
import type { AnthropicBlock, AnthropicMessage, ImageBlock, TextBlock } from "../prompt/formats/anthropic.js";

const BLANK: RenderedMessage = {
  role: "", content: "", parts: [], toolCalls: [], toolCallId: "", name: "", isError: false, toolResults: [],
};

function openaiPart(p: OpenAIPart): ContentPart {
  switch (p.type) {
    case "image_url":
      return { imageUrl: { url: p.image_url.url, detail: p.image_url.detail ?? "" } };
    case "input_audio":
      return { inputAudio: { ...p.input_audio } };
    case "file":
      return { file: { fileId: p.file.file_id ?? "", filename: p.file.filename ?? "", fileData: p.file.file_data ?? "" } };
    default:
      return { text: p.text };
  }
}

export function fromOpenAI(m: OpenAIMessage, isError = false): RenderedMessage {
  return {
    ...BLANK,
    role: m.role,
    content: typeof m.content === "string" ? m.content : "",
    parts: Array.isArray(m.content) ? m.content.map(openaiPart) : [],
    toolCalls: (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })),
    toolCallId: m.tool_call_id ?? "",
    name: m.name ?? "",
    isError,
  };
}

function imageUrl(b: ImageBlock): string {
  return b.source.type === "url" ? b.source.url : `data:${b.source.media_type};base64,${b.source.data}`;
}

/** A text, image or document block as a part; undefined for tool blocks (they have their own fields). */
function anthropicPart(b: AnthropicBlock): ContentPart | undefined {
  switch (b.type) {
    case "text":
      return { text: b.text };
    case "image":
      return { imageUrl: { url: imageUrl(b), detail: "" } };
    case "document":
      return { file: { fileId: "", filename: b.title ?? "", fileData: `data:${b.source.media_type};base64,${b.source.data}` } };
    default:
      return undefined;
  }
}

export function fromAnthropic(m: AnthropicMessage): RenderedMessage {
  const out: RenderedMessage = { ...BLANK, role: m.role, parts: [], toolCalls: [], toolResults: [] };
  for (const b of m.content) {
    if (b.type === "tool_use") out.toolCalls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input) });
    else if (b.type === "tool_result") {
      const content = b.content ?? "";
      out.toolResults.push({
        ...BLANK,
        role: "tool",
        toolCallId: b.tool_use_id,
        content: typeof content === "string" ? content : "",
        parts: typeof content === "string" ? [] : content.map((c: TextBlock | ImageBlock) => anthropicPart(c)!),
        isError: b.is_error === true,
      });
    } else out.parts.push(anthropicPart(b)!);
  }
  return out;
}
