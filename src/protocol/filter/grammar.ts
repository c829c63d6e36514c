import { badRequest, type ScimError } from '../errors.js';
import type { AttrPath, CompareOp, Filter, Literal, PatchPath } from './ast.js';
import { isAttributeName, splitAttrPath } from './attr-path-syntax.js';

// Hostile-input limits: a filter arrives in a URL or a PATCH body, so both are bounded before any work is done.
export const MAX_FILTER_LENGTH = 4096;
/** Parentheses, `not (...)` and value paths `attr[...]` each open one level. */
export const MAX_FILTER_DEPTH = 32;

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
// A "word" (attribute path, operator, keyword or unquoted value) runs until a space or one of these.
const isDelimiter = (c: string | undefined) => c === '(' || c === ')' || c === '[' || c === ']' || c === '"';

interface Word {
  text: string;
  start: number;
}

type GrammarError = 'invalidFilter' | 'invalidPath';

const quote = (text: string, max = 40) => JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * A hand-written recursive-descent parser for RFC 7644 section 3.4.2.2 filters and section 3.5.2 PATCH paths.
 * Recursion only happens on nesting (bounded by MAX_FILTER_DEPTH); `a or b or c ...` chains are built in loops.
 */
export class FilterGrammar {
  private pos = 0;
  private depth = 0;
  private inValueFilter = false;
  /** The last token consumed, for "Expected X after Y" messages. */
  private previous = '';

  constructor(
    private readonly text: string,
    private readonly errorType: GrammarError,
  ) {}

  /** The whole text as a filter. */
  filter(): Filter {
    this.checkInput('filter');
    const filter = this.parseOr();
    this.skipSpace();
    if (!this.atEnd()) this.fail('"and", "or" or the end of the filter');
    return filter;
  }

  /** The whole text as a PATCH path: attrPath, or attrPath "[" valFilter "]" ["." subAttr]. */
  patchPath(): PatchPath {
    this.checkInput('path');
    const word = this.readWord();
    if (!word) this.fail('an attribute path');
    const path = this.toAttrPath(word);
    this.previous = word.text;
    this.skipSpace();
    if (this.atEnd()) return { path };
    if (this.peek() !== '[') this.fail('"[" or the end of the path');
    const valueFilter = this.parseValueFilter(path, word);
    this.skipSpace();
    if (this.atEnd()) return { path, valueFilter };
    if (this.peek() !== '.') this.fail('"." or the end of the path');
    const sub = this.readSubAttribute();
    this.skipSpace();
    if (!this.atEnd()) this.fail('the end of the path');
    return { path, valueFilter, sub };
  }

  private checkInput(what: 'filter' | 'path'): void {
    if (typeof this.text !== 'string') throw this.error(`The ${what} must be a string`);
    if (this.text.length > MAX_FILTER_LENGTH) {
      throw this.error(`The ${what} is ${this.text.length} characters long; the limit is ${MAX_FILTER_LENGTH}`);
    }
  }

  // --- grammar: or > and > not/parentheses > attribute expression ---

  private parseOr(): Filter {
    let left = this.parseAnd();
    while (this.acceptKeyword('or')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Filter {
    let left = this.parseUnary();
    while (this.acceptKeyword('and')) left = { kind: 'and', left, right: this.parseUnary() };
    return left;
  }

  private parseUnary(): Filter {
    this.skipSpace();
    if (this.peek() === '(') {
      this.pos++;
      this.previous = '(';
      this.enter();
      const inner = this.parseOr();
      this.expectClosing(')');
      this.leave();
      return inner;
    }
    const start = this.pos;
    const word = this.readWord();
    if (!word) this.fail('an attribute path, "not" or "("');
    const keyword = word.text.toLowerCase();
    if (keyword === 'not') {
      this.previous = word.text;
      this.skipSpace();
      if (this.peek() !== '(') this.fail('"("');
      this.pos++;
      this.previous = '(';
      this.enter();
      const inner = this.parseOr();
      this.expectClosing(')');
      this.leave();
      return { kind: 'not', filter: inner };
    }
    if (keyword === 'and' || keyword === 'or') {
      this.pos = start;
      this.fail('an attribute path, "not" or "("');
    }
    return this.parseAttributeExpression(word);
  }

  private parseAttributeExpression(word: Word): Filter {
    const path = this.toAttrPath(word);
    this.previous = word.text;
    this.skipSpace();
    if (this.peek() !== '[') return this.parseOperation(path);
    const filter = this.parseValueFilter(path, word);
    this.skipSpace();
    // Entra ID sends `emails[type eq "work"].value eq "x"`: not RFC grammar, read as one element matching both.
    if (this.peek() !== '.') return { kind: 'valuePath', path, filter };
    const sub = this.readSubAttribute();
    const tail = this.parseOperation({ attr: sub });
    return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: tail } };
  }

  /** `[` valFilter `]`, positioned at the `[`; leaves the position right after the `]`. */
  private parseValueFilter(path: AttrPath, word: Word): Filter {
    if (path.sub !== undefined) {
      throw this.error(`A value filter "[...]" cannot follow the sub-attribute "${word.text}" at position ${word.start + 1}`);
    }
    if (this.inValueFilter) {
      throw this.error(`Value filters cannot be nested: "${word.text}[" at position ${word.start + 1}`);
    }
    this.pos++;
    this.previous = `${word.text}[`;
    this.enter();
    this.inValueFilter = true;
    const filter = this.parseOr();
    this.expectClosing(']');
    this.inValueFilter = false;
    this.leave();
    return filter;
  }

  /** `.subAttr` right after a value filter's `]`. */
  private readSubAttribute(): string {
    this.pos++; // the '.'
    this.previous = '.';
    const start = this.pos;
    const word = this.readWord(false);
    if (!word || !isAttributeName(word.text)) {
      this.pos = start;
      this.fail('a sub-attribute name');
    }
    this.previous = word.text;
    return word.text;
  }

  private parseOperation(path: AttrPath): Filter {
    const start = this.pos;
    const word = this.readWord();
    const op = word?.text.toLowerCase();
    if (op === 'pr') {
      this.previous = word!.text;
      return { kind: 'present', path };
    }
    if (!word || !COMPARE_OPS.has(op!)) {
      this.pos = start;
      this.fail('an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)');
    }
    this.previous = word.text;
    return { kind: 'compare', path, op: op as CompareOp, value: this.parseValue() };
  }

  private parseValue(): Literal {
    this.skipSpace();
    if (this.peek() === '"') return this.readString();
    const word = this.readWord();
    if (!word) this.fail('a value');
    this.previous = word.text;
    const lower = word.text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (JSON_NUMBER.test(word.text)) {
      const number = Number(word.text);
      if (!Number.isFinite(number)) throw this.error(`The number ${quote(word.text)} at position ${word.start + 1} is out of range`);
      return number === 0 ? 0 : number; // no -0
    }
    // Old Entra ID tenants send unquoted strings: `externalId eq jyoung`.
    return word.text;
  }

  /** A JSON string literal, positioned at the opening quote. */
  private readString(): string {
    const start = this.pos;
    const text = this.text;
    let out = '';
    let chunk = ++this.pos;
    for (;;) {
      if (this.pos >= text.length) throw this.error(`The string starting at position ${start + 1} has no closing quote`);
      const c = text[this.pos];
      if (c === '"') break;
      if (c !== '\\') {
        this.pos++;
        continue;
      }
      out += text.slice(chunk, this.pos);
      const escape = text[this.pos + 1];
      if (escape === undefined) throw this.error(`The string starting at position ${start + 1} has no closing quote`);
      if (escape === 'u') {
        const hex = text.slice(this.pos + 2, this.pos + 6);
        if (!HEX4.test(hex)) throw this.error(`Invalid escape "\\u${hex}" at position ${this.pos + 1}; expected \\u and 4 hex digits`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else if (Object.hasOwn(SIMPLE_ESCAPES, escape)) {
        out += SIMPLE_ESCAPES[escape];
        this.pos += 2;
      } else {
        throw this.error(`Invalid escape "\\${escape}" at position ${this.pos + 1}; write a backslash as \\\\`);
      }
      chunk = this.pos;
    }
    out += text.slice(chunk, this.pos);
    this.pos++; // the closing quote
    this.previous = text.slice(start, this.pos);
    return out;
  }

  // --- tokens ---

  private toAttrPath(word: Word): AttrPath {
    const result = splitAttrPath(word.text);
    if (result.ok) return result.path;
    throw this.error(`Invalid attribute path ${quote(word.text)} at position ${word.start + 1}: ${result.reason}`);
  }

  private acceptKeyword(keyword: 'and' | 'or'): boolean {
    const start = this.pos;
    const word = this.readWord();
    if (word && word.text.toLowerCase() === keyword) {
      this.previous = word.text;
      return true;
    }
    this.pos = start;
    return false;
  }

  private readWord(skipSpace = true): Word | undefined {
    if (skipSpace) this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && !isSpace(this.text[this.pos]) && !isDelimiter(this.text[this.pos])) this.pos++;
    return this.pos > start ? { text: this.text.slice(start, this.pos), start } : undefined;
  }

  private expectClosing(closing: ')' | ']'): void {
    this.skipSpace();
    if (this.peek() !== closing) this.fail(`"and", "or" or "${closing}"`);
    this.pos++;
    this.previous = closing;
  }

  private enter(): void {
    if (++this.depth > MAX_FILTER_DEPTH) {
      throw this.error(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels at position ${this.pos}`);
    }
  }

  private leave(): void {
    this.depth--;
  }

  private skipSpace(): void {
    while (isSpace(this.text[this.pos])) this.pos++;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** "Expected X after "Y" at position N[, found "Z"]", N counted from 1 at the next token. */
  private fail(expected: string): never {
    this.skipSpace();
    const after = this.previous ? ` after ${quote(this.previous)}` : '';
    let found = '';
    if (!this.atEnd()) {
      const here = this.pos;
      const word = this.readWord(false);
      found = `, found ${quote(word ? word.text : this.text[here])}`;
      this.pos = here;
    }
    throw this.error(`Expected ${expected}${after} at position ${this.pos + 1}${found}`);
  }

  private error(detail: string): ScimError {
    return badRequest(this.errorType, detail);
  }
}
