/**
 * The one rule for a `-p NAME VALUE` text, papermill's (`_resolve_type` in its cli.py):
 * `True`/`False` → boolean, `None` → null, what Python's `int()` reads → an integer, what
 * its `float()` reads → a float, anything else → the text itself. Shared by `nbrun -p`
 * and `nbrun-runner -p`.
 */
import { markFloat, type FloatValue } from './float-value.js';
import { normalizeInteger } from './values.js';

// Python's int()/float() spellings: surrounding whitespace, a sign, `_` between digits.
const INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const DIGITS = String.raw`\d+(?:_\d+)*`;
const FLOAT = new RegExp(String.raw`^\s*[+-]?(?:${DIGITS}\.(?:${DIGITS})?|\.${DIGITS}|${DIGITS})(?:[eE][+-]?${DIGITS})?\s*$`);
const SPECIAL_FLOAT = /^\s*([+-]?)(inf|infinity|nan)\s*$/i;

/**
 * A `-p` value as papermill infers it. Integers stay exact beyond 2^53 (bigint); a float
 * keeps its lexical form: `1.0` and `1e3` are {@link FloatValue}s, injected as `1.0` and
 * `1000.0`, never as the integers `1` and `1000`.
 * @example inferParameterValue('42') // 42
 * @example inferParameterValue('1.0') // FloatValue { value: 1 }
 * @example inferParameterValue('true') // 'true' (papermill's booleans are True and False)
 */
export function inferParameterValue(text: string): null | boolean | number | bigint | FloatValue | string {
  if (text === 'True') return true;
  if (text === 'False') return false;
  if (text === 'None') return null;
  if (INT.test(text)) return normalizeInteger(BigInt(text.trim().replace(/_/g, '')));
  if (FLOAT.test(text)) return markFloat(Number(text.trim().replace(/_/g, '')));
  const special = SPECIAL_FLOAT.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  return text;
}
