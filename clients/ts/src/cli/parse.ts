/** Option parsers shared by the commands: commander reports what they refuse as a usage error. */
import { InvalidArgumentError } from "commander";

/** A whole number >= 0 (versions, counts, token budgets). */
export function count(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError("not a whole number");
  return Number(value);
}

/** One of `choices` (case-insensitive), as the key of `choices`. */
export function choice<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    const found = choices.find((c) => c === value.toLowerCase());
    if (!found) throw new InvalidArgumentError(`one of ${choices.join(", ")}`);
    return found;
  };
}

/** Repeated option values collected in order (`--room a --room b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A JSON object given on the command line. */
export function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError("not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError("not a JSON object");
  return parsed as Record<string, unknown>;
}
