/**
 * JSON text → value, the way Python's `json.loads` reads a notebook, with exact error locations.
 *
 * Most notebooks go through the native `JSON.parse`. A small pure-JS parser takes over when
 * the native one fails (to say where, in line:column) or when the text holds numbers that a
 * JS number cannot write back the way Python does (`1.0`, `1e+16`, integers beyond 2^53):
 * their Python spelling is remembered (see `recordNumberSpelling`) for the serializer.
 * Like Python, `NaN`, `Infinity` and `-Infinity` are accepted.
 */
import { formatPythonFloat, recordNumberSpelling, type NumberSpelling } from './python-numbers.js';

/**
 * Where and why a text is not JSON. `offset` is a 0-based UTF-16 index into the text.
 * @example try { parseJsonText('{') } catch (e) { if (e instanceof JsonSyntaxIssue) console.log(e.offset) }
 */
export class JsonSyntaxIssue extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Parses JSON text like Python's `json.loads` (NaN/Infinity accepted), throwing a
 * {@link JsonSyntaxIssue} with the offset of the first problem.
 * @example parseJsonText('{"a": 1.0}') // { a: 1 }, and serializing it writes `1.0` again
 */
export function parseJsonText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The slow parser finds the location (and reads what Python reads, e.g. NaN).
    return new JsonParser(text).parseDocument();
  }
  return hasNumbersPythonWritesDifferently(text) ? new JsonParser(text).parseDocument() : value;
}

/**
 * 1-based line and column of an offset (columns count UTF-16 units, tabs count 1).
 * @example locateOffset('{\n  x', 4) // { line: 2, column: 3 }
 */
export function locateOffset(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * True when a number literal in the text would not survive JSON.parse → Python-style write:
 * a float with an integral value (`1.0`, `2e3`) or an integer too long to be exact.
 * Looks only between strings (jumped over with indexOf), so it is fast on big notebooks.
 */
function hasNumbersPythonWritesDifferently(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const quote = text.indexOf('"', i);
    const end = quote === -1 ? n : quote;
    for (let k = i; k < end; k++) {
      const c = text.charCodeAt(k);
      if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        let stop = k + 1;
        while (stop < end && isNumberChar(text.charCodeAt(stop))) stop++;
        if (pythonSpellingOf(text.slice(k, stop)) !== undefined) return true;
        k = stop;
      }
    }
    if (quote === -1) return false;
    i = stringEnd(text, quote) + 1;
    if (i === 0) return false;
  }
  return false;
}

function isNumberChar(c: number): boolean {
  // digits . e E + -
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/**
 * The Python spelling of a number literal when it differs from how a JS number prints
 * (undefined when the default writer already matches Python).
 */
function pythonSpellingOf(literal: string): NumberSpelling | undefined {
  const value = Number(literal);
  if (Number.isNaN(value)) return undefined;
  if (/[.eE]/.test(literal)) {
    // A Python float: only integral values print differently (`1.0` vs `1`).
    if (Number.isInteger(value) || Object.is(value, -0)) return { value, text: formatPythonFloat(value) };
    return undefined;
  }
  if (Number.isSafeInteger(value)) return undefined;
  // A Python int is exact however long it is.
  return { value, text: BigInt(literal).toString() };
}

/** Index of the closing quote of the string opening at `open`, or -1 when unterminated. */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const close = text.indexOf('"', from);
    if (close === -1) return -1;
    let backslashes = 0;
    for (let k = close - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return close;
    from = close + 1;
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHAR = /[\u0000-\u001f]/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const VALID_ESCAPE = /^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/;

/** Recursive-descent JSON parser: exact error offsets, Python's NaN/Infinity, number spellings. */
class JsonParser {
  private i = 0;
  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    this.skipWhitespace();
    if (this.i >= this.text.length) this.fail('the file is empty');
    let value: unknown;
    try {
      value = this.parseValue(undefined, '');
    } catch (err) {
      if (err instanceof RangeError) throw new JsonSyntaxIssue(this.i, 'nested too deeply');
      throw err;
    }
    this.skipWhitespace();
    if (this.i < this.text.length) this.fail(`unexpected ${this.describe()} after the end of the JSON document`);
    return value;
  }

  private parseValue(holder: object | undefined, key: string | number): unknown {
    const c = this.text.charCodeAt(this.i);
    switch (c) {
      case 0x7b /* { */:
        return this.parseObject();
      case 0x5b /* [ */:
        return this.parseArray();
      case 0x22 /* " */:
        return this.parseString();
      case 0x74 /* t */:
        return this.parseWord('true', true);
      case 0x66 /* f */:
        return this.parseWord('false', false);
      case 0x6e /* n */:
        return this.parseWord('null', null);
      case 0x4e /* N */:
        return this.parseWord('NaN', NaN);
      case 0x49 /* I */:
        return this.parseWord('Infinity', Infinity);
      default:
        if (c === 0x2d /* - */ && this.text.startsWith('-Infinity', this.i)) return this.parseWord('-Infinity', -Infinity);
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber(holder, key);
        return this.unexpected(`expected a value`);
    }
  }

  private parseObject(): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    this.i++;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.i) === 0x7d /* } */) {
      this.i++;
      return obj;
    }
    for (;;) {
      if (this.text.charCodeAt(this.i) !== 0x22) this.unexpected(`expected a property name in double quotes`);
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.i) !== 0x3a /* : */) this.unexpected(`expected ':' after a property name`);
      this.i++;
      this.skipWhitespace();
      const value = this.parseValue(obj, key);
      // `__proto__` must become an own property, as JSON.parse makes it.
      if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
      else obj[key] = value;
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.i);
      if (c === 0x2c /* , */) {
        this.i++;
        this.skipWhitespace();
        continue;
      }
      if (c === 0x7d /* } */) {
        this.i++;
        return obj;
      }
      this.unexpected(`expected ',' or '}'`);
    }
  }

  private parseArray(): unknown[] {
    const arr: unknown[] = [];
    this.i++;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.i) === 0x5d /* ] */) {
      this.i++;
      return arr;
    }
    for (;;) {
      arr.push(this.parseValue(arr, arr.length));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.i);
      if (c === 0x2c /* , */) {
        this.i++;
        this.skipWhitespace();
        continue;
      }
      if (c === 0x5d /* ] */) {
        this.i++;
        return arr;
      }
      this.unexpected(`expected ',' or ']'`);
    }
  }

  private parseString(): string {
    const open = this.i;
    const close = stringEnd(this.text, open);
    if (close === -1) {
      this.i = this.text.length;
      this.fail('unexpected end of file inside a string');
    }
    const body = this.text.slice(open + 1, close);
    const hasEscape = body.includes('\\');
    if (!hasEscape && !CONTROL_CHAR.test(body)) {
      this.i = close + 1;
      return body;
    }
    // Find the first bad character ourselves: the native error would not say where.
    for (let k = 0; k < body.length; k++) {
      const c = body.charCodeAt(k);
      if (c < 0x20) {
        this.i = open + 1 + k;
        this.fail(`control character U+${c.toString(16).padStart(4, '0').toUpperCase()} inside a string (must be escaped)`);
      }
      if (c === 0x5c) {
        if (!VALID_ESCAPE.test(body.slice(k + 1, k + 6))) {
          this.i = open + 1 + k;
          this.fail(`invalid escape '\\${body.charAt(k + 1)}' in a string`);
        }
        k++;
      }
    }
    this.i = close + 1;
    return JSON.parse(this.text.slice(open, close + 1)) as string;
  }

  private parseWord<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.i)) {
      // Point at the first wrong character (or the end of a truncated file), not the word's start.
      let k = 0;
      while (k < word.length && this.text.charCodeAt(this.i + k) === word.charCodeAt(k)) k++;
      this.i += k;
      return this.unexpected(k === 0 ? 'expected a value' : `expected '${word}'`);
    }
    this.i += word.length;
    return value;
  }

  private parseNumber(holder: object | undefined, key: string | number): number {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (!m) {
      this.i++;
      return this.unexpected('expected a digit after the minus sign');
    }
    const literal = m[0];
    this.i += literal.length;
    const spelling = pythonSpellingOf(literal);
    if (spelling && holder) recordNumberSpelling(holder, key, spelling);
    return spelling ? spelling.value : Number(literal);
  }

  private skipWhitespace(): void {
    const t = this.text;
    let c = t.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = t.charCodeAt(++this.i);
  }

  /** At the end of the text only "unexpected end of file" matters (the caller adds "truncated?"). */
  private unexpected(expected: string): never {
    if (this.i >= this.text.length) return this.fail('unexpected end of file');
    return this.fail(`unexpected ${this.describe()}, ${expected}`);
  }

  private describe(): string {
    if (this.i >= this.text.length) return 'end of file';
    const cp = this.text.codePointAt(this.i) ?? 0;
    const ch = String.fromCodePoint(cp);
    return cp < 0x20 ? `character U+${cp.toString(16).padStart(4, '0').toUpperCase()}` : `character '${ch}'`;
  }

  private fail(reason: string): never {
    throw new JsonSyntaxIssue(this.i, reason);
  }
}
