/**
 * R (IRkernel): `name <- literal`.
 * - null → `NULL`; booleans → `TRUE`/`FALSE`.
 * - integers → R numerics (doubles), as papermill writes them: `n <- 100000`, not
 *   `100000L`, so `n * n` with a default `n <- 10` does not overflow R's 32-bit integers
 *   to NA; exact up to 2^53; beyond, R has no exact type in base R, so they are refused
 *   with a ParameterError (pass them as strings).
 * - floats → `NaN`, `Inf`, `-Inf`, `-0`, else decimal when R's parser (which is not
 *   correctly rounded) provably reads it back exactly, otherwise a C99 hex literal
 *   (`0x1.999999999999ap-4`), with the decimal in a trailing comment at top level.
 * - strings → `"…"` with every non-ASCII or invisible character as a `\u{…}`/`\U{…}`
 *   escape, so the value does not depend on the kernel's locale; NUL is refused (R
 *   strings cannot hold it).
 * - lists → `list(…)`; maps → `structure(list(…), names = c(…))`, which keeps any key
 *   (empty, quoted, numeric-looking) and tells an empty map from an empty list.
 * - R's parser stops at 50 nested parentheses ("contextstack overflow"): 50 levels of
 *   lists, 25 of maps; deeper values are refused before the kernel starts.
 */
import { checkIdentifier, unrepresentable, type Translator } from '../translator.js';
import { hexFloat, isDecimalExactInR } from '../floats.js';
import { classifyValue, codePoints, describePath, hex, type ParameterValue } from '../values.js';

const RESERVED = new Set([
  'if', 'else', 'repeat', 'while', 'function', 'for', 'next', 'break', 'TRUE', 'FALSE', 'NULL', 'Inf', 'NaN', 'NA',
  'NA_integer_', 'NA_real_', 'NA_character_', 'NA_complex_', 'in', 'T', 'F',
]);
const IDENTIFIER = /^(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*$/;
const DOUBLE_EXACT = 2n ** 53n;
/** R's parser's context stack (`CONTEXTSTACK_SIZE` in gram.y): one entry per open parenthesis. */
const MAX_PARENS = 50;

/**
 * An R string literal for `s` (ASCII only, escapes for the rest).
 * @example rString('café') // '"caf\\u{e9}"'
 */
export function rString(s: string, where = 'string'): string {
  let out = '"';
  for (const cp of codePoints(s)) {
    if (cp === 0) throw unrepresentable('R', where, 'string holds a NUL character');
    if (cp === 0x5c) out += '\\\\';
    else if (cp === 0x22) out += '\\"';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (cp >= 0x20 && cp < 0x7f) out += String.fromCodePoint(cp);
    else out += cp <= 0xffff ? `\\u{${hex(cp, 4)}}` : `\\U{${hex(cp, 8)}}`;
  }
  return out + '"';
}

/** An R double literal for a float: exact on every platform R runs on. */
export function rDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Inf';
  if (value === -Infinity) return '-Inf';
  if (Object.is(value, -0)) return '-0';
  if (value === 0) return '0';
  if (isDecimalExactInR(value)) return String(value).replace('e+', 'e');
  return hexFloat(value);
}

function literal(value: ParameterValue, name: string, path: Array<string | number>, parens: number): string {
  const v = classifyValue(value);
  const where = () => describePath(name, path);
  const open = (n: number) => {
    if (parens + n > MAX_PARENS) {
      throw unrepresentable('R', where(), `lists and maps nest deeper than R's parser reads (${MAX_PARENS} nested parentheses: 50 levels of lists, 25 of maps)`);
    }
    return parens + n;
  };
  switch (v.kind) {
    case 'null':
      return 'NULL';
    case 'bool':
      return v.value ? 'TRUE' : 'FALSE';
    case 'int': {
      const abs = v.value < 0n ? -v.value : v.value;
      if (abs <= DOUBLE_EXACT) return v.value.toString();
      throw unrepresentable('R', where(), `integer ${v.value} is beyond 2^53 (R numbers are doubles; pass it as a string)`);
    }
    case 'float':
      return rDouble(v.value);
    case 'string':
      return rString(v.value, where());
    case 'list': {
      const inner = open(1);
      return `list(${v.items.map((x, i) => literal(x, name, [...path, i], inner)).join(', ')})`;
    }
    case 'map': {
      const inner = open(2);
      if (v.entries.length === 0) return 'structure(list(), names = character(0))';
      const values = v.entries.map(([k, x]) => literal(x, name, [...path, k], inner)).join(', ');
      const keys = v.entries.map(([k]) => rString(k, `${where()} (key)`)).join(', ');
      return `structure(list(${values}), names = c(${keys}))`;
    }
  }
}

/** R (IRkernel). */
export const rTranslator: Translator = {
  language: 'R',
  languages: ['r'],
  kernelNames: ['ir', 'irkernel'],
  assign(name, value) {
    checkIdentifier('R', name, IDENTIFIER, RESERVED);
    const code = `${name} <- ${literal(value, name, [], 0)}`;
    // A hex float is exact but unreadable: say the number in a comment.
    return typeof value === 'number' && /^-?0x/.test(code.slice(name.length + 4)) ? `${code}  # ${value}` : code;
  },
  comment: (text) => `# ${text}`,
};
