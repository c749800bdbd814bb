/**
 * Round trip through real kernels: random values are injected by `runNotebook` (the
 * injected cell, as a user's run gets it), executed by ipykernel, IRkernel and the Octave
 * kernel, printed back as JSON by the notebook's last cell, and must equal the input.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNotebook, type Notebook, type ParameterValue } from '@nbrun/core';
import { parseParameterJson } from '@nbrun/core/parameters';
import { classifyValue } from '../../src/parameters/values.js';
import { markFloat } from '../../src/parameters/float-value.js';
import { TRICKY_CHARS, anyValue, type ValueLimits } from './arbitraries.js';
import { OCTAVE_JSON_PRINTER, R_JSON_PRINTER } from './interpreters.js';

const RUNS = Number(process.env.NBRUN_PROPERTY_RUNS ?? 2);

// The Octave printer goes to function files in the kernel's working directory: the Octave
// kernel feeds a cell to Octave line by line, so a long cell is slow.
let octaveDir: string;
beforeAll(async () => {
  octaveDir = await mkdtemp(join(tmpdir(), 'nbrun-octave-'));
  for (const part of OCTAVE_JSON_PRINTER.split(/^(?=function )/m).filter((p) => p.trim())) {
    await writeFile(join(octaveDir, `${/function out = (\w+)/.exec(part)![1]}.m`), part);
  }
});
afterAll(async () => {
  await rm(octaveDir, { recursive: true, force: true });
});

function notebook(kernel: string, language: string, defaults: string, printer: string): Notebook {
  const cell = (id: string, source: string, tags?: string[]) => ({
    cell_type: 'code' as const, id, source, outputs: [], execution_count: null, metadata: tags ? { tags } : {},
  });
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: kernel, display_name: kernel, language } },
    cells: [cell('params', defaults, ['parameters']), cell('print', printer)],
  };
}

/** As the kernel prints it back: ints as `int` says, whole floats marked (`1.0`) by every printer here. */
function project(value: ParameterValue, int: (v: bigint) => unknown): unknown {
  const v = classifyValue(value);
  if (v.kind === 'int') return int(v.value);
  if (v.kind === 'float') return markFloat(v.value);
  if (v.kind === 'list') return v.items.map((x) => project(x, int));
  if (v.kind === 'map') return Object.fromEntries(v.entries.map(([k, x]) => [k, project(x, int)]));
  return value;
}
const toEntries = (o: unknown): unknown => (Array.isArray(o) ? o.map(toEntries) : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).map(([k, x]) => [k, toEntries(x)])) : o);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

interface Case {
  kernel: string;
  language: string;
  batch: number;
  runs: number;
  limits: ValueLimits;
  defaults: string;
  printer: string;
  int: (v: bigint) => unknown;
  options?: () => { cwd: string; env: Record<string, string> };
}

const cases: Case[] = [
  {
    kernel: 'python3', language: 'python', batch: 30, runs: RUNS, limits: {}, defaults: 'v0 = None  # first value\n',
    printer: `import json\nfor _i in range(30):\n    print(json.dumps(globals()['v%d' % _i], ensure_ascii=True))`,
    int: (v) => (v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v),
  },
  {
    kernel: 'ir', language: 'R', batch: 30, runs: RUNS, limits: { nul: false, minInt: -(2n ** 53n), maxInt: 2n ** 53n },
    defaults: 'v0 <- NULL  # first value\n',
    printer: `${R_JSON_PRINTER}\nfor (.i in seq_len(30) - 1) cat(.nbrun_j(get(paste0("v", .i))), "\\n", sep = "")`,
    // Integers are R numerics (doubles), as papermill injects them.
    int: (v) => markFloat(Number(v)),
  },
  {
    // Few values: the Octave kernel takes about a second per injected line.
    kernel: 'octave', language: 'octave', batch: 6, runs: 1, limits: { emptyKey: false, minInt: -(2n ** 63n), maxInt: 2n ** 64n - 1n, depth: 2 },
    defaults: 'v0 = [];\n',
    printer: `for nbrun_i = 0:5\n  printf('%s\\n', nbrun_j(eval(sprintf('v%d', nbrun_i))));\nend`,
    int: (v) => (v >= -(2n ** 53n) && v <= 2n ** 53n ? markFloat(Number(v)) : v),
    // TERM=dumb: otherwise Octave's readline writes bracketed-paste escapes into the output.
    options: () => ({ cwd: octaveDir, env: { TERM: 'dumb' } }),
  },
];

describe('parameters injected by runNotebook come back exactly from the real kernel', () => {
  for (const c of cases) {
    it(c.kernel, async () => {
      await fc.assert(
        // The first value always holds every tricky character (line separators, quotes, bidi…).
        fc.asyncProperty(fc.array(anyValue(c.limits), { minLength: c.batch - 1, maxLength: c.batch - 1 }), async (random) => {
          const values: ParameterValue[] = [TRICKY_CHARS.join(''), ...random];
          const params = Object.fromEntries(values.map((v, i) => [`v${i}`, v]));
          const nb = notebook(c.kernel, c.language, c.defaults, c.printer);
          const result = await runNotebook(nb, { parameters: params, kernelName: c.kernel, ...c.options?.() });
          expect(result.status).toBe('completed');
          const cells = result.notebook.cells;
          expect(cells.map((x) => (x.metadata.tags as string[] | undefined) ?? [])).toEqual([['parameters'], ['injected-parameters'], []]);
          const text = (cells[2] as { outputs: Array<{ output_type: string; text?: string | string[] }> }).outputs
            .filter((o) => o.output_type === 'stream')
            .map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text))
            .join('');
          const got = text.split(/\r?\n/).filter(Boolean).map((l) => parseParameterJson(l));
          expect(toEntries(got)).toEqual(values.map((v) => toEntries(project(v, c.int))));
        }),
        { numRuns: c.runs, endOnFailure: true },
      );
    });
  }
});
