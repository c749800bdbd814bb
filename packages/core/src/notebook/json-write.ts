/**
 * A JSON writer that produces exactly what Python's
 * `json.dumps(value, sort_keys=True, indent=1, separators=(',', ': '), ensure_ascii=False)` does.
 *
 * Differences from `JSON.stringify(value, null, 1)` it takes care of: keys sorted by code
 * point (JS enumerates integer-like keys first), numbers in Python's spelling (see
 * {@link formatPythonNumber}), NaN/Infinity written as Python writes them.
 * Strings are escaped by `JSON.stringify`, which escapes exactly Python's set (`"`, `\`,
 * control characters as `\b \f \n \r \t` or lowercase `\u00XX`) and leaves non-ASCII and `/` raw.
 */
import { FloatValue } from '../parameters/float-value.js';
import { LinesToWrite, hasOnlyNewlineBreaks, splitLines } from './lines.js';
import { findNumberSpelling, formatPythonFloat, formatPythonNumber } from './python-numbers.js';

const MAX_DEPTH = 1000;

const INDENTS: string[] = [];

/** Quoted keys, cached: notebooks repeat the same few keys thousands of times. */
const QUOTED_KEYS = new Map<string, string>();
function quoteKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (key.length <= 64 && QUOTED_KEYS.size < 10_000) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}
function newlineAndIndent(level: number): string {
  return (INDENTS[level] ??= '\n' + ' '.repeat(level));
}

/**
 * Serializes a JSON value byte-for-byte as Python's `json.dumps(..., sort_keys=True, indent=1,
 * ensure_ascii=False)` would (no trailing newline).
 * @example dumpPythonJson({ b: 1.5, a: [] }) // '{\n "a": [],\n "b": 1.5\n}'
 */
export function dumpPythonJson(value: unknown): string {
  const writer = new PythonJsonWriter();
  writer.writeValue(value, 0, undefined, '');
  return writer.out;
}

/** Text is handed to the sink in pieces of about this many characters. */
const FLUSH_CHARS = 1 << 20;
/** Longer stream texts are escaped and written slice by slice (cut after a `\n`), never whole. */
const LINES_SLICE_CHARS = 1 << 20;

/**
 * {@link dumpPythonJson}, handed to `sink` in pieces of about 1 MiB as it is made: the same
 * characters, without the whole text ever being one string (a notebook with 100 MB of output).
 * @example writePythonJson(nb, (piece) => fs.writeSync(fd, piece));
 */
export function writePythonJson(value: unknown, sink: (piece: string) => void): void {
  const writer = new PythonJsonWriter(sink);
  writer.writeValue(value, 0, undefined, '');
  writer.flush();
}

class PythonJsonWriter {
  out = '';

  constructor(private readonly sink?: (piece: string) => void) {}

  /** Hands what is made so far to the sink once it is big enough (streaming writes only). */
  maybeFlush(): void {
    if (this.sink && this.out.length >= FLUSH_CHARS) this.flush();
  }

  flush(): void {
    if (!this.sink || this.out === '') return;
    const piece = this.out;
    this.out = '';
    this.sink(piece);
  }

  writeValue(value: unknown, level: number, holder: object | undefined, key: string | number): void {
    switch (typeof value) {
      case 'string':
        this.out += JSON.stringify(value);
        return;
      case 'number':
        this.out += this.formatNumber(value, holder, key);
        return;
      case 'boolean':
        this.out += value ? 'true' : 'false';
        return;
      case 'bigint':
        this.out += value.toString();
        return;
      case 'object':
        if (value === null) {
          this.out += 'null';
          return;
        }
        if (value instanceof LinesToWrite) {
          this.writeLines(value.text, level);
          return;
        }
        // A parameter read as `1.0` is a Python float: written as one in metadata.nbrun.parameters.
        if (value instanceof FloatValue) {
          this.out += formatPythonFloat(value.value);
          return;
        }
        if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
          this.writeValue((value as { toJSON: () => unknown }).toJSON(), level, holder, key);
          return;
        }
        // A depth limit instead of an ancestor set: cheaper, and it catches cycles before the stack overflows.
        if (level > MAX_DEPTH) throw new TypeError(`nested more than ${MAX_DEPTH} levels deep at key ${JSON.stringify(String(key))} (circular reference?)`);
        if (Array.isArray(value)) this.writeArray(value, level);
        else this.writeObject(value as Record<string, unknown>, level);
        return;
      default:
        throw new TypeError(`cannot write a ${typeof value} as JSON (at key ${JSON.stringify(String(key))})`);
    }
  }

  private writeArray(arr: readonly unknown[], level: number): void {
    if (arr.length === 0) {
      this.out += '[]';
      return;
    }
    const inner = newlineAndIndent(level + 1);
    this.out += '[';
    for (let i = 0; i < arr.length; i++) {
      this.out += i === 0 ? inner : ',' + inner;
      const item = arr[i];
      // Like JSON.stringify: holes and non-JSON values inside arrays become null.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') this.out += 'null';
      else this.writeValue(item, level + 1, arr, i);
      this.maybeFlush();
    }
    this.out += newlineAndIndent(level) + ']';
  }

  /**
   * `splitLines(text)` written as a JSON array without making the array: the text is escaped
   * once and cut at its escaped newlines — the big-output path (300,000 lines).
   */
  private writeLines(text: string | Iterable<string>, level: number): void {
    if (typeof text !== 'string') {
      this.writePieces(text, level);
      return;
    }
    if (text === '') {
      this.out += '[]';
      return;
    }
    if (text.length > LINES_SLICE_CHARS) {
      this.writePieces([text], level);
      return;
    }
    this.out += '[' + newlineAndIndent(level + 1) + this.linesBody(text, level);
    this.out += newlineAndIndent(level) + ']';
  }

  /**
   * Lines of a text kept as pieces, written about 1 MiB at a time: cut after the last line
   * boundary of what came so far — splitlines' `\r`, `\v`, `\u2028`... as well as `\n`, so
   * progress text redrawn with `\r` alone is cut too (it was held whole until a `\n`) — and a
   * longer line is written as an open JSON string that the next slice continues.
   */
  private writePieces(pieces: Iterable<string>, level: number): void {
    const inner = newlineAndIndent(level + 1);
    let carry = '';
    let first = true;
    // An item written without its closing quote: the next slice continues it.
    let open = false;
    const body = (slice: string, complete: boolean): void => {
      let items = this.linesBody(slice, level);
      if (open) items = items.slice(1);
      else items = (first ? '[' + inner : ',' + inner) + items;
      if (!complete) items = items.slice(0, -1);
      this.out += items;
      first = false;
      open = !complete;
      this.maybeFlush();
    };
    for (const whole of pieces) {
      for (let at = 0; at < whole.length; at += LINES_SLICE_CHARS) {
        carry += at === 0 && whole.length <= LINES_SLICE_CHARS ? whole : whole.slice(at, at + LINES_SLICE_CHARS);
        if (carry.length < LINES_SLICE_CHARS) continue;
        const end = lastLineEnd(carry);
        if (end > 0) {
          body(carry.slice(0, end), true);
          carry = carry.slice(end);
          continue;
        }
        // No line ends here: all but a last `\r` (which a `\n` may follow) or a high surrogate (its pair may follow).
        let cut = carry.length;
        if (carry.charCodeAt(cut - 1) === 0x0d) cut--;
        if (isHighSurrogate(carry.charCodeAt(cut - 1))) cut--;
        if (cut <= 0) continue;
        body(carry.slice(0, cut), false);
        carry = carry.slice(cut);
      }
    }
    if (carry !== '') body(carry, true);
    else if (open) this.out += '"';
    this.out += first ? '[]' : newlineAndIndent(level) + ']';
  }

  /** The items of the JSON array of `splitLines(text)` (non-empty), without brackets. */
  private linesBody(text: string, level: number): string {
    const inner = newlineAndIndent(level + 1);
    if (!hasOnlyNewlineBreaks(text)) {
      return splitLines(text).map((line) => JSON.stringify(line)).join(',' + inner);
    }
    const endsWithNewline = text.endsWith('\n');
    const escaped = JSON.stringify(endsWithNewline ? text.slice(0, -1) : text);
    const separator = '\\n",' + inner + '"';
    let out: string;
    if (!escaped.includes('\\\\')) {
      // No escaped backslash, so every `\n` in the escaped text is a line end: split natively.
      out = escaped.slice(0, -1).split('\\n').join(separator);
    } else {
      out = '';
      let from = 0;
      // Every backslash JSON.stringify writes starts a two-character escape (or \uXXXX); `\n` is a line end.
      for (let i = escaped.indexOf('\\'); i !== -1; i = escaped.indexOf('\\', i + 2)) {
        if (escaped.charCodeAt(i + 1) === 0x6e /* n */) {
          out += escaped.slice(from, i) + separator;
          from = i + 2;
        }
      }
      out += escaped.slice(from, -1);
    }
    out += endsWithNewline ? '\\n"' : '"';
    return out;
  }

  private writeObject(obj: Record<string, unknown>, level: number): void {
    const keys = sortKeys(Object.keys(obj));
    const inner = newlineAndIndent(level + 1);
    let first = true;
    this.out += '{';
    for (const key of keys) {
      const item = obj[key];
      // Like JSON.stringify: properties without a JSON value are left out.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      this.out += (first ? inner : ',' + inner) + quoteKey(key) + ': ';
      first = false;
      this.writeValue(item, level + 1, obj, key);
      this.maybeFlush();
    }
    this.out += first ? '}' : newlineAndIndent(level) + '}';
  }

  private formatNumber(value: number, holder: object | undefined, key: string | number): string {
    return (holder && findNumberSpelling(holder, key, value)) ?? formatPythonNumber(value);
  }
}

/** Sorts keys as Python does: by code point (JS's default sort compares UTF-16 units). */
function sortKeys(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  keys.sort();
  // Code units and code points order differently only when a surrogate meets U+E000..U+FFFF.
  if (keys.some((k) => /[\ud800-\udfff]/.test(k))) keys.sort(compareCodePoints);
  return keys;
}

/** Where the last complete line of `text` ends for `str.splitlines` (0: none), a `\r` at its very end excluded. */
function lastLineEnd(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0b || c === 0x0c || (c >= 0x1c && c <= 0x1e) || c === 0x85 || c === 0x2028 || c === 0x2029) return i + 1;
    if (c === 0x0d && i < text.length - 1) return i + 1;
  }
  return 0;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done ? (cb.done ? 0 : -1) : 1;
    const d = (ca.value.codePointAt(0) ?? 0) - (cb.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}
