/**
 * The memory bank block put before a system prompt (restai's render_for_prompt): its header line, then
 * the sections "Recent conversations", "By day", "By week", "By month", each newest first, as
 * "- (label) text" lines, cut at the budget in o200k_base tokens. As in restai, an entry that does not
 * fit ends its section and the next section is tried (a shorter digest may still fit); a section header
 * that does not fit ends the block. Unlike restai, a section appears only with at least one entry,
 * and a block with no entry at all is empty (nothing worth a header).
 */
import { countTokens } from "../prompt/tokens.js";
import type { BankEntryData, Granularity } from "../store/bank/bank-types.js";

/** restai's header line, word for word, so prompts migrated from it do not change. */
export const BANK_HEADER = "[Project Memory Bank — context aggregated from prior conversations in this project. " +
  "Use only when directly relevant to the current request.]";

const SECTIONS: readonly [Granularity, string][] = [
  ["conversation", "Recent conversations"], ["day", "By day"], ["week", "By week"], ["month", "By month"],
];

export interface RenderedBlock {
  text: string;
  tokens: number;
  rendered: number;
  omitted: number;
}

const EMPTY_BLOCK: RenderedBlock = { text: "", tokens: 0, rendered: 0, omitted: 0 };

export function renderBlock(entries: readonly BankEntryData[], maxTokens: number): RenderedBlock {
  if (!entries.length) return EMPTY_BLOCK;
  const chunks = [BANK_HEADER];
  const costs = [countTokens(BANK_HEADER)];
  let used = costs[0];
  let rendered = 0;
  sections: for (const [granularity, title] of SECTIONS) {
    const section = entries.filter((e) => e.granularity === granularity).sort(newestFirst);
    let header: string | undefined = `\n## ${title}`;
    const headerCost = countTokens(header);
    for (const e of section) {
      const chunk = `\n- (${label(e)}) ${e.summary.trim()}`;
      const cost = countTokens(chunk);
      if (header !== undefined && used + headerCost > maxTokens) break sections;
      if (used + (header === undefined ? 0 : headerCost) + cost > maxTokens) break;
      if (header !== undefined) {
        chunks.push(header);
        costs.push(headerCost);
        used += headerCost;
        header = undefined;
      }
      chunks.push(chunk);
      costs.push(cost);
      used += cost;
      rendered++;
    }
  }
  if (!rendered) return { ...EMPTY_BLOCK, omitted: entries.length };
  return exactCut(chunks, maxTokens, rendered, entries.length);
}

/**
 * The chunks were counted apart; the joined text is counted once more, and in the rare case where BPE
 * across a join makes it longer than the budget, trailing entries go until it fits.
 */
function exactCut(chunks: string[], maxTokens: number, rendered: number, total: number): RenderedBlock {
  for (;;) {
    const text = chunks.join("").trim();
    const tokens = countTokens(text);
    if (tokens <= maxTokens || rendered <= 1) return { text, tokens, rendered, omitted: total - rendered };
    chunks.pop();
    if (chunks[chunks.length - 1].startsWith("\n## ")) chunks.pop();
    rendered--;
  }
}

/** restai's label: the period key, else the room id's first 8 characters. */
function label(e: BankEntryData): string {
  return e.periodKey || e.roomId.slice(0, 8);
}

function newestFirst(a: BankEntryData, b: BankEntryData): number {
  return b.lastSourceAt - a.lastSourceAt || b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
