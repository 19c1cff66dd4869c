import nunjucks from "nunjucks";

/**
 * The parts of nunjucks 3.2 that ./compat.ts and ./syntax.ts patch, which its typings do not describe: its
 * runtime helpers, compiler, parser, lexer and AST nodes, typed as far as this code reads or replaces them.
 * Functions that are saved and called again with `.call(this, ...)` are properties with a `this` type, not
 * methods, so that taking them off the prototype is typed (and not an unbound method).
 */

/** An AST node (nunjucks/src/nodes.js): its fields depend on `typename`, so they are read as `unknown`. */
export interface Node { typename: string; lineno: number; colno: number; [field: string]: unknown }
export type NodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => Node;

/** A lexer token (nunjucks/src/lexer.js). */
export interface Token { type: string; value: string; lineno: number; colno: number }

/** The lexer's Tokenizer, whose prototype ./syntax.ts patches. */
export interface Tokenizer {
  nextToken: (this: Tokenizer) => Token | null;
  current(): string;
  forward(): void;
  _matches(s: string): boolean;
  trimBlocks: boolean;
  lstripBlocks: boolean;
  tags: Record<string, string>;
}

/** The parser methods ./syntax.ts calls or replaces (nunjucks/src/parser.js). */
export interface Parser {
  peekToken(): Token | null;
  nextToken(): Token | null;
  skipSymbol(name: string): boolean;
  parsePow(): Node;
  parseCompare(): Node;
  parsePrimary: (this: Parser, ...args: unknown[]) => Node;
  parseMul: (this: Parser) => Node;
  parseIs: (this: Parser) => Node;
}

/** A compile method, `compile<NodeType>(node, frame)`, and the compiler state ./compat.ts uses. */
export type CompileFn = (this: Compiler, node: Node, frame: unknown, ...rest: unknown[]) => unknown;
export interface Compiler {
  compile(node: Node, frame: unknown): void;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileAggregate(node: Node, frame: unknown, startChar: string, endChar: string): void;
  fail(msg: string, lineno: number, colno: number): never;
  assertType: (this: Compiler, node: Node, ...types: unknown[]) => void;
  _emitLoopBindings: (this: Compiler, node: Node, arr: string, i: string, len: string) => void;
}

/** The runtime helpers the compiled templates call (nunjucks/src/runtime.js) that ./compat.ts replaces. */
export interface Runtime {
  memberLookup: (this: unknown, obj: unknown, key: unknown, ...rest: unknown[]) => unknown;
  handleError: (error: { lineno?: number }, lineno: number, colno: number) => unknown;
  suppressValue: (val: unknown, autoescape: boolean) => unknown;
  inOperator: (key: unknown, seq: unknown) => boolean;
}

export const nj = nunjucks as unknown as {
  runtime: Runtime;
  compiler: { Compiler: { prototype: Compiler } };
  parser: { Parser: { prototype: Parser } };
  nodes: Record<string, NodeClass>;
  lexer: Record<`TOKEN_${string}`, string> & { lex(src: string, opts: object): object };
  lib: { escape(s: string): string; TemplateError: new (error: unknown, lineno?: number, colno?: number) => Error };
  installJinjaCompat(): void;
};

/** The compiler's `compile<NodeType>` methods, looked up by node type. */
export const compileMethods = nj.compiler.Compiler.prototype as unknown as Record<`compile${string}`, CompileFn>;
