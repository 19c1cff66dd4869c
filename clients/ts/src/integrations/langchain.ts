/**
 * LangChain chat history over a roomhistory room: `new RoomHistoryChatMessageHistory(client, roomId)` is
 * a `BaseListChatMessageHistory` from @langchain/core (an optional peer dependency; import this module as
 * "@roomhistory/client/langchain", the main entry never loads @langchain/core). getMessages reads the
 * room's window page by page, deleted messages and reasoning left out; addMessages appends a batch in one
 * AppendMessages call; clear empties the room. Roles: human → user, ai → assistant with its tool calls,
 * tool → tool with its tool_call_id (status "error" → is_error), system → system; a message's `name` is
 * stored as the sender and its `id` as the message id.
 */
import { BaseListChatMessageHistory } from "@langchain/core/chat_history";
import {
  AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage, type InvalidToolCall, type ToolCall,
} from "@langchain/core/messages";
import type { RoomHistoryClient } from "../client.js";
import { fromOpenAI, toOpenAI, type OpenAIInput } from "../convert.js";
import { Message, MessageKind, Role } from "../gen/roomhistory/v1/message.js";
import { readWindow } from "../paging.js";

export class RoomHistoryChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ["roomhistory", "chat_history"];

  constructor(private readonly client: RoomHistoryClient, readonly roomId: string) {
    super();
  }

  async getMessages(): Promise<BaseMessage[]> {
    const window = await readWindow(this.client, this.roomId);
    return window.messages.filter((m) => !m.deletedAt && m.kind !== MessageKind.MESSAGE_KIND_THINKING).map(toLangChain);
  }

  async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  async addMessages(messages: BaseMessage[]): Promise<void> {
    if (messages.length) await this.client.appendMessages({ roomId: this.roomId, messages: messages.map(fromLangChain) });
  }

  async clear(): Promise<void> {
    await this.client.clearRoom({ roomId: this.roomId });
  }
}

/** A stored message as a LangChain message (id, name, tool calls and tool errors kept). */
export function toLangChain(m: Message): BaseMessage {
  const [openai] = toOpenAI([m]);
  const common = { content: openai.content, id: m.id || undefined, name: m.sender || undefined };
  switch (m.role) {
    case Role.ROLE_ASSISTANT: {
      const calls = m.toolCalls.map(toolCallOf);
      return new AIMessage({
        ...common,
        tool_calls: calls.filter((c): c is ToolCall => c.type === "tool_call"),
        invalid_tool_calls: calls.filter((c): c is InvalidToolCall => c.type === "invalid_tool_call"),
      });
    }
    case Role.ROLE_SYSTEM:
      return new SystemMessage(common);
    case Role.ROLE_TOOL:
      return new ToolMessage({ ...common, tool_call_id: m.toolCallId, status: m.isError ? "error" : "success" });
    default:
      return new HumanMessage(common);
  }
}

/** Arguments that are not a JSON object come back as an invalid tool call, as LangChain's parsers do. */
function toolCallOf(c: { id: string; name: string; arguments: string }): ToolCall | InvalidToolCall {
  try {
    const args: unknown = JSON.parse(c.arguments || "{}");
    if (args && typeof args === "object" && !Array.isArray(args)) {
      return { id: c.id, name: c.name, args: args as Record<string, unknown>, type: "tool_call" };
    }
  } catch {
    // kept as it is, below
  }
  return { id: c.id, name: c.name, args: c.arguments, error: "arguments are not a JSON object", type: "invalid_tool_call" };
}

const ROLES: Record<string, string> = { human: "user", ai: "assistant", system: "system", developer: "system", tool: "tool" };

/** A LangChain message as a Message ready for appendMessages. */
export function fromLangChain(m: BaseMessage): Message {
  const type = m.getType();
  const role = ROLES[type] ?? (type === "generic" ? (m as unknown as { role: string }).role : type);
  const input: OpenAIInput = {
    role,
    content: m.content,
    tool_calls: AIMessage.isInstance(m)
      ? (m.tool_calls ?? []).map((c) => ({ id: c.id ?? "", function: { name: c.name, arguments: JSON.stringify(c.args) } }))
      : undefined,
    tool_call_id: ToolMessage.isInstance(m) ? m.tool_call_id : undefined,
  };
  const [out] = fromOpenAI([input]);
  return Message.fromPartial({
    ...out, id: m.id ?? "", sender: m.name ?? "", isError: ToolMessage.isInstance(m) && m.status === "error",
  });
}
