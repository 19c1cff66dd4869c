import nunjucks from "nunjucks";
import { pyCapitalize } from "./methods.js";
import {
  PyFloat, isMapping, makeTuple, percentFormat, pyFloat, pyJsonDumps, pyRepr, pyRound, pyStr, pyTruthy, jsString, splitAtLineBreaks,
} from "./python.js";

/**
 * Jinja2 3.1's filters (tests and globals: ./tests.ts) where nunjucks lacks them or differs: each keeps Jinja2's
 * argument names, so keyword arguments (`indent(2, first=true)`, `map(attribute="name")`) work.
 */

type Env = { getFilter(n: string): unknown; getTest(n: string): unknown };
export type Ctx = { env: Env };
type Filter = (this: Ctx, value: unknown, ...args: unknown[]) => unknown;

/** Positional arguments, then keyword arguments by Jinja2's names, with Jinja2's defaults. */
function bind(args: unknown[], names: string[], defaults: unknown[]): unknown[] {
  const last = args[args.length - 1];
  const kw = isMapping(last) && (last as { __keywords?: boolean }).__keywords ? (args.pop() as Record<string, unknown>) : {};
  return names.map((n, i) => (n in kw ? kw[n] : i < args.length ? args[i] : defaults[i]));
}

export function kwargs(args: unknown[]): Record<string, unknown> {
  const last = args[args.length - 1];
  if (!(isMapping(last) && (last as { __keywords?: boolean }).__keywords)) return {};
  args.pop();
  const { __keywords: _k, ...rest } = last;
  return rest;
}

/** Jinja2's attribute path: "user.name", "items.0". */
function attrGetter(attribute: unknown, fallback?: unknown): (x: unknown) => unknown {
  const parts = String(attribute).split(".");
  return (x) => {
    let v: unknown = x;
    for (const p of parts) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[/^\d+$/.test(p) && Array.isArray(v) ? Number(p) : p];
    return v === undefined ? fallback : v;
  };
}

const chars = (s: unknown): string[] => Array.from(pyStr(s));
const typeName = (v: unknown) => (v === null ? "NoneType" : typeof v === "boolean" ? "bool" : typeof v === "string" ? "str" :
  Array.isArray(v) ? "list" : isMapping(v) ? "dict" : typeof v === "number" || v instanceof PyFloat ? "number" : typeof v);
/** A number (a bool counts as one, as in Python), or the TypeError Python would raise. */
export function numeric(v: unknown, what: string): number {
  if (typeof v === "number" || typeof v === "boolean") return Number(v);
  if (v instanceof PyFloat) return v.value;
  throw new Error(`bad operand type for ${what}: '${typeName(v)}'`);
}
function mapping(v: unknown, what: string): Record<string, unknown> {
  if (!isMapping(v)) throw new Error(`${what} needs a mapping, not '${typeName(v)}'`);
  return v;
}
export const list = (v: unknown): unknown[] => {
  if (v === undefined) return [];
  if (v === null || typeof v === "number" || typeof v === "boolean" || v instanceof PyFloat) {
    throw new Error(`'${v === null ? "NoneType" : typeof v === "boolean" ? "bool" : "number"}' object is not iterable`);
  }
  if (v instanceof String) return Array.from(String(v));
  if (typeof v === "string") return Array.from(v);
  if (Array.isArray(v)) return v;
  if (isMapping(v)) return Object.keys(v);
  return Array.from(v as Iterable<unknown>);
};
const strKey = (caseSensitive: unknown) => (v: unknown) => (typeof v === "string" && !caseSensitive ? v.toLowerCase() : v);
function compare(a: unknown, b: unknown): number {
  const x = a instanceof PyFloat ? a.value : a, y = b instanceof PyFloat ? b.value : b;
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
}
const safe = (s: string) => (nunjucks.runtime as unknown as { markSafe(s: string): unknown }).markSafe(s);

function truncate(s: unknown, ...args: unknown[]): unknown {
  const [length, killwords, end, leeway] = bind(args, ["length", "killwords", "end", "leeway"], [255, false, "...", 5]);
  if (typeof s !== "string" && !(s instanceof String)) {
    // Jinja2 measures any value with len(); a short list or dict comes back as it is.
    if ((Array.isArray(s) || isMapping(s)) && length_(s) <= Number(length) + Number(leeway ?? 5)) return s;
    throw new Error(`object of type '${typeName(s)}' has no len()`);
  }
  const text = chars(s), n = Number(length), tail = String(end);
  if (text.length <= n + Number(leeway ?? 5)) return text.join("");
  if (pyTruthy(killwords)) return text.slice(0, n - tail.length).join("") + tail;
  const head = text.slice(0, n - tail.length).join("");
  const cut = head.lastIndexOf(" ");
  return (cut < 0 ? head : head.slice(0, cut)) + tail;
}

function indent(s: unknown, ...args: unknown[]): string {
  const [width, first, blank] = bind(args, ["width", "first", "blank"], [4, false, false]);
  if (typeof s !== "string" && !(s instanceof String)) throw new Error(`indent needs a string, not '${typeName(s)}'`);
  const pad = typeof width === "string" ? width : " ".repeat(Number(width));
  const lines = splitAtLineBreaks(String(s) + "\n");
  lines.pop(); // Python's splitlines drops the piece after the final line break
  let out: string;
  if (pyTruthy(blank)) out = lines.join("\n" + pad);
  else out = [lines[0], ...lines.slice(1).map((l) => (l ? pad + l : l))].join("\n");
  return pyTruthy(first) ? pad + out : out;
}

function round(v: unknown, ...args: unknown[]): unknown {
  const [precision, method] = bind(args, ["precision", "method"], [0, "common"]);
  const x = numeric(v, "round()"), p = Number(precision);
  if (method === "common") return Number.isInteger(x) && !(v instanceof PyFloat) ? x : pyFloat(pyRound(x, p));
  if (method !== "ceil" && method !== "floor") throw new Error("method must be common, ceil or floor");
  return pyFloat(Math[method](x * 10 ** p) / 10 ** p);
}

function mapFilter(this: Ctx, seq: unknown, ...args: unknown[]): unknown[] {
  const kw = kwargs(args);
  if (!pyTruthy(seq)) return []; // Jinja2 maps nothing over a false value (0, None, "")
  if ("attribute" in kw) return list(seq).map(attrGetter(kw.attribute, kw.default));
  const [name, ...rest] = args;
  const f = this.env.getFilter(String(name)) as Filter;
  const extra = Object.keys(kw).length ? [...rest, { ...kw, __keywords: true }] : rest;
  return list(seq).map((x) => f.call(this, x, ...extra));
}

function selectWith(keep: boolean, byAttr: boolean): Filter {
  return function (this: Ctx, seq, ...args) {
    if (!pyTruthy(seq)) return []; // as Jinja2: nothing to select from a false value
    const get = byAttr ? attrGetter(args.shift()) : (x: unknown) => x;
    const [name, ...rest] = args;
    const test = name === undefined ? pyTruthy : (x: unknown) => (this.env.getTest(jsString(name)) as (...a: unknown[]) => unknown).call(this, x, ...rest) === true;
    return list(seq).filter((x) => test(get(x)) === keep);
  };
}

function sortFilter(v: unknown, ...args: unknown[]): unknown[] {
  const [reverse, caseSensitive, attribute] = bind(args, ["reverse", "case_sensitive", "attribute"], [false, false, null]);
  const get = attribute === null || attribute === undefined ? (x: unknown) => x : attrGetter(attribute);
  const key = strKey(caseSensitive);
  const out = [...list(v)].sort((a, b) => compare(key(get(a)), key(get(b))));
  return pyTruthy(reverse) ? out.reverse() : out;
}

function minMax(sign: number): Filter {
  return (v, ...args) => {
    const [caseSensitive, attribute] = bind(args, ["case_sensitive", "attribute"], [false, null]);
    const get = attribute === null || attribute === undefined ? (x: unknown) => x : attrGetter(attribute);
    const key = strKey(caseSensitive);
    return list(v).reduce<unknown>((best, x) => (best === undefined || compare(key(get(x)), key(get(best))) * sign > 0 ? x : best), undefined);
  };
}

function groupby(v: unknown, ...args: unknown[]): unknown[] {
  const [attribute, dflt, caseSensitive] = bind(args, ["attribute", "default", "case_sensitive"], [null, null, false]);
  const get = attrGetter(attribute, dflt ?? undefined), key = strKey(caseSensitive);
  const groups: [unknown, unknown[]][] = [];
  for (const x of sortFilter(v, false, caseSensitive, attribute)) {
    const g = groups[groups.length - 1];
    if (g && key(g[0]) === key(get(x))) g[1].push(x);
    else groups.push([get(x), [x]]);
  }
  return groups.map(([grouper, items]) => Object.assign([grouper, items], { grouper, list: items }));
}

function dictsort(v: unknown, ...args: unknown[]): unknown[] {
  const [caseSensitive, by, reverse] = bind(args, ["case_sensitive", "by", "reverse"], [false, "key", false]);
  const i = by === "value" ? 1 : 0, key = strKey(caseSensitive);
  const out = Object.entries(mapping(v, "dictsort")).map(makeTuple).sort((a, b) => compare(key(a[i]), key(b[i])));
  return pyTruthy(reverse) ? out.reverse() : out;
}

function length_(v: unknown): number {
  if (typeof v === "string" || v instanceof String) return Array.from(String(v)).length;
  if (isMapping(v)) return Object.keys(v).length;
  return list(v).length;
}

function sum(v: unknown, ...args: unknown[]): unknown {
  const [attribute, start] = bind(args, ["attribute", "start"], [null, 0]);
  const get = attribute === null || attribute === undefined ? (x: unknown) => x : attrGetter(attribute);
  let float = start instanceof PyFloat;
  const total = list(v).reduce<number>((acc, x) => {
    const n = get(x);
    if (n instanceof PyFloat || !Number.isInteger(n)) float = true;
    return acc + numeric(n, "+");
  }, numeric(start, "+"));
  return float ? pyFloat(total) : total;
}

/** markupsafe's escape: & < > ' " (Jinja2 writes the quotes as &#39; and &#34;). */
function markupEscape(s: string): string {
  return s.replace(/[&<>'"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;" })[c]!);
}
const SafeString = (nunjucks.runtime as unknown as { SafeString: new (s: string) => object }).SafeString;
/** `escape`: already-safe text (tojson, safe) stays as it is. */
const escapeHtml = (v: unknown) => (v instanceof SafeString ? v : safe(markupEscape(pyStr(v))));

export const FILTERS: Record<string, Filter> = {
  tojson: (v, ...args) => safe(pyJsonDumps(v, bind(args, ["indent"], [undefined])[0] as number | undefined)),
  count: length_,
  length: length_,
  truncate,
  indent,
  round,
  map: mapFilter,
  select: selectWith(true, false),
  reject: selectWith(false, false),
  selectattr: selectWith(true, true),
  rejectattr: selectWith(false, true),
  sort: sortFilter,
  min: minMax(-1),
  max: minMax(1),
  unique: (v, ...args) => {
    const [caseSensitive, attribute] = bind(args, ["case_sensitive", "attribute"], [false, null]);
    const get = attribute === null || attribute === undefined ? (x: unknown) => x : attrGetter(attribute);
    const seen = new Set<unknown>(), key = strKey(caseSensitive);
    return list(v).filter((x) => !seen.has(key(get(x))) && Boolean(seen.add(key(get(x)))));
  },
  groupby,
  dictsort,
  items: (v) => (v === undefined ? [] : Object.entries(mapping(v, "items")).map(makeTuple)),
  sum,
  join: (v, ...args) => {
    const [d, attribute] = bind(args, ["d", "attribute"], ["", null]);
    const get = attribute === null || attribute === undefined ? (x: unknown) => x : attrGetter(attribute);
    return list(v).map((x) => pyStr(get(x))).join(pyStr(d));
  },
  default: (v, ...args) => {
    const [dflt, boolean] = bind(args, ["default_value", "boolean"], ["", false]);
    return v === undefined || (pyTruthy(boolean) && !pyTruthy(v)) ? dflt : v;
  },
  first: (v) => list(v)[0],
  last: (v) => { const l = list(v); return l[l.length - 1]; },
  list: (v) => [...list(v)], // a new list, never the tuple or list it was given
  string: (v) => pyStr(v),
  int: (v, ...args) => {
    const [dflt] = bind(args, ["default"], [0]);
    const n = typeof v === "string" ? Number(v.trim()) : Number(v instanceof PyFloat ? v.value : v);
    return Number.isFinite(n) && !(typeof v === "string" && v.trim() === "") ? Math.trunc(n) : dflt;
  },
  float: (v, ...args) => {
    const [dflt] = bind(args, ["default"], [new PyFloat(0)]);
    const n = Number(v instanceof PyFloat ? v.value : v);
    return Number.isNaN(n) || v === null || (typeof v === "string" && v.trim() === "") ? dflt : pyFloat(n);
  },
  upper: (v) => pyStr(v).toUpperCase(),
  lower: (v) => pyStr(v).toLowerCase(),
  capitalize: (v) => pyCapitalize(pyStr(v)),
  // Jinja2's own title: each piece between dashes, spaces and opening brackets gets its first character
  // upper-cased and the rest lower-cased (str.title() differs after digits and punctuation).
  title: (v) => pyStr(v).split(/([-\s({[<]+)/u).map((w) => {
    const [first, ...rest] = Array.from(w);
    return first === undefined ? w : first.toUpperCase() + rest.join("").toLowerCase();
  }).join(""),
  trim: (v, chars) => {
    const s = pyStr(v);
    if (chars === undefined || chars === null) return s.replace(/^\s+|\s+$/gu, "");
    const set = jsString(chars).replace(/[\]\\^-]/g, "\\$&");
    return s.replace(new RegExp(`^[${set}]+|[${set}]+$`, "gu"), "");
  },
  replace: (v, old, repl, count) => {
    const s = pyStr(v), parts = s.split(pyStr(old));
    const n = count === undefined || count === null ? parts.length : Number(count) + 1;
    return [parts.slice(0, n).join(pyStr(repl)), ...parts.slice(n)].join(pyStr(old));
  },
  center: (v, width = 80) => {
    const s = pyStr(v), w = Number(width), pad = w - Array.from(s).length;
    if (pad <= 0) return s;
    const left = Math.floor(pad / 2) + (pad & w & 1); // CPython's str.center
    return " ".repeat(left) + s + " ".repeat(pad - left);
  },
  wordcount: (v) => (pyStr(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length, // Python's Unicode \w
  format: (v, ...args) => {
    const kw = kwargs(args);
    return percentFormat(pyStr(v), Object.keys(kw).length ? kw : makeTuple(args));
  },
  attr: (v, name) => (v === null || v === undefined ? undefined : (v as Record<string, unknown>)[String(name)]),
  reverse: (v) => (typeof v === "string" ? Array.from(v).reverse().join("") : [...list(v)].reverse()),
  pprint: (v) => pyRepr(v),
  escape: (v) => escapeHtml(v),
  e: (v) => escapeHtml(v),
  forceescape: (v) => safe(markupEscape(pyStr(v))),
  batch: (v, ...args) => {
    const [size, fill] = bind(args, ["linecount", "fill_with"], [1, null]);
    const items = list(v), n = Number(size), out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const last = out[out.length - 1];
    if (last && fill !== null && fill !== undefined) while (last.length < n) last.push(fill);
    return out;
  },
  slice: (v, ...args) => {
    const [slices, fill] = bind(args, ["slices", "fill_with"], [1, null]);
    const items = list(v), n = Number(slices), per = Math.floor(items.length / n), extra = items.length % n;
    const out: unknown[][] = [];
    for (let i = 0, offset = 0; i < n; i++) {
      const start = offset + i * per;
      if (i < extra) offset++;
      const part = items.slice(start, offset + (i + 1) * per);
      if (fill !== null && fill !== undefined && i >= extra) part.push(fill);
      out.push(part);
    }
    return out;
  },
  abs: (v) => (v instanceof PyFloat ? new PyFloat(Math.abs(v.value)) : Math.abs(numeric(v, "abs()"))),
};
FILTERS.d = FILTERS.default;
