/**
 * Python's value semantics as Jinja2 templates see them: how values print (`str`), how they look inside
 * a list (`repr`), which are falsy, and how `json.dumps` writes them. JavaScript has one number type, so an
 * integral number is a Python int unless a filter made it a float ({@link PyFloat}: `round`, `float`, `/`).
 */

/** A float whose value is integral (3.0): prints as "3.0" where a plain integral number prints "3". */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return floatRepr(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** A number as Python float: integral results stay marked as floats. */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** Python's repr of a float: shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  const neg = mant.startsWith("-");
  const digits = mant.replace(/^-/, "").replace(".", "");
  let out: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  } else if (exp < 0) {
    out = `0.${"0".repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = `${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return neg ? `-${out}` : out;
}

function numberStr(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? String(n) : floatRepr(n);
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === Object.prototype || proto === null; // plain objects: JSON's, Struct's, a template's dict
}

/** Python `str(v)`: None, True, False, ints, floats, lists and dicts as Python prints them. */
export function pyStr(v: unknown): string {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  if (v instanceof String) return v.toString(); // nunjucks' SafeString
  return pyRepr(v);
}

/** Python `repr(v)`: strings quoted as Python quotes them, lists and dicts with their items' repr. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return numberStr(v);
  if (v instanceof PyFloat) return v.toString();
  if (typeof v === "string" || v instanceof String) return quote(String(v));
  if (isTuple(v)) return `(${v.map(pyRepr).join(", ")}${v.length === 1 ? "," : ""})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (typeof v === "function") return "<function>";
  if (isNamespace(v)) return `<Namespace ${pyRepr({ ...v })}>`;
  if (isMapping(v)) return `{${Object.entries(v).map(([k, x]) => `${quote(k)}: ${pyRepr(x)}`).join(", ")}}`;
  return jsString(v);
}

/**
 * JavaScript's own `String(v)`, where a value has no Python text (a Date, a Map, a symbol) or where these
 * functions, as nunjucks, take any argument as its string (`trim(chars)`, `split(sep)`): whatever it is.
 */
export function jsString(v: unknown): string {
  return String(v);
}

function quote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/[\\\n\r\t]/g, (c) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c]!)
    .replace(q === "'" ? /'/g : /"/g, `\\${q}`);
  return `${q}${body}${q}`;
}

/** Python `==`: booleans equal 1 and 0, ints equal floats, lists and dicts compare by their items. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const x = a instanceof PyFloat ? a.value : a, y = b instanceof PyFloat ? b.value : b;
  const numeric = (v: unknown) => typeof v === "number" || typeof v === "boolean";
  if (numeric(x) && numeric(y)) return Number(x) === Number(y);
  if (Array.isArray(x) && Array.isArray(y)) {
    return isTuple(x) === isTuple(y) && x.length === y.length && x.every((v, i) => pyEquals(v, y[i])); // (1,) != [1]
  }
  if (isMapping(x) && isMapping(y)) {
    const keys = Object.keys(x);
    return keys.length === Object.keys(y).length && keys.every((k) => k in y && pyEquals(x[k], y[k]));
  }
  return x === y;
}

/** Python truthiness: empty strings, lists and dicts and zero are false. */
export function pyTruthy(v: unknown): boolean {
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof String) return v.length > 0;
  if (isMapping(v) && !isNamespace(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

/** `Array.isArray` as a type guard that gives `unknown[]` (a template's list holds any values), not `any[]`. */
export function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

const TUPLE = Symbol("tuple");
/** A Python tuple: an array that prints as `(a, b)` and is the argument list of `"%s %s" % (a, b)`. */
export function makeTuple<T>(items: T[]): T[] {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}
export function isTuple(v: unknown): v is unknown[] {
  return Array.isArray(v) && TUPLE in v;
}

const NAMESPACE = Symbol("namespace");
/** Jinja2's `namespace(...)`: the one object a template may assign attributes to (`set ns.x = ...`). */
export function makeNamespace(init: Record<string, unknown>): Record<string, unknown> {
  const ns: Record<string | symbol, unknown> = { ...init };
  Object.defineProperty(ns, NAMESPACE, { value: true });
  return ns;
}
export function isNamespace(v: unknown): boolean {
  return typeof v === "object" && v !== null && NAMESPACE in v;
}

/**
 * `json.dumps(v, sort_keys=True, indent=indent)` as Jinja2's `tojson` calls it, then its HTML-safe
 * escapes of `<`, `>`, `&` and `'`; non-ASCII characters as \uXXXX (ensure_ascii).
 */
export function pyJsonDumps(v: unknown, indent?: number): string {
  const out = dumps(v, indent, "");
  return out.replace(/[<>&']/g, (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function dumps(v: unknown, indent: number | undefined, pad: string): string {
  if (v === null || v === undefined) return "null";
  if (v === true || v === false) return String(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (typeof v === "number") return Number.isFinite(v) ? numberStr(v) : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (typeof v === "string" || v instanceof String) return jsonString(String(v));
  const inner = indent === undefined ? "" : `${pad}${" ".repeat(indent)}`;
  const open = indent === undefined ? "" : `\n${inner}`;
  const close = indent === undefined ? "" : `\n${pad}`;
  const sep = indent === undefined ? ", " : `,\n${inner}`;
  if (Array.isArray(v)) {
    if (!v.length) return "[]";
    return `[${open}${v.map((x) => dumps(x, indent, inner)).join(sep)}${close}]`;
  }
  if (typeof v === "object") {
    const keys = Object.keys(v).sort();
    if (!keys.length) return "{}";
    const rec = v as Record<string, unknown>;
    return `{${open}${keys.map((k) => `${jsonString(k)}: ${dumps(rec[k], indent, inner)}`).join(sep)}${close}}`;
  }
  throw new Error(`Object of type ${typeof v} is not JSON serializable`);
}

const JSON_ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

/** A JSON string as json.dumps writes it (ensure_ascii): control and non-ASCII characters as \\uXXXX. */
function jsonString(s: string): string {
  let out = "";
  // By UTF-16 code unit: json.dumps escapes each half of a surrogate pair.
  for (let i = 0; i < s.length; i++) {
    const c = s[i], code = s.charCodeAt(i);
    out += JSON_ESCAPES[c] ?? (code < 0x20 || code >= 0x7f ? `\\u${code.toString(16).padStart(4, "0")}` : c);
  }
  return `"${out}"`;
}

/** Python's `round(x, ndigits)`: correctly rounded, ties to even; a float stays a float. */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e15) return x;
  const exact = Math.abs(x).toFixed(100);
  const [int, frac] = exact.split(".");
  const kept = ndigits >= 0 ? `${int}${frac.slice(0, ndigits)}` : int.slice(0, Math.max(0, int.length + ndigits)) || "0";
  const rest = ndigits >= 0 ? frac.slice(ndigits) : `${int.slice(int.length + ndigits)}${frac}`;
  let n = BigInt(kept);
  const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || n % 2n === 1n));
  if (up) n += 1n;
  const value = ndigits >= 0 ? Number(`${n}e-${ndigits}`) : Number(`${n}e${-ndigits}`);
  return x < 0 ? -value : value;
}

// Python's `s.splitlines()` line boundaries (\r\n counts as one), among them the file, group and record
// separators U+001C to U+001E.
const LINE_BREAKS = new Set(["\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]);

/** `s` cut at Python's line boundaries, as `split` with a separator: a trailing boundary leaves a last "". */
export function splitAtLineBreaks(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (!LINE_BREAKS.has(s[i])) continue;
    out.push(s.slice(start, i));
    if (s[i] === "\r" && s[i + 1] === "\n") i++;
    start = i + 1;
  }
  out.push(s.slice(start));
  return out;
}

/** Python's `printf`-style `fmt % args` for %s %r %d %i %f %x %o %e %% with flags, width and precision. */
export function percentFormat(fmt: string, args: unknown): string {
  const list = isTuple(args) ? args : [args]; // a list is one argument, as in Python
  const byName = isMapping(args) ? args : undefined;
  let i = 0;
  const out = fmt.replace(/%(?:\(([^)]*)\))?([-+ 0#]*)(\d+)?(?:\.(\d+))?([sradifxXoeEgG%])/g, (_m: string, name: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === "%") return "%";
    const v = name !== undefined ? byName?.[name] : list[i++];
    let s: string;
    const p = prec === undefined ? undefined : Number(prec);
    const num = Number(v instanceof PyFloat ? v.value : v);
    switch (conv) {
      case "s": s = pyStr(v === undefined ? null : v); if (p !== undefined) s = s.slice(0, p); break;
      case "r": s = pyRepr(v); break;
      case "d": case "i": s = String(Math.trunc(num)); break;
      case "f": s = num.toFixed(p ?? 6); break;
      case "e": case "E": s = num.toExponential(p ?? 6).replace(/e([+-])(\d)$/, "e$10$2"); if (conv === "E") s = s.toUpperCase(); break;
      case "x": s = Math.trunc(num).toString(16); break;
      case "X": s = Math.trunc(num).toString(16).toUpperCase(); break;
      case "o": s = Math.trunc(num).toString(8); break;
      default: s = floatRepr(num);
    }
    if (flags.includes("+") && "dif".includes(conv) && num >= 0) s = `+${s}`;
    const w = Number(width ?? 0);
    if (s.length < w) s = flags.includes("-") ? s.padEnd(w) : flags.includes("0") && conv !== "s" ? s.padStart(w, "0") : s.padStart(w);
    return s;
  });
  // As CPython: a left-over argument is an error unless it is a list or dict (which could have been a mapping).
  const mappingLike = !isTuple(args) && (Array.isArray(args) || isMapping(args));
  if (i < list.length && !mappingLike) throw new Error("not all arguments converted during string formatting");
  return out;
}
