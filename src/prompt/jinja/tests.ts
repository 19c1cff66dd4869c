import { type Ctx, kwargs, list, numeric } from "./filters.js";
import { PyFloat, isMapping, makeNamespace, pyEquals, pyStr } from "./python.js";

/** Jinja2 3.1's tests and the globals nunjucks lacks (`namespace`, `dict`), by Jinja2's names. */

type Test = (this: Ctx, v: unknown, ...args: unknown[]) => boolean;
const num = (v: unknown) => (typeof v === "string" ? v : numeric(v, "a comparison")) as number; // strings compare as strings
const isNumber = (v: unknown) => (typeof v === "number" || v instanceof PyFloat);
export const TESTS: Record<string, Test> = {
  none: (v) => v === null,
  boolean: (v) => typeof v === "boolean",
  true: (v) => v === true,
  false: (v) => v === false,
  integer: (v) => typeof v === "number" && Number.isInteger(v), // Jinja2 leaves True and False out
  float: (v) => v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v)),
  number: (v) => isNumber(v) || typeof v === "boolean", // a Python bool is an int
  string: (v) => typeof v === "string" || v instanceof String,
  mapping: (v) => isMapping(v),
  sequence: (v) => typeof v === "string" || v instanceof String || Array.isArray(v) || isMapping(v),
  iterable: (v) => typeof v === "string" || v instanceof String || Array.isArray(v) || isMapping(v),
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  in: (v, seq) => (typeof seq === "string" ? seq.includes(pyStr(v)) : isMapping(seq) ? String(v) in seq : list(seq).some((x) => pyEquals(x, v))),
  divisibleby: (v, n) => numeric(v, "%") % numeric(n, "%") === 0,
  even: (v) => numeric(v, "%") % 2 === 0,
  odd: (v) => Math.abs(numeric(v, "%") % 2) === 1,
  eq: (a, b) => pyEquals(a, b),
  ne: (a, b) => !pyEquals(a, b),
  lt: (a, b) => num(a) < num(b),
  le: (a, b) => num(a) <= num(b),
  gt: (a, b) => num(a) > num(b),
  ge: (a, b) => num(a) >= num(b),
  // str(value).islower() / .isupper(): some cased character, and none of the other case.
  lower: (v) => /[\p{Lu}\p{Ll}\p{Lt}]/u.test(pyStr(v)) && !/[\p{Lu}\p{Lt}]/u.test(pyStr(v)),
  upper: (v) => /[\p{Lu}\p{Ll}\p{Lt}]/u.test(pyStr(v)) && !/[\p{Ll}\p{Lt}]/u.test(pyStr(v)),
  filter: function (v) { try { return Boolean(this.env.getFilter(String(v))); } catch { return false; } },
  test: function (v) { try { return Boolean(this.env.getTest(String(v))); } catch { return false; } },
};
for (const [alias, name] of [["equalto", "eq"], ["==", "eq"], ["!=", "ne"], ["<", "lt"], ["<=", "le"], [">", "gt"], [">=", "ge"], ["lessthan", "lt"], ["greaterthan", "gt"]]) {
  TESTS[alias] = TESTS[name];
}

export const GLOBALS: Record<string, (...args: unknown[]) => unknown> = {
  namespace: (...args) => makeNamespace({ ...(args.length > 1 || !(args[0] as { __keywords?: boolean })?.__keywords ? (args[0] as object) : {}), ...kwargs(args) }),
  dict: (...args) => kwargs(args),
};
