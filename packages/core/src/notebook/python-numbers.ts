/**
 * Numbers written the way Python's `json.dumps` writes them: `repr(float)` for floats,
 * exact digits for ints, and the original spelling of numbers read from a file whose
 * Python type a JS number cannot tell (`1.0` is a float, `1` an int).
 */

/** A number as Python writes it back, remembered for the holder object/array and key it sits at. */
export interface NumberSpelling {
  value: number;
  text: string;
}

/**
 * Python spellings of numbers a JS number would print differently, keyed by their holder.
 * A WeakMap: nothing leaks, and a spelling is only used while the value at that key is unchanged.
 */
const numberSpellings = new WeakMap<object, Map<string | number, NumberSpelling>>();

/** How many holders have spellings: while 0 (the usual case) the writer skips every lookup. */
let holdersWithSpellings = 0;

/**
 * Remembers the Python spelling of the number at `holder[key]`.
 * @example recordNumberSpelling(metadata, 'version', { value: 1, text: '1.0' })
 */
export function recordNumberSpelling(holder: object, key: string | number, spelling: NumberSpelling): void {
  let spellings = numberSpellings.get(holder);
  if (!spellings) {
    numberSpellings.set(holder, (spellings = new Map()));
    holdersWithSpellings++;
  }
  spellings.set(key, spelling);
}

/**
 * Copies made for writing (e.g. a cell with its source split into lines) keep the object they
 * copy under this symbol, so numbers read with a Python spelling keep it. (A symbol property,
 * not a WeakMap: WeakMap entries for every cell made garbage collection the bottleneck.)
 */
export const COPIED_FROM: unique symbol = Symbol('nbrun.copiedFrom');

/**
 * The spelling Python would write for `value` at `holder[key]`, if it was read with one.
 * @example findNumberSpelling(metadata, 'version', 1) // '1.0' when the file said 1.0
 */
export function findNumberSpelling(holder: object, key: string | number, value: number): string | undefined {
  if (holdersWithSpellings === 0) return undefined;
  const original = (holder as { [COPIED_FROM]?: object })[COPIED_FROM] ?? holder;
  const spelling = numberSpellings.get(original)?.get(key);
  return spelling && Object.is(spelling.value, value) ? spelling.text : undefined;
}

/**
 * `repr(float(value))` as Python writes it in JSON (`1.0`, `1e-05`, `1e+16`, `NaN`, `Infinity`).
 * @example formatPythonFloat(1e16) // '1e+16'
 */
export function formatPythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // toExponential() without digits gives the shortest round-trip digits, as Python's repr does.
  const exp = value.toExponential();
  const e = exp.indexOf('e');
  const exponent = Number(exp.slice(e + 1));
  const negative = value < 0;
  const digits = exp.slice(negative ? 1 : 0, e).replace('.', '');
  const sign = negative ? '-' : '';
  // Python switches to exponent notation when the decimal point is before -4 or after 16 digits.
  if (exponent < -4 || exponent >= 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const abs = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/**
 * A number as Python writes it: integral values as ints (exact digits), others as `repr(float)`.
 * @example formatPythonNumber(0.00001) // '1e-05'
 */
export function formatPythonNumber(value: number): string {
  if (Number.isInteger(value)) {
    // String() switches to exponent notation at 1e21; a Python int never does.
    return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
  }
  return formatPythonFloat(value);
}
