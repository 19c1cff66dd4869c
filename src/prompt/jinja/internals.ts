import nunjucks from "nunjucks";

/** The parts of nunjucks that ./compat.ts and ./syntax.ts patch, which its typings do not describe. */

// nunjucks has no typings for its compiler and parser internals: their methods are called untyped.
export type AnyFn = (...args: any[]) => any;
export interface Node { typename: string; lineno: number; colno: number; [k: string]: unknown }
export interface CompilerProto {
  compile(node: unknown, frame: unknown): void;
  _emit(code: string): void;
  assertType(node: Node, ...types: unknown[]): void;
  [name: string]: unknown;
}

export const nj = nunjucks as unknown as {
  runtime: Record<string, AnyFn>;
  compiler: { Compiler: { prototype: CompilerProto } };
  parser: { Parser: { prototype: Record<string, AnyFn> } };
  nodes: Record<string, new (...args: unknown[]) => Node>;
  lexer: Record<string, string> & { lex(src: string, opts: object): object };
  installJinjaCompat(): void;
};

