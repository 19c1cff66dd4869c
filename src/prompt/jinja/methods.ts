import { isMapping, jsString, makeTuple, percentFormat, pyStr, splitAtLineBreaks } from "./python.js";

/**
 * The Python methods templates call on strings, lists and dicts (`name.upper()`, `text.split(",")`,
 * `d.items()`), looked up before JavaScript's own members of the same name, which behave differently
 * (JavaScript's `replace` replaces the first match only, its `split()` without a separator does not split).
 */

type Method = (this: never, ...args: never[]) => unknown;

const WS = " \t\n\r\v\f\x1c\x1d\x1e\x85\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
const escapeClass = (chars: string) => chars.replace(/[\]\\^-]/g, "\\$&");

function strip(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? WS : escapeClass(jsString(chars));
  if (!set) return s;
  let out = s;
  if (left) out = out.replace(new RegExp(`^[${set}]+`, "u"), "");
  if (right) out = out.replace(new RegExp(`[${set}]+$`, "u"), "");
  return out;
}

function split(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : Number(maxsplit);
  if (sep === undefined || sep === null) {
    const words: string[] = [];
    let rest = s.replace(new RegExp(`^[${WS}]+`, "u"), "");
    while (rest) {
      if (max >= 0 && words.length === max) {
        words.push(rest);
        break;
      }
      const m = new RegExp(`[${WS}]+`, "u").exec(rest);
      if (!m) {
        words.push(rest);
        break;
      }
      words.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return words;
  }
  const parts = s.split(jsString(sep));
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(jsString(sep))];
}

// Where Unicode's titlecase differs from its uppercase (Python's title() and capitalize() use titlecase).
const TITLECASE: Record<string, string> = {
  "ß": "Ss", "ǆ": "ǅ", "Ǆ": "ǅ", "ǉ": "ǈ", "Ǉ": "ǈ", "ǌ": "ǋ", "Ǌ": "ǋ", "ǳ": "ǲ", "Ǳ": "ǲ",
  "ﬀ": "Ff", "ﬁ": "Fi", "ﬂ": "Fl", "ﬃ": "Ffi", "ﬄ": "Ffl", "ﬅ": "St", "ﬆ": "St",
};

/** Python's titlecase of one character. */
export function titlecase(c: string): string {
  return TITLECASE[c] ?? c.toUpperCase();
}

/** Python `str.title()`: a cased letter after an uncased character is title-cased, the others lower-cased. */
export function pyTitle(s: string): string {
  return s.replace(/[\p{Lu}\p{Ll}\p{Lt}]+/gu, (w) => {
    const [first, ...rest] = Array.from(w);
    return titlecase(first) + rest.join("").toLowerCase();
  });
}

/** Python `str.capitalize()`: the first character title-cased, the rest lower-cased. */
export function pyCapitalize(s: string): string {
  const [first, ...rest] = Array.from(s);
  return first === undefined ? s : titlecase(first) + rest.join("").toLowerCase();
}

/** Python `str.format` for `{}`, `{0}`, `{name}` and `{{`/`}}`; a format spec (`{:>8}`) is refused. */
function format(s: string, ...args: unknown[]): string {
  const last = args[args.length - 1];
  const kwargs = isMapping(last) && (last as { __keywords?: boolean }).__keywords ? (args.pop() as Record<string, unknown>) : {};
  let auto = 0;
  return s.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, field: string | undefined) => {
    if (m === "{{") return "{";
    if (m === "}}") return "}";
    if (field!.includes(":") || field!.includes("!")) throw new Error(`str.format spec "{${field}}" is not supported`);
    const key = field === "" ? auto++ : field!;
    const v = typeof key === "number" || /^\d+$/.test(key) ? args[Number(key)] : kwargs[key];
    return pyStr(v === undefined ? null : v);
  });
}

const STRING: Record<string, (s: string, ...a: unknown[]) => unknown> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  title: (s) => pyTitle(s),
  capitalize: (s) => pyCapitalize(s),
  strip: (s, c) => strip(s, c, true, true),
  lstrip: (s, c) => strip(s, c, true, false),
  rstrip: (s, c) => strip(s, c, false, true),
  split: (s, sep, max) => split(s, sep, max),
  splitlines: (s) => splitAtLineBreaks(s).filter((l, i, all) => i < all.length - 1 || l !== ""),
  startswith: (s, p) => (Array.isArray(p) ? p : [p]).some((x) => s.startsWith(String(x))),
  endswith: (s, p) => (Array.isArray(p) ? p : [p]).some((x) => s.endsWith(String(x))),
  replace: (s, a, b, count) => {
    const parts = s.split(String(a));
    const n = count === undefined || Number(count) < 0 ? parts.length : Number(count) + 1;
    return [parts.slice(0, n).join(String(b)), ...parts.slice(n)].join(String(a));
  },
  join: (s, items) => (items as unknown[]).map(pyStr).join(s),
  count: (s, sub) => s.split(String(sub)).length - 1,
  find: (s, sub) => s.indexOf(String(sub)),
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  isupper: (s) => /\p{Lu}/u.test(s) && !/\p{Ll}/u.test(s),
  islower: (s) => /\p{Ll}/u.test(s) && !/\p{Lu}/u.test(s),
  zfill: (s, w) => {
    const sign = /^[-+]/.test(s) ? s[0] : "";
    return sign + "0".repeat(Math.max(0, Number(w) - Array.from(s).length)) + s.slice(sign.length);
  },
  ljust: (s, w, f) => s + (f === undefined ? " " : jsString(f)).repeat(Math.max(0, Number(w) - Array.from(s).length)),
  rjust: (s, w, f) => (f === undefined ? " " : jsString(f)).repeat(Math.max(0, Number(w) - Array.from(s).length)) + s,
  format: (s, ...a) => format(s, ...a),
};

const DICT: Record<string, (d: Record<string, unknown>, ...a: unknown[]) => unknown> = {
  items: (d) => Object.entries(d).map(makeTuple),
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  get: (d, k, def) => (Object.prototype.hasOwnProperty.call(d, String(k)) ? d[String(k)] : def === undefined ? null : def),
};

/** The Python method `name` of `obj`, bound, or undefined when Python has none of that name. */
export function pythonMethod(obj: unknown, name: unknown): Method | undefined {
  if (typeof name !== "string") return undefined;
  if ((typeof obj === "string" || obj instanceof String) && Object.prototype.hasOwnProperty.call(STRING, name)) {
    const s = String(obj);
    return (...a: unknown[]) => STRING[name](s, ...a);
  }
  if (isMapping(obj) && Object.prototype.hasOwnProperty.call(DICT, name) && !Object.prototype.hasOwnProperty.call(obj, name)) {
    return (...a: unknown[]) => DICT[name](obj, ...a);
  }
  return undefined;
}

/** `"%s items" % n` on a string; anything else is arithmetic modulo. */
export function pyMod(a: unknown, b: unknown): unknown {
  if (typeof a === "string" || a instanceof String) return percentFormat(String(a), b);
  const x = Number(a), y = Number(b);
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r; // Python's modulo takes the divisor's sign
}
