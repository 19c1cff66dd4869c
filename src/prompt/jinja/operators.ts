import { PyFloat, isTuple, pyEquals, pyFloat } from "./python.js";

// Python's arithmetic and comparisons, as the compiled templates call them (./compat.ts).

const unwrap = (v: unknown) => (v instanceof PyFloat ? v.value : v);

/** Python's float floor division (Objects/floatobject.c): exact where floor(x / y) rounds or underflows. */
export function floorDiv(x: number, y: number): number {
  if (y === 0) throw new Error("integer division or modulo by zero");
  const mod = x % y;
  let div = (x - mod) / y;
  if (mod && (y < 0) !== (mod < 0)) div -= 1; // (CPython also moves mod by y, which is not read again)
  if (!div) return Object.is(x / y, -0) || x / y < 0 ? -0 : 0;
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}

/** One Python comparison; ordering a string against a non-string is an error, as in Python. */
export function compare(a: unknown, op: string, b: unknown): boolean {
  const x = unwrap(a), y = unwrap(b);
  if (Array.isArray(x) && Array.isArray(y) && op !== "==" && op !== "!=" && isTuple(x) === isTuple(y)) return compareSequences(x, op, y);
  const numberLike = (v: unknown) => typeof v === "number" || typeof v === "boolean";
  if (op !== "==" && op !== "!=" && !(typeof x === "string" && typeof y === "string") && !(numberLike(x) && numberLike(y))) {
    throw new Error(`'${op}' not supported between ${kind(a)} and ${kind(b)}`);
  }
  switch (op) {
    case "==": return pyEquals(x, y);
    case "!=": return !pyEquals(x, y);
    case "<": return (x as number) < (y as number);
    case ">": return (x as number) > (y as number);
    case "<=": return (x as number) <= (y as number);
    default: return (x as number) >= (y as number);
  }
}

/** Python orders lists item by item, then by length. */
function compareSequences(x: unknown[], op: string, y: unknown[]): boolean {
  const i = x.findIndex((v, k) => k >= y.length || !pyEquals(v, y[k]));
  if (i >= 0 && i < y.length) return compare(x[i], op, y[i]);
  const [a, b] = [x.length, y.length];
  return op === "<" ? a < b : op === ">" ? a > b : op === "<=" ? a <= b : a >= b;
}

export function kind(v: unknown): string {
  return v === null ? "NoneType" : Array.isArray(v) ? "list" : typeof v === "string" ? "str" : v instanceof PyFloat || typeof v === "number" ? "number" : typeof v === "object" ? "dict" : typeof v;
}

/** Numbers (or booleans) in, a number out that stays a float when either side was one. */
export function arith(a: unknown, b: unknown, op: (x: number, y: number) => number, other?: () => unknown): unknown {
  const isNum = (v: unknown) => typeof v === "number" || typeof v === "boolean" || v instanceof PyFloat;
  if (!isNum(a) || !isNum(b)) {
    if (other) return other();
    throw new Error(`unsupported operand types: ${kind(a)} and ${kind(b)}`);
  }
  const r = op(Number(unwrap(a)), Number(unwrap(b)));
  const isFloat = (v: unknown) => v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v));
  return isFloat(a) || isFloat(b) ? pyFloat(r) : r;
}
