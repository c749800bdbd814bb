/** Test helper: fast-check arbitraries for parameter values, with per-language limits. */
import fc from 'fast-check';
import { asFloat, type ParameterValue } from '@nbrun/core';

/** Characters that break naive translators: quotes, escapes, interpolation, comments, separators, bidi, emoji. */
export const TRICKY_CHARS = [
  "'", '"', '\\', '\n', '\r', '\t', '$', '`', '#', '{', '}', '%', '!', '?', ';', ',', '(', ')', '[', ']', '=', '~', '*',
  '\x01', '\x07', '\x1b', '\x7f', '\x85', '\u00a0', '\u2028', '\u2029', '\u200b', '\u202e', '\ufeff', '\u2018', '\u2019',
  'é', 'ß', '日', '😀', '\u{10ffff}', '\u{e0001}', '0', '1', 'a', 'Z', ' ', '\\n', '${x}', '#{x}', '$(id)', '%s', '@', '&',
];

export interface ValueLimits {
  /** Allow NUL in strings (not R, not Bash). */
  nul?: boolean;
  /** Smallest and largest bigint to generate. */
  minInt?: bigint;
  maxInt?: bigint;
  /** Allow the empty map key (not Octave). */
  emptyKey?: boolean;
  /** Depth of nesting. */
  depth?: number;
}

/** Strings of every kind: any code point, tricky characters, plain text. */
export function anyString(limits: ValueLimits = {}): fc.Arbitrary<string> {
  const s = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: fc.constantFrom(...TRICKY_CHARS), maxLength: 10 }),
    fc.string({ maxLength: 8 }),
  );
  return limits.nul === false ? s.map((x) => x.replace(/\0/g, '')) : fc.oneof(s, fc.constant('a\0b'));
}

const KEYS = ['', '0', '1', '-1', '1.5', '__proto__', 'constructor', 'a b', '"', "'", '$x', 'NULL', 'None', 'x.y', 'é'];

/** Any parameter value, nested. */
export function anyValue(limits: ValueLimits = {}): fc.Arbitrary<ParameterValue> {
  const minInt = limits.minInt ?? -(2n ** 200n);
  const maxInt = limits.maxInt ?? 2n ** 200n;
  const key = fc
    .oneof(fc.constantFrom(...KEYS), anyString(limits))
    .filter((k) => (limits.emptyKey === false ? k !== '' : true))
    .map((k) => (limits.nul === false ? k.replace(/\0/g, '') : k));
  const scalar: fc.Arbitrary<ParameterValue> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.integer({ min: -(2 ** 31) - 5, max: 2 ** 31 + 5 }),
    fc.maxSafeInteger(),
    fc.bigInt({ min: minInt, max: maxInt }),
    fc.double(),
    fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.1, 0.25, 1e-7, 1e21, 2 ** 53, 5e-324, 1.7976931348623157e308),
    // Whole floats (`-p lr 1.0`): they must stay floats, not become integers.
    fc.integer({ min: -1_000_000, max: 1_000_000 }).map(asFloat),
    fc.constantFrom(asFloat(0), asFloat(1), asFloat(2 ** 60)),
    anyString(limits),
  );
  const { value } = fc.letrec<{ value: ParameterValue; list: ParameterValue[]; map: { [k: string]: ParameterValue } }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: limits.depth ?? 3 }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('value'), { maxLength: 4 }),
    map: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => {
      const o: { [k: string]: ParameterValue } = {};
      for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  }));
  return value;
}
