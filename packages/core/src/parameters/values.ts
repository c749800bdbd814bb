/**
 * The values a parameter may hold, checked once before any translator sees them, and
 * sorted into the few kinds every translator handles (null, bool, int, float, string,
 * list, map).
 *
 * Numbers: a JS `number` that is integral, not `-0` and within ±(2^53 − 1) is an
 * *integer*; every other number (fractions, NaN, ±Infinity, `-0`, integral values beyond
 * 2^53 — which a double already rounded) is a *float*. A `bigint` is always an integer,
 * of any size: it is how exact integers beyond 2^53 are given. A {@link FloatValue} is
 * always a float: it is how a whole float (`1.0`, read from `-p`, YAML or JSON) is given.
 * Strings: any Unicode text; a lone surrogate (half of a UTF-16 pair, which no kernel
 * language can hold as text) is refused. NUL is refused only by the translators whose
 * language cannot hold it (R, Bash).
 */
import { ParameterError } from '../errors.js';
import { FloatValue } from './float-value.js';

/**
 * A value nbrun can inject: JSON-like, plus `bigint`, NaN, ±Infinity, `-0`, and
 * {@link FloatValue} for a whole number meant as a float (`1.0`).
 */
export type ParameterValue =
  | null
  | boolean
  | number
  | bigint
  | FloatValue
  | string
  | ParameterValue[]
  | { [key: string]: ParameterValue };

/** A value sorted into the kind every translator handles. */
export type ClassifiedValue =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'list'; items: ParameterValue[] }
  | { kind: 'map'; entries: Array<[string, ParameterValue]> };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * How deep lists and maps may nest in one parameter value. Python's parser stops at 200
 * nested brackets (`SyntaxError: too many nested parentheses`), so a deeper value could
 * never reach a Python kernel; it is refused when read instead (R's parser stops even
 * earlier: its translator refuses values that need more than 50 nested parentheses).
 */
export const MAX_PARAMETER_DEPTH = 100;

/**
 * Sorts a (validated) value into its kind.
 * @example classifyValue(3) // { kind: 'int', value: 3n }
 */
export function classifyValue(value: ParameterValue): ClassifiedValue {
  if (value === null) return { kind: 'null' };
  switch (typeof value) {
    case 'boolean':
      return { kind: 'bool', value };
    case 'bigint':
      return { kind: 'int', value };
    case 'number':
      return isIntegerNumber(value) ? { kind: 'int', value: BigInt(value) } : { kind: 'float', value };
    case 'string':
      return { kind: 'string', value };
    default:
      if (Array.isArray(value)) return { kind: 'list', items: value };
      if (value instanceof FloatValue) return { kind: 'float', value: value.value };
      return { kind: 'map', entries: Object.entries(value) };
  }
}

/** True for a number injected as an integer: integral, not -0, within ±(2^53 − 1). */
export function isIntegerNumber(value: number): boolean {
  return Number.isSafeInteger(value) && !Object.is(value, -0);
}

/**
 * A bigint within ±(2^53 − 1) as a number, any other value unchanged: the one spelling
 * of an integer that fits a double (what the lossless readers return).
 * @example normalizeInteger(5n) // 5
 */
export function normalizeInteger(value: bigint): number | bigint {
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

/** A readable place inside a parameter, e.g. `cfg.layers[2]["a b"]`. */
export function describePath(name: string, path: ReadonlyArray<string | number>): string {
  let out = name;
  for (const seg of path) {
    out += typeof seg === 'number' ? `[${seg}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Index of the first lone surrogate in `s`, or -1. */
export function findLoneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/**
 * Checks that every parameter holds a {@link ParameterValue}: no `undefined`, functions,
 * class instances (Date, Map…), holes, cycles, or strings with lone surrogates.
 * Throws a ParameterError naming the parameter and the place inside it.
 * @example validateParameters({ n: 1, tags: ['a'] }) // returns the same object, typed
 */
export function validateParameters(params: Record<string, unknown>): Record<string, ParameterValue> {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new ParameterError('parameters must be an object of name → value');
  }
  for (const [name, value] of Object.entries(params)) validateValue(name, value, [], new Set());
  return params as Record<string, ParameterValue>;
}

function validateValue(name: string, value: unknown, path: Array<string | number>, seen: Set<object>): void {
  const where = () => `parameter ${describePath(name, path)}`;
  if (value === null) return;
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'bigint':
      return;
    case 'string': {
      const at = findLoneSurrogate(value);
      if (at >= 0) {
        const code = value.charCodeAt(at).toString(16).toUpperCase();
        throw new ParameterError(`${where()}: string holds a lone surrogate U+${code} at index ${at}, which no kernel can hold as text`);
      }
      return;
    }
    case 'object': {
      if (seen.has(value)) throw new ParameterError(`${where()}: the value refers to itself (a cycle), which cannot be written as a literal`);
      if (value instanceof FloatValue) return;
      if (path.length >= MAX_PARAMETER_DEPTH) {
        throw new ParameterError(`parameter ${name}: lists and maps nested more than ${MAX_PARAMETER_DEPTH} levels deep (Python's parser stops at 200)`);
      }
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw new ParameterError(`${where()}: array has a hole at index ${i}`);
          validateValue(name, value[i], [...path, i], seen);
        }
      } else if (isPlainObject(value)) {
        for (const [k, v] of Object.entries(value)) validateValue(name, v, [...path, k], seen);
      } else {
        const kind = (value as object).constructor?.name ?? 'object';
        throw new ParameterError(`${where()}: a ${kind} is not a parameter value (use null, booleans, numbers, bigints, FloatValue, strings, arrays and plain objects)`);
      }
      seen.delete(value);
      return;
    }
    default:
      throw new ParameterError(`${where()}: a ${typeof value} is not a parameter value (use null, booleans, numbers, bigints, FloatValue, strings, arrays and plain objects)`);
  }
}

/**
 * Iterates the Unicode code points of a string (lone surrogates were refused before).
 * @example [...codePoints('a😀')] // [0x61, 0x1f600]
 */
export function* codePoints(s: string): Generator<number> {
  for (const ch of s) yield ch.codePointAt(0)!;
}

const INVISIBLE = /[\p{C}\p{Z}]/u;

/**
 * True for a code point a reader cannot see or that a tool may treat as a line break
 * (controls, format characters such as bidi overrides, separators other than the plain
 * space, private-use and unassigned code points): translators write these as escapes.
 */
export function isInvisible(cp: number): boolean {
  return cp !== 0x20 && INVISIBLE.test(String.fromCodePoint(cp));
}

/** Hex digits of `n`, upper-case, left-padded to `width`. */
export function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

/**
 * A finite float's shortest round-trip decimal spelling, always marked as a float
 * (`1.0`, `0.25`, `1e+21`, `1.5e-7`): integral spellings get `.0`.
 * @example formatFloatLiteral(100) // '100.0'
 */
export function formatFloatLiteral(value: number): string {
  if (Object.is(value, -0)) return '-0.0';
  const s = String(value);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
