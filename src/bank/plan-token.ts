/**
 * RollupGroup.plan: an opaque base64url token naming what a plan read (namespace, target digest,
 * sources with their revisions, the folded digest's revision or its absence), so that CommitRollup
 * can check, atomically, that none of it changed. It carries no secret: a forged token can only name
 * entries whose revisions it must also match.
 */
import { invalid } from "../domain/errors.js";
import type { Granularity } from "../store/bank/bank-types.js";

export interface PlanRef {
  namespace: string;
  from: Exclude<Granularity, "month">;
  to: Exclude<Granularity, "conversation">;
  periodKey: string;
  /** Entry id and the revision the plan read, oldest first; the folded digest is not among them. */
  sources: { id: string; revision: number }[];
  /** The folded digest's revision; 0 when the digest did not exist. */
  foldedRevision: number;
}

const FROM_OF = { day: "conversation", week: "day", month: "week" } as const;
const VERSION = 1;

export function encodePlan(p: PlanRef): string {
  const body = [VERSION, p.namespace, p.to, p.periodKey, p.sources.map((s) => [s.id, s.revision]), p.foldedRevision];
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/** The plan a token names; INVALID_ARGUMENT "plan" for anything PlanRollup did not make. */
export function decodePlan(token: string): PlanRef {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid("plan", "is not a RollupGroup.plan token");
  }
  if (!Array.isArray(body) || body.length !== 6 || body[0] !== VERSION) throw invalid("plan", "is not a RollupGroup.plan token");
  const [, namespace, to, periodKey, sources, foldedRevision] = body as unknown[];
  const ok = typeof namespace === "string" && namespace !== "" && typeof periodKey === "string"
    && (to === "day" || to === "week" || to === "month") && isCount(foldedRevision)
    && Array.isArray(sources) && sources.length > 0
    && sources.every((s) => Array.isArray(s) && s.length === 2 && typeof s[0] === "string" && isCount(s[1]) && s[1] > 0);
  if (!ok) throw invalid("plan", "is not a RollupGroup.plan token");
  const from = FROM_OF[to];
  const refs = (sources as [string, number][]).map(([id, revision]) => ({ id, revision }));
  const digestId = `${String(to)}:${String(periodKey)}`;
  if (refs.some((s) => !s.id.startsWith(`${from}:`) || s.id === digestId)) throw invalid("plan", "names entries it cannot merge");
  return { namespace: namespace, from, to: to, periodKey: periodKey, sources: refs,
    foldedRevision: foldedRevision };
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
