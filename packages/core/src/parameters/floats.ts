/**
 * Exact float spellings for languages whose number parser is not correctly rounded:
 * C99 hexadecimal literals (`0x1.999999999999ap-4`), and a check of whether a parser that
 * scales decimal digits in extended precision (R's `R_strtod`, 64- or 113-bit long double,
 * then rounded to a double) reads a decimal spelling back to exactly the same double.
 */

const view = new DataView(new ArrayBuffer(8));

/** `value` (finite, non-zero) as `mantissa × 2^exponent` with an integer mantissa. */
export function decomposeDouble(value: number): { negative: boolean; mantissa: bigint; exponent: number } {
  view.setFloat64(0, value);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { negative, mantissa: fraction, exponent: -1074 };
  return { negative, mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/**
 * The C99 hexadecimal spelling of a finite double: exact in every language that reads it.
 * @example hexFloat(0.1) // '0x1.999999999999ap-4'
 */
export function hexFloat(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0x0p+0' : '0x0p+0';
  view.setFloat64(0, value);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? '-' : '';
  let exponent = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const lead = exponent === 0 ? '0' : '1';
  exponent = exponent === 0 ? -1022 : exponent - 1023;
  const digits = fraction.toString(16).padStart(13, '0').replace(/0+$/, '');
  return `${sign}0x${lead}${digits ? '.' + digits : ''}p${exponent >= 0 ? '+' : ''}${exponent}`;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds the positive rational a/b to `bits` significant bits, half to even: m × 2^e. */
function roundRational(a: bigint, b: bigint, bits: number): { m: bigint; e: number } {
  let e = bitLength(a) - bitLength(b) - bits;
  for (;;) {
    const num = e < 0 ? a << BigInt(-e) : a;
    const den = e > 0 ? b << BigInt(e) : b;
    let q = num / den;
    if (q >= 1n << BigInt(bits)) {
      e++;
      continue;
    }
    if (q < 1n << BigInt(bits - 1)) {
      e--;
      continue;
    }
    const twice = 2n * (num - q * den);
    if (twice > den || (twice === den && (q & 1n) === 1n)) q++;
    return { m: q, e };
  }
}

/** Rounds m × 2^e to `bits` significant bits, half to even. */
function roundBinary(m: bigint, e: number, bits: number): { m: bigint; e: number } {
  const shift = bitLength(m) - bits;
  if (shift <= 0) return { m, e };
  let q = m >> BigInt(shift);
  const rest = m - (q << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  if (rest > half || (rest === half && (q & 1n) === 1n)) q++;
  return { m: q, e: e + shift };
}

function sameBinary(a: { m: bigint; e: number }, b: { m: bigint; e: number }): boolean {
  const norm = (x: { m: bigint; e: number }) => {
    let { m, e } = x;
    while (m !== 0n && (m & 1n) === 0n) {
      m >>= 1n;
      e++;
    }
    return { m, e };
  };
  const x = norm(a);
  const y = norm(b);
  return x.m === y.m && x.e === y.e;
}

/**
 * True when a decimal-scaling parser (R's) reads `String(value)` back to exactly `value`,
 * whether its long double has 53, 64 or 113 bits; false means: write it in hex.
 * Safe spellings: integers up to 2^53, and `digits × 10^-k` with at most 19 digits and
 * k ≤ 27 (10^k exact in a long double) whose double rounding lands on `value`.
 * @example isDecimalExactInR(0.25) // true
 */
export function isDecimalExactInR(value: number): boolean {
  if (!Number.isFinite(value) || value === 0) return false;
  const abs = Math.abs(value);
  if (Number.isInteger(abs)) return abs <= 2 ** 53;
  const text = String(abs);
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!match) return false;
  const digits = BigInt(match[1]! + (match[2] ?? ''));
  const k = (match[2]?.length ?? 0) - Number(match[3] ?? 0);
  if (k <= 0 || k > 27 || digits >= 1n << 64n) return false;
  const { mantissa, exponent } = decomposeDouble(abs);
  const exact = { m: mantissa, e: exponent };
  const den = 10n ** BigInt(k);
  for (const bits of [64, 113]) {
    const wide = roundRational(digits, den, bits);
    if (!sameBinary(roundBinary(wide.m, wide.e, 53), exact)) return false;
  }
  return true;
}
