/**
 * A namespace's memory bank as the stores keep it (issue 12, memory_bank.proto). The Redis layout
 * lives in its own slot per namespace (src/store/keys.ts, KeySpace.namespace), so every bank operation
 * is one script there; the memory store keeps the same in a map.
 */

export type Granularity = "conversation" | "day" | "week" | "month";

export interface NamespaceOptionsData {
  namespace: string;
  memoryBankEnabled: boolean;
  maxTokens: number;
  idleMinutes: number;
  maxTurnsPerSummary: number;
}

export const DEFAULT_BANK_MAX_TOKENS = 2000;
export const DEFAULT_IDLE_MINUTES = 10;
export const DEFAULT_MAX_TURNS_PER_SUMMARY = 40;

export interface BankEntryData {
  /** "conversation:<room_id>" or "<granularity>:<period_key>". */
  id: string;
  granularity: Granularity;
  periodKey: string;
  /** For a conversation entry; "" for digests. */
  roomId: string;
  summary: string;
  tokenCount: number;
  sourceMessageCount: number;
  /** ms since the epoch. */
  lastSourceAt: number;
  createdAt: number;
  updatedAt: number;
  /** For a conversation entry; 0 for digests. */
  coversVersion: number;
  revision: number;
}

export interface BankData {
  options: NamespaceOptionsData;
  entries: BankEntryData[];
  droppedEntries: number;
}

/**
 * What the export/import code needs of a bank store (the rest of the interface belongs to the bank's
 * own module, src/store/bank/).
 */
export interface BankTransfer {
  /** Every namespace that has options or entries, in byte order. */
  listNamespaces(): Promise<string[]>;
  /** The namespace's options (defaults when never set) and entries; undefined when it has neither. */
  exportNamespace(namespace: string): Promise<BankData | undefined>;
  /** Replaces the namespace's options and entries, atomically. */
  importNamespace(data: BankData): Promise<void>;
}
