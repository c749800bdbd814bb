/**
 * Round-trip property tests: random values of every kind → literal → evaluated by the real
 * language runtime → printed back → read losslessly → must equal the input (as that
 * language holds it). One interpreter process per batch of values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ParameterValue } from '@nbrun/core';
import { bashTranslator, javascriptTranslator, octaveTranslator, parseParameterJson, pythonTranslator, rTranslator, stringifyParameterValue, type Translator } from '@nbrun/core/parameters';
import { classifyValue } from '../../src/parameters/values.js';
import { markFloat } from '../../src/parameters/float-value.js';
import { bashScalarText } from '../../src/parameters/translators/bash.js';
import { anyValue, type ValueLimits } from './arbitraries.js';
import { evalBash, evalNode, evalOctave, evalPython, evalR, type BashVariable } from './interpreters.js';

const BATCH = 60;
// NBRUN_PROPERTY_RUNS raises the number of batches (e.g. for a long local soak).
const RUNS = Number(process.env.NBRUN_PROPERTY_RUNS ?? 4);

/**
 * Maps every value the way a language holds it and prints it back: ints → number, bigint
 * or a float (R and Octave numbers are doubles); floats → a FloatValue when the printer
 * marks whole floats (`1.0`: Python, R, Octave), else the number (JavaScript).
 */
function project(value: ParameterValue, int: (v: bigint) => unknown, float: (v: number) => unknown = markFloat): unknown {
  const v = classifyValue(value);
  switch (v.kind) {
    case 'int':
      return int(v.value);
    case 'float':
      return float(v.value);
    case 'list':
      return v.items.map((x) => project(x, int, float));
    case 'map':
      return Object.fromEntries(v.entries.map(([k, x]) => [k, project(x, int, float)]));
    default:
      return value;
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const exactInt = (v: bigint) => (v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v);
const toEntries = (o: unknown): unknown => (Array.isArray(o) ? o.map(toEntries) : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).map(([k, x]) => [k, toEntries(x)])) : o);

function program(translator: Translator, values: ParameterValue[]): string {
  return values.map((v, i) => translator.assign(`v${i}`, v)).join('\n');
}

interface Case {
  name: string;
  translator: Translator;
  limits: ValueLimits;
  evaluate: (code: string, n: number) => Promise<unknown[]>;
  int: (v: bigint) => unknown;
  float?: (v: number) => unknown;
}

const cases: Case[] = [
  { name: 'Python (/usr/bin/python3)', translator: pythonTranslator, limits: {}, evaluate: evalPython, int: exactInt },
  {
    name: 'R (Rscript)',
    translator: rTranslator,
    limits: { nul: false, minInt: -(2n ** 53n), maxInt: 2n ** 53n },
    evaluate: evalR,
    // Integers are injected as R numerics (doubles, as papermill does), exact up to 2^53.
    int: (v) => markFloat(Number(v)),
  },
  {
    name: 'Octave (octave-cli)',
    translator: octaveTranslator,
    limits: { emptyKey: false, minInt: -(2n ** 63n), maxInt: 2n ** 64n - 1n },
    evaluate: evalOctave,
    // Octave numbers are doubles; beyond 2^53 integers are int64/uint64.
    int: (v) => (v >= -(2n ** 53n) && v <= 2n ** 53n ? markFloat(Number(v)) : v),
  },
  { name: 'JavaScript (node)', translator: javascriptTranslator, limits: {}, evaluate: evalNode, int: exactInt, float: (v) => v },
];

describe('literals evaluate back to exactly the value in the real runtime', () => {
  for (const c of cases) {
    it(c.name, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(anyValue(c.limits), { minLength: BATCH, maxLength: BATCH }), async (values) => {
          const got = await c.evaluate(program(c.translator, values), values.length);
          expect(toEntries(got)).toEqual(values.map((v) => toEntries(project(v, c.int, c.float))));
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    });
  }

  it('Bash (bash): strings exact, scalar lists as arrays, scalar maps as associative arrays, the rest as JSON', async () => {
    const expected = (value: ParameterValue): BashVariable => {
      const v = classifyValue(value);
      const scalar = (x: ParameterValue) => {
        const k = classifyValue(x);
        return k.kind === 'list' || k.kind === 'map' ? undefined : bashScalarText(k);
      };
      if (v.kind === 'list' && v.items.every((x) => scalar(x) !== undefined)) return { type: 'a', items: v.items.map((x) => scalar(x)!) };
      if (v.kind === 'map' && v.entries.every(([k, x]) => k !== '' && scalar(x) !== undefined)) {
        return { type: 'A', entries: Object.fromEntries(v.entries.map(([k, x]) => [k, scalar(x)!])) };
      }
      return { type: 's', text: scalar(value) ?? stringifyParameterValue(value) };
    };
    await fc.assert(
      fc.asyncProperty(fc.array(anyValue({ nul: false }), { minLength: BATCH, maxLength: BATCH }), async (values) => {
        const names = values.map((_, i) => `v${i}`);
        const got = await evalBash(program(bashTranslator, values), names);
        expect(got).toEqual(values.map(expected));
        // Nested values travel as JSON text that reads back to the same value.
        for (const [i, g] of got.entries()) {
          const k = classifyValue(values[i]!).kind;
          if (g.type === 's' && (k === 'list' || k === 'map')) expect(toEntries(parseParameterJson(g.text))).toEqual(toEntries(project(values[i]!, exactInt)));
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});

describe('Python: integers longer than 4300 digits (3.11 refuses such decimal literals) are written in hex, exactly', () => {
  it('10^5000 - 1, -(2^20000), and the 4300-digit boundary', async () => {
    const values = [10n ** 5000n - 1n, -(2n ** 20000n), 10n ** 4299n, 10n ** 4300n];
    const code = `import sys\n${program(pythonTranslator, values)}\nsys.set_int_max_str_digits(0)\nfor _i in range(${values.length}):\n    print(globals()['v%d' % _i])\n`;
    const { execFile } = await import('node:child_process');
    const out = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/python3', ['-c', code], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
    );
    expect(out.trim().split('\n').map((l) => BigInt(l))).toEqual(values);
    expect(pythonTranslator.assign('x', 10n ** 4299n)).toBe(`x = 1${'0'.repeat(4299)}`);
    expect(pythonTranslator.assign('x', -(2n ** 20000n))).toMatch(/^x = -0x10{5000}$/);
  });
});

describe("R's parser is not correctly rounded: every double must still come back exactly", () => {
  it('5000 random doubles (all bit patterns) and 5000 short decimals through Rscript', async () => {
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    const values: number[] = [];
    const rng = fc.sample(fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })), 5000);
    for (const [lo, hi] of rng) {
      words[0] = lo;
      words[1] = hi;
      if (Number.isFinite(bits[0]!)) values.push(bits[0]!);
    }
    const decimals = fc.sample(fc.tuple(fc.integer({ min: 1, max: 999_999_999_999 }), fc.integer({ min: -25, max: 5 })), 5000);
    for (const [digits, exp] of decimals) values.push(Number(`${digits}e${exp}`));
    const got = await evalR(program(rTranslator, values), values.length);
    // Whole doubles come back marked as floats (`5.0`): compare the numbers.
    expect(got.map(Number)).toEqual(values);
  });
});
