/**
 * Lossless JSON for parameter values: integers beyond 2^53 become `bigint` (and are
 * written back as exact digits), a whole number written as a float (`1.0`, `1e3`) becomes
 * a {@link FloatValue} (and is written back as `1.0`), `-0` stays `-0`, and Python's `NaN`,
 * `Infinity`, `-Infinity` tokens are read and written (what `json.dumps` prints for
 * non-finite floats). Nesting deeper than {@link MAX_PARAMETER_DEPTH} levels is refused
 * with one line, not a stack overflow.
 */
import { ParameterError } from '../errors.js';
import { markFloat, type FloatValue } from './float-value.js';
import { MAX_PARAMETER_DEPTH, classifyValue, formatFloatLiteral, normalizeInteger, type ParameterValue } from './values.js';

/**
 * Parses JSON text (plus NaN/Infinity/-Infinity) without losing any number: integers
 * beyond ±(2^53 − 1) become bigints, whole floats (`1.0`) FloatValues. `source` names the
 * text in error messages.
 * @example parseParameterJson('{"id": 12345678901234567890, "lr": 1.0}') // { id: 12345678901234567890n, lr: FloatValue(1) }
 */
export function parseParameterJson(text: string, source = 'JSON'): ParameterValue {
  const p = new Reader(text, source);
  p.space();
  const value = p.value();
  p.space();
  if (p.i < text.length) p.fail('unexpected text after the value');
  return value;
}

class Reader {
  i = 0;
  private depth = 0;
  constructor(
    readonly text: string,
    readonly source: string,
  ) {}

  fail(why: string): never {
    const before = this.text.slice(0, this.i);
    const line = before.split('\n').length;
    const column = this.i - before.lastIndexOf('\n');
    throw new ParameterError(`${this.source}: ${why} at line ${line}, column ${column}`);
  }

  space(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i]!)) this.i++;
  }

  value(): ParameterValue {
    const c = this.text[this.i];
    if (c === '{' || c === '[') {
      // The outer mapping of a parameters file plus MAX_PARAMETER_DEPTH levels in one value.
      if (++this.depth > MAX_PARAMETER_DEPTH + 1) this.fail(`lists and maps nested more than ${MAX_PARAMETER_DEPTH} levels deep (Python's parser stops at 200)`);
      const v = c === '{' ? this.object() : this.array();
      this.depth--;
      return v;
    }
    if (c === '"') return this.string();
    for (const [word, v] of [['null', null], ['true', true], ['false', false], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.number();
  }

  number(): number | bigint | FloatValue {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const match = m.exec(this.text);
    if (!match) this.fail('expected a value');
    this.i += match[0].length;
    if (match[1] === undefined && match[2] === undefined) {
      // "-0" is the float -0 (an integer has no sign of zero).
      if (match[0] === '-0') return -0;
      return normalizeInteger(BigInt(match[0]));
    }
    return markFloat(Number(match[0]));
  }

  string(): string {
    this.i++;
    let out = '';
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const e = this.text[this.i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(this.text.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else {
          this.fail('bad escape in string');
        }
        continue;
      }
      if (c < ' ') this.fail('control character in string');
      out += c;
      this.i++;
    }
  }

  array(): ParameterValue[] {
    this.i++;
    const out: ParameterValue[] = [];
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      out.push(this.value());
      this.space();
      const c = this.text[this.i++];
      if (c === ']') return out;
      if (c !== ',') {
        this.i--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  object(): { [key: string]: ParameterValue } {
    this.i++;
    const out: { [key: string]: ParameterValue } = {};
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.space();
      if (this.text[this.i++] !== ':') {
        this.i--;
        this.fail("expected ':'");
      }
      this.space();
      // defineProperty: a "__proto__" key is an own property, not the prototype.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.space();
      const c = this.text[this.i++];
      if (c === '}') return out;
      if (c !== ',') {
        this.i--;
        this.fail("expected ',' or '}'");
      }
    }
  }
}

/**
 * Writes a parameter value as JSON text without losing anything: bigints as exact digits,
 * NaN/Infinity/-Infinity as Python's json writes them, floats marked (`1.0`, `-0.0`), so
 * {@link parseParameterJson} reads back exactly the same values.
 * @example stringifyParameterValue({ n: 2n ** 64n, x: NaN }) // '{"n": 18446744073709551616, "x": NaN}'
 */
export function stringifyParameterValue(value: ParameterValue): string {
  const v = classifyValue(value);
  switch (v.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return String(v.value);
    case 'int':
      return v.value.toString();
    case 'float':
      if (Number.isNaN(v.value)) return 'NaN';
      if (v.value === Infinity) return 'Infinity';
      if (v.value === -Infinity) return '-Infinity';
      return formatFloatLiteral(v.value);
    case 'string':
      return JSON.stringify(v.value);
    case 'list':
      return `[${v.items.map(stringifyParameterValue).join(', ')}]`;
    case 'map':
      return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}: ${stringifyParameterValue(x)}`).join(', ')}}`;
  }
}
