import nunjucks from "nunjucks";
import { pyMod, pythonMethod } from "./methods.js";
import { PyFloat, isList, isMapping, isNamespace, isTuple, makeTuple, pyEquals, pyFloat, pyStr, pyTruthy } from "./python.js";
import { compileMethods, nj, type Node } from "./internals.js";
import { arith, compare, floorDiv, kind } from "./operators.js";
import { patchLexer, patchParser } from "./syntax.js";

/**
 * Makes nunjucks evaluate templates as Jinja2 does: nunjucks' own Jinja compatibility mode (True/False/None,
 * slices, Python list and dict methods), then what it lacks: Python's printing (`None`, `True`, `3.0`),
 * truthiness (an empty list is false), negative indexes, string methods, `+`/`*` on strings and lists,
 * `/` giving floats, `%` formatting, `set ns.attr = ...` on a namespace, filtered loops; ./syntax.ts adds
 * what the parser and lexer read differently. These patch nunjucks' runtime, compiler and parser, which are
 * process-wide: once installed, every nunjucks environment in the process behaves like this (this service
 * has only the one).
 */

let installed = false;

/** Installs the Jinja2 behaviour once per process. */
export function installJinja2Semantics(): void {
  if (installed) return;
  installed = true;
  nj.installJinjaCompat();
  patchRuntime();
  patchCompiler();
  patchParser();
  patchLexer();
}

const unwrap = (v: unknown) => (v instanceof PyFloat ? v.value : v);

function sliceString(s: string, start: number | null, stop: number | null, step: number): string {
  const c = Array.from(s), n = c.length;
  const norm = (i: number | null, dflt: number) => (i === null ? dflt : i < 0 ? Math.max(i + n, step < 0 ? -1 : 0) : Math.min(i, step < 0 ? n - 1 : n));
  const out: string[] = [];
  const from = norm(start, step < 0 ? n - 1 : 0), to = norm(stop, step < 0 ? -1 : n);
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(c[i]);
  return out.join("");
}

function patchRuntime(): void {
  const rt = nj.runtime;
  const compatLookup = rt.memberLookup;
  rt.memberLookup = function memberLookup(obj: unknown, key: unknown, ...rest: unknown[]) {
    if (rest.length === 2 && typeof obj === "string") return sliceString(obj, key as number | null, rest[0] as number | null, rest[1] as number);
    if (rest.length !== 2) {
      const method = pythonMethod(obj, key);
      if (method) return method;
      const k = unwrap(key);
      if (typeof k === "number" && k < 0 && (isList(obj) || typeof obj === "string")) {
        return isList(obj) ? obj[obj.length + k] : Array.from(obj).at(k);
      }
      // Jinja2's default Undefined: printing it gives "", looking into it is an error. None.x is undefined.
      if (obj === undefined) throw new Error(`cannot read "${String(k)}" of an undefined value (a variable or attribute that does not exist)`);
      if (obj === null) return undefined;
    }
    return compatLookup.call(this, obj, key, ...rest);
  };
  // Line and column counted from 1, as the parser's errors are (nunjucks gave run-time errors from 0, and
  // none on the first line).
  rt.handleError = (error: { lineno?: number }, lineno: number, colno: number) =>
    error.lineno ? error : new nj.lib.TemplateError(error, lineno + 1, colno + 1);
  rt.suppressValue = (val: unknown, autoescape: boolean) => {
    if (val instanceof nunjucks.runtime.SafeString) return val;
    const s = pyStr(val);
    return autoescape ? nj.lib.escape(s) : s;
  };
  rt.inOperator = (key: unknown, seq: unknown) => {
    if (typeof seq === "string" || seq instanceof String) {
      if (typeof key !== "string" && !(key instanceof String)) throw new Error(`'in <string>' requires a string on its left, not ${kind(key)}`);
      return String(seq).includes(String(key));
    }
    if (Array.isArray(seq)) return seq.some((v) => pyEquals(v, key));
    if (isMapping(seq)) return typeof key === "string" && Object.prototype.hasOwnProperty.call(seq, key);
    if (seq === undefined) return false; // Jinja2's Undefined iterates as empty
    throw new Error(`argument of type '${kind(seq)}' is not iterable`);
  };
  Object.assign(rt, {
    PyFloat,
    pyTuple: makeTuple,
    pyTruthy,
    pyOr: (a: unknown, b: () => unknown) => (pyTruthy(a) ? a : b()),
    pyAnd: (a: unknown, b: () => unknown) => (pyTruthy(a) ? b() : a),
    pyNot: (a: unknown) => !pyTruthy(a),
    pyConcat: (a: unknown, b: unknown) => pyStr(a) + pyStr(b),
    pyAdd: (a: unknown, b: unknown) => arith(a, b, (x, y) => x + y, () => {
      if (isList(a) && isList(b) && isTuple(a) === isTuple(b)) return isTuple(a) ? makeTuple([...a, ...b]) : [...a, ...b];
      const isStr = (v: unknown) => typeof v === "string" || v instanceof String;
      if (isStr(a) && isStr(b)) {
        // Markup (tojson, safe, escape) + str escapes the str, as markupsafe does.
        const Safe = nunjucks.runtime.SafeString as unknown as new (s: string) => string;
        if ((a instanceof Safe) === (b instanceof Safe)) return String(a) + String(b);
        const esc = (v: unknown) => (v instanceof Safe ? String(v) : String(v).replace(/[&<>'"]/g, (c) => `&#${c.charCodeAt(0)};`)
          .replace(/&#38;/g, "&amp;").replace(/&#60;/g, "&lt;").replace(/&#62;/g, "&gt;"));
        return new Safe(esc(a) + esc(b));
      }
      throw new Error(`unsupported operand types for +: ${kind(a)} and ${kind(b)}`);
    }),
    pySub: (a: unknown, b: unknown) => arith(a, b, (x, y) => x - y),
    pyMul: (a: unknown, b: unknown) => arith(a, b, (x, y) => x * y, () => {
      const isInt = (v: unknown) => typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v));
      const [seq, count] = isInt(b) ? [a, b] : [b, a];
      const n = Number(count);
      if ((typeof seq === "string" || seq instanceof String) && isInt(count)) return String(seq).repeat(Math.max(0, n));
      if (isList(seq) && isInt(count)) {
        const out = Array.from({ length: Math.max(0, n) }, () => seq).flat();
        return isTuple(seq) ? makeTuple(out) : out;
      }
      throw new Error(`unsupported operand types for *: ${kind(a)} and ${kind(b)}`);
    }),
    pyDiv: (a: unknown, b: unknown) => pyFloat(Number(arith(a, b, (x, y) => {
      if (y === 0) throw new Error("division by zero");
      return x / y;
    }))),
    pyFloorDiv: (a: unknown, b: unknown) => arith(a, b, floorDiv),
    pyMod: (a: unknown, b: unknown) => (typeof a === "string" || a instanceof String ? pyMod(String(a), b) : arith(a, b, (x, y) => {
      if (y === 0) throw new Error("integer modulo by zero");
      return pyMod(x, y) as number;
    })),
    pyIter: (seq: unknown, names: number) => {
      if (typeof seq === "string") return Array.from(seq);
      return names === 1 && isMapping(seq) && !Array.isArray(seq) ? Object.keys(seq) : seq;
    },
    pyCompare: (first: unknown, ...chain: unknown[]) => {
      for (let i = 0, left = first; i < chain.length; i += 2) {
        if (!compare(left, chain[i] as string, chain[i + 1])) return false;
        left = chain[i + 1];
      }
      return true;
    },
    pySetAttr: (obj: unknown, key: string, value: unknown) => {
      if (!isNamespace(obj)) throw new Error(`cannot assign attribute "${key}" on a non-namespace object`);
      (obj as Record<string, unknown>)[key] = value;
    },
  });
}




/** A node compiled to `runtime.<fn>(arg, ...)`; a `lazy` argument is wrapped in a function (for and/or). */
function call(fn: string, node: Node, args: unknown[], lazy: number[] = []): Node {
  return { typename: "PyCall", lineno: node.lineno, colno: node.colno, fn, args, lazy };
}

/**
 * `{% for x in xs if cond %}` (nunjucks read `xs if cond` as an inline if without else, so the loop ran
 * over ""): the condition moves into the body. That is exact unless the body reads `loop` or the loop has
 * an `else`, which would count the skipped items, so those are refused.
 */
function filteredLoop(node: Node): void {
  const arr = node.arr as Node;
  if (arr.typename !== "InlineIf") return;
  const fail = (why: string) => {
    throw new nunjucks.lib.TemplateError(`for ... in ... if ...: ${why}`, node.lineno + 1, node.colno + 1);
  };
  if (arr.else_) fail("a loop's sequence cannot have an else; put (a if c else b) in parentheses");
  if (node.else_ || usesLoop(node.body)) fail("a filtered loop whose body reads `loop` or that has an else is not supported: filter first, e.g. xs | selectattr(...)");
  node.arr = arr.body;
  node.body = new nj.nodes.If(node.lineno, node.colno, arr.cond, node.body, null);
}

function usesLoop(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesLoop);
  if (!value || typeof value !== "object") return false;
  const n = value as Node;
  if (n.typename === "Symbol" && n.value === "loop") return true;
  return Object.entries(n).some(([k, v]) => k !== "parent" && typeof v === "object" && usesLoop(v));
}

function patchCompiler(): void {
  const C = nj.compiler.Compiler.prototype, M = compileMethods;
  const assertType = C.assertType;
  C.assertType = function (node, ...types) {
    if (node.typename !== "PyCall") assertType.call(this, node, ...types);
  };
  // Run-time errors name the line of the last place that set `lineno` (nunjucks did it for calls only).
  const at = (node: Node) => `lineno = ${node.lineno}, colno = ${node.colno}, `;
  for (const type of ["Filter", "LookupVal"]) {
    const original = M[`compile${type}`];
    M[`compile${type}`] = function (node, frame) {
      this._emit(`(${at(node)}`);
      original.call(this, node, frame);
      this._emit(")");
    };
  }
  M.compilePyCall = function (node, frame) {
    this._emit(`(${at(node)}runtime.${node.fn as string}(`);
    (node.args as (Node | string)[]).forEach((arg, i) => {
      if (i) this._emit(",");
      const lazy = (node.lazy as number[]).includes(i);
      if (lazy) this._emit("function(){return ");
      if (typeof arg === "string") this._emit(JSON.stringify(arg));
      else this.compile(arg, frame);
      if (lazy) this._emit(";}");
    });
    this._emit("))");
  };
  // Jinja2's loop.cycle(), loop.previtem and loop.nextitem (an undefined item prints "").
  const emitLoopBindings = C._emitLoopBindings;
  C._emitLoopBindings = function (node, arr, i, len) {
    emitLoopBindings.call(this, node, arr, i, len);
    const line = (code: string) => this._emitLine(code);
    line(`frame.set("loop.cycle", (function(n){ return function(){ return arguments[n % arguments.length]; }; })(${i}));`);
    line(`frame.set("loop.previtem", runtime.isArray(${arr}) && ${i} > 0 ? ${arr}[${i} - 1] : undefined);`);
    line(`frame.set("loop.nextitem", runtime.isArray(${arr}) && ${i} < ${len} - 1 ? ${arr}[${i} + 1] : undefined);`);
  };
  const compileLiteral = M.compileLiteral;
  M.compileLiteral = function (node, frame) {
    if (node.pyFloat) this._emit(`new runtime.PyFloat(${String(node.value)})`);
    else compileLiteral.call(this, node, frame);
  };
  const compileFor = M.compileFor;
  M.compileFor = function (node, frame) {
    filteredLoop(node);
    const names = (node.name as Node).typename === "Array" ? ((node.name as Node).children as unknown[]).length : 1;
    if ((node.arr as Node).typename !== "PyCall") node.arr = call("pyIter", node, [node.arr, { typename: "Literal", value: names, lineno: node.lineno, colno: node.colno }]);
    return compileFor.call(this, node, frame);
  };
  const binary: Record<string, string> = {
    Add: "pyAdd", Sub: "pySub", Mul: "pyMul", Div: "pyDiv", FloorDiv: "pyFloorDiv", Mod: "pyMod", Concat: "pyConcat",
  };
  for (const [type, fn] of Object.entries(binary)) {
    M[`compile${type}`] = function (node, frame) {
      this.compile(call(fn, node, [node.left, node.right]), frame);
    };
  }
  M.compileOr = function (node, frame) {
    this.compile(call("pyOr", node, [node.left, node.right], [1]), frame);
  };
  M.compileAnd = function (node, frame) {
    this.compile(call("pyAnd", node, [node.left, node.right], [1]), frame);
  };
  M.compileNot = function (node, frame) {
    this.compile(call("pyNot", node, [node.target]), frame);
  };
  for (const type of ["If", "IfAsync", "InlineIf"]) {
    const original = M[`compile${type}`];
    M[`compile${type}`] = function (node, ...rest) {
      if ((node.cond as Node).typename !== "PyCall") node.cond = call("pyTruthy", node, [node.cond]);
      return original.call(this, node, ...rest);
    };
  }
  // `("a", 3)` is a tuple in Jinja2; nunjucks compiled it to JavaScript's comma operator (the last value).
  M.compileGroup = function (node, frame) {
    const many = (node.children as unknown[]).length > 1;
    this._compileAggregate(node, frame, many ? "runtime.pyTuple([" : "(", many ? "])" : ")");
  };
  const compileCompare = M.compileCompare;
  M.compileCompare = function (node, frame) {
    const ops = node.ops as { type: string; expr: unknown }[];
    if (!ops.length) return compileCompare.call(this, node, frame);
    // `a < b < c` is `a < b and b < c`, as in Python (every operand is evaluated once).
    const args = [node.expr, ...ops.flatMap((o) => [o.type.replace(/^(==|!=)=$/, "$1"), o.expr])];
    this.compile(call("pyCompare", node, args), frame);
  };
  const compileSet = M.compileSet;
  M.compileSet = function (node, frame) {
    const targets = node.targets as Node[];
    if (!targets.some((t) => t.typename === "LookupVal")) return compileSet.call(this, node, frame);
    if (targets.length !== 1 || !node.value) this.fail("set: one namespace attribute and a value", node.lineno, node.colno);
    const t = targets[0];
    this.compile(call("pySetAttr", node, [t.target, t.val, node.value]), frame);
    this._emit(";\n");
  };
}
