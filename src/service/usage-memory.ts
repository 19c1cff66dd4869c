/**
 * What the server estimated for a room's recent renders, so that ReportUsage can leave
 * estimated_tokens at 0 and the server compares the provider's count with its own estimate of the
 * same render (room, version, format). In-process and bounded: a report that arrives after its
 * estimate was evicted, or at another replica, must send estimated_tokens itself
 * (FAILED_PRECONDITION says so).
 */

export type UsageFormat = "openai" | "anthropic";

/** How many (room, version, format) estimates are kept; the least recently used go first. */
export const USAGE_MEMORY_ENTRIES = 10_000;

// A Map iterates in insertion order: deleting and re-inserting on each use keeps the least recently
// used entry first, so eviction is `keys().next()` with no extra bookkeeping.
const estimates = new Map<string, number>();

function keyOf(roomId: string, version: number, format: UsageFormat): string {
  // The room id comes last so that no room id, whatever characters it holds, can alias another key.
  return `${format}\u0000${version}\u0000${roomId}`;
}

/** Remembers the estimate of the render of `roomId` at `version` in `format` (the last one wins). */
export function rememberEstimate(roomId: string, version: number, format: UsageFormat, tokens: number): void {
  const key = keyOf(roomId, version, format);
  estimates.delete(key);
  estimates.set(key, tokens);
  if (estimates.size > USAGE_MEMORY_ENTRIES) {
    const oldest = estimates.keys().next().value;
    if (oldest !== undefined) estimates.delete(oldest);
  }
}

/** The estimate remembered for that render, or undefined when none was made here or it was evicted. */
export function recallEstimate(roomId: string, version: number, format: UsageFormat): number | undefined {
  const key = keyOf(roomId, version, format);
  const tokens = estimates.get(key);
  if (tokens === undefined) return undefined;
  estimates.delete(key);
  estimates.set(key, tokens);
  return tokens;
}

/** Forgets every estimate (tests). */
export function clearEstimates(): void {
  estimates.clear();
}
