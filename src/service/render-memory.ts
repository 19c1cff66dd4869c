/**
 * RenderMessages' memory_bank option (issue 12): the room's namespace bank rendered as restai's block
 * (src/bank/block.ts), given to the template as `memory_bank` and, with MEMORY_BANK_USE_PREPEND, put
 * before the system prompt followed by a blank line. The block is read after the room (its namespace
 * comes from the room's metadata), so a render that reads the bank is never made ahead of the read
 * (renderAhead in render.ts); a cached reply is keyed by its system prompt text, which carries the block.
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { MemoryBankUse } from "@roomhistory/client/gen/roomhistory/v1/memory_bank.js";
import type { RenderMessagesResponse } from "@roomhistory/client/gen/roomhistory/v1/room_history_service.js";
import { invalid } from "../domain/errors.js";
import { renderBlock, type RenderedBlock } from "../bank/block.js";
import type { BankData, BankEntryData } from "../store/bank/bank-types.js";
import type { BankStore } from "../store/bank/bank-store.js";
import type { RoomSnapshot } from "../store/store.js";
import { Encoded } from "../wire/encoded.js";

/** The block a render uses; undefined when the request does not read the bank. */
export interface MemoryBankBlock {
  text: string;
  tokens: number;
  prepend: boolean;
}

const MEMORY_BANK_TOKENS_TAG = (13 << 3) | 0; // RenderMessagesResponse.memory_bank_tokens, varint

/**
 * The block for this render: empty for a room without a namespace, a namespace whose bank is disabled,
 * or a server without a bank store; cut at memory_bank_max_tokens, else the namespace's max_tokens.
 */
export async function memoryBankBlock(
  bank: Pick<BankStore, "readBank"> | undefined, snap: RoomSnapshot,
  req: { memoryBank: MemoryBankUse; memoryBankMaxTokens: number }, early?: EarlyBankRead,
): Promise<MemoryBankBlock | undefined> {
  if (!readsBank(req)) return undefined;
  const prepend = req.memoryBank === MemoryBankUse.MEMORY_BANK_USE_PREPEND;
  const namespace = snap.metadata?.namespace;
  if (!bank || !namespace) return { text: "", tokens: 0, prepend };
  const data = await (early?.namespace === namespace ? early.data : bank.readBank(namespace));
  if (!data.options.memoryBankEnabled) return { text: "", tokens: 0, prepend };
  const block = cachedBlock(bank, namespace, data.entries, req.memoryBankMaxTokens || data.options.maxTokens);
  return { text: block.text, tokens: block.tokens, prepend };
}

/** A bank read started with the room's read, for the namespace the cached snapshot names. */
export interface EarlyBankRead {
  namespace: string;
  data: Promise<BankData>;
}

/**
 * Starts the bank read alongside the room's read when the store holds a snapshot of the room (its
 * namespace is then known ahead): memoryBankBlock uses it if the read confirms the namespace, so a
 * render that reads the bank costs one round trip, not two. Both reads start after the call did.
 */
export function startBankRead(
  bank: Pick<BankStore, "readBank"> | undefined, cached: RoomSnapshot | undefined, req: { memoryBank: MemoryBankUse },
): EarlyBankRead | undefined {
  const namespace = cached?.metadata?.namespace;
  if (!bank || !namespace || !readsBank(req)) return undefined;
  const data = bank.readBank(namespace);
  data.catch(() => undefined); // unused when the namespace changed; used, its failure is reported there
  return { namespace, data };
}

function readsBank(req: { memoryBank: MemoryBankUse }): boolean {
  switch (req.memoryBank) {
    case MemoryBankUse.MEMORY_BANK_USE_UNSPECIFIED:
    case MemoryBankUse.MEMORY_BANK_USE_NONE:
      return false;
    case MemoryBankUse.MEMORY_BANK_USE_TEMPLATE:
    case MemoryBankUse.MEMORY_BANK_USE_PREPEND:
      return true;
    default:
      throw invalid("memory_bank", `unknown memory bank use ${req.memoryBank}`);
  }
}

/**
 * The last block per bank store, namespace and budget: workers render before every model call, and the
 * bank rarely changes.
 */
type BlockCache = Map<string, { signature: string; block: RenderedBlock }>;
const BLOCKS = new WeakMap<object, BlockCache>();
const MAX_BLOCKS = 256;

/**
 * renderBlock, kept while the bank's entries are the same ones: every write of an entry raises its
 * revision and sets updated_at, and a drop or a commit removes entries, so the signature changes.
 */
function cachedBlock(bank: object, namespace: string, entries: BankEntryData[], maxTokens: number): RenderedBlock {
  const key = `${maxTokens}\u0000${namespace}`;
  const signature = entries.map((e) => `${e.id}\u0000${e.revision}\u0000${e.updatedAt}\u0000${e.summary.length}`).sort().join("\u0001");
  let blocks = BLOCKS.get(bank);
  if (!blocks) BLOCKS.set(bank, (blocks = new Map() as BlockCache));
  const kept = blocks.get(key);
  if (kept?.signature === signature) return kept.block;
  const block = renderBlock(entries, maxTokens);
  blocks.delete(key);
  if (blocks.size >= MAX_BLOCKS) blocks.delete(blocks.keys().next().value!);
  blocks.set(key, { signature, block });
  return block;
}

/** The template variables the block adds (none when the bank is not read). */
export function memoryBankVars(block: MemoryBankBlock | undefined): Record<string, unknown> {
  return block ? { memory_bank: block.text } : {};
}

/** The system prompt with the block before it (PREPEND), followed by a blank line when there is a prompt. */
export function withMemoryBank(block: MemoryBankBlock | undefined, system: string): string {
  if (!block?.prepend || !block.text) return system;
  return system ? `${block.text}\n\n${system}` : block.text;
}

/**
 * The reply with memory_bank_tokens set. An encoded reply gets the field appended (protobuf reads
 * fields in any order), so a cached reply's bytes are shared, never changed.
 */
export function withMemoryBankTokens<R extends Encoded | RenderMessagesResponse>(reply: R, block: MemoryBankBlock | undefined): R {
  if (!block?.tokens) return reply;
  if (!(reply instanceof Encoded)) return { ...reply, memoryBankTokens: block.tokens };
  const field = new BinaryWriter().uint32(MEMORY_BANK_TOKENS_TAG).uint32(block.tokens).finish();
  return new Encoded(...reply.parts, field) as R;
}
