/**
 * The memory bank's Lua scripts (src/store/lua/bank-*.lua), registered next to the room scripts and
 * called through the typed functions of redis-bank.ts. Each takes one namespace's keys only.
 */
import type { Cluster, Redis, Result } from "ioredis";
import { defineScript } from "../redis/scripts.js";

/** The first element of a bank script's reply; includes/bank.lua lists the same numbers. */
export enum BankCode {
  OK = 1,
  SUMMARY_OUTDATED = -1,
  BANK_DISABLED = -2,
  SOURCE_CHANGED = -3,
  DIGEST_CHANGED = -4,
}

const BANK_SCRIPTS = {
  rhBankSetOptions: "bank-set-options-1.lua",
  rhBankNoteTurn: "bank-note-turn-3.lua",
  rhBankPending: "bank-pending-3.lua",
  rhBankForget: "bank-forget-2.lua",
  rhBankPutSummary: "bank-put-summary-5.lua",
  rhBankRead: "bank-read-2.lua",
  rhBankSettle: "bank-settle-2.lua",
  rhBankCommit: "bank-commit-3.lua",
  rhBankImport: "bank-import-2.lua",
} as const;

export function defineBankScripts(redis: Redis | Cluster): void {
  for (const [name, file] of Object.entries(BANK_SCRIPTS)) defineScript(redis, name, file);
}

/** A bank script's raw reply (bank-read-2.lua nests two lists). */
export type BankReply = (string | number | string[])[];

declare module "ioredis" {
  interface RedisCommander<Context> {
    rhBankSetOptions(...args: (string | number)[]): Result<BankReply, Context>;
    rhBankNoteTurn(...args: (string | number)[]): Result<BankReply, Context>;
    rhBankPending(...args: (string | number)[]): Result<BankReply, Context>;
    rhBankForget(...args: (string | number)[]): Result<BankReply, Context>;
    rhBankPutSummary(...args: (string | number)[]): Result<BankReply, Context>;
    rhBankRead(...args: (string | number)[]): Result<BankReply, Context>;
    rhBankSettle(...args: (string | number)[]): Result<BankReply, Context>;
    rhBankCommit(...args: (string | number)[]): Result<BankReply, Context>;
    rhBankImport(...args: (string | number)[]): Result<BankReply, Context>;
  }
}
