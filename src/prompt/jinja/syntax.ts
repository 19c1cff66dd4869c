import nunjucks from "nunjucks";
import { nj, type Node, type Parser, type Tokenizer } from "./internals.js";

// Jinja2's syntax where nunjucks reads templates differently; installed by ./compat.ts.

/**
 * Jinja2 applies trim_blocks and lstrip_blocks to comments as to blocks: a comment alone on its line
 * leaves no blank line. nunjucks did neither for comments.
 */
export function patchLexer(): void {
  const proto = Object.getPrototypeOf(nj.lexer.lex("", {})) as Tokenizer;
  const nextToken = proto.nextToken;
  proto.nextToken = function (this: Tokenizer) {
    const tok = nextToken.call(this);
    if (!tok) return tok;
    if (tok.type === nj.lexer.TOKEN_SYMBOL && /^\d/.test(tok.value)) {
      // nunjucks would look "1e20" up as a variable name and print nothing.
      throw new nunjucks.lib.TemplateError(`number "${tok.value}": exponents are not supported, write the digits`,
        tok.lineno + 1, tok.colno + 1);
    }
    if (tok.type === nj.lexer.TOKEN_COMMENT && this.trimBlocks) {
      if (this.current() === "\r") this.forward();
      if (this.current() === "\n") this.forward();
    }
    if (tok.type === nj.lexer.TOKEN_DATA && this.lstripBlocks && this._matches(this.tags.COMMENT_START)) {
      const nl = tok.value.lastIndexOf("\n");
      if (/^[ \t]*$/.test(tok.value.slice(nl + 1)) && (nl >= 0 || tok.colno === 0)) {
        tok.value = tok.value.slice(0, nl + 1);
        if (!tok.value) return this.nextToken();
      }
    }
    return tok;
  };
}


/**
 * `x is divisibleby 3`: Jinja2 takes one argument after a test's name without parentheses. And `*`, `/`,
 * `//`, `%` share one precedence, left to right, as in Python (nunjucks read `a * b // c` as `a * (b // c)`).
 */
export function patchParser(): void {
  const P = nj.parser.Parser.prototype;
  const { nodes, lexer } = nj;
  const mulOps: Record<string, string> = { "*": "Mul", "/": "Div", "//": "FloorDiv", "%": "Mod" };
  // `1.0` is a float: it prints "1.0", and so does arithmetic with it.
  const parsePrimary = P.parsePrimary;
  P.parsePrimary = function (this: Parser, ...args: unknown[]) {
    const tok = this.peekToken();
    const node = parsePrimary.apply(this, args);
    if (tok?.type === lexer.TOKEN_FLOAT && node.typename === "Literal" && Number.isInteger(node.value)) node.pyFloat = true;
    return node;
  };
  P.parseMul = function (this: Parser) {
    let node: Node = this.parsePow();
    for (;;) {
      const tok = this.peekToken();
      if (!tok || tok.type !== lexer.TOKEN_OPERATOR || !(tok.value in mulOps)) return node;
      this.nextToken();
      node = new nodes[mulOps[tok.value]](node.lineno, node.colno, node, this.parsePow());
    }
  };
  const argStart = new Set([lexer.TOKEN_STRING, lexer.TOKEN_INT, lexer.TOKEN_FLOAT, lexer.TOKEN_SYMBOL, lexer.TOKEN_LEFT_PAREN,
    lexer.TOKEN_LEFT_BRACKET, lexer.TOKEN_LEFT_CURLY, lexer.TOKEN_BOOLEAN, lexer.TOKEN_NONE]);
  P.parseIs = function (this: Parser) {
    let node: Node = this.parseCompare();
    if (this.skipSymbol("is")) {
      const not = this.skipSymbol("not");
      let test = this.parseCompare();
      const next = this.peekToken();
      if (test.typename === "Symbol" && next && argStart.has(next.type) &&
          !(next.type === lexer.TOKEN_SYMBOL && ["else", "or", "and", "is", "if", "not", "in"].includes(next.value))) {
        const arg = this.parsePrimary();
        test = new nodes.FunCall(test.lineno, test.colno, test, new nodes.NodeList(test.lineno, test.colno, [arg]));
      }
      node = new nodes.Is(node.lineno, node.colno, node, test);
      if (not) node = new nodes.Not(node.lineno, node.colno, node);
    }
    return node;
  };
}
