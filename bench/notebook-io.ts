/**
 * Notebook I/O micro-benchmark: serialize/parse a notebook of 1000 cells, one of which holds a
 * 300,000-line stream output, next to Python nbformat's writes/reads of the same text.
 * Run: `node --import tsx bench/notebook-io.ts` (prints a markdown table; nothing is asserted).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Notebook } from '../packages/core/src/execute/types.js';
import { parseNotebook, serializeNotebook, writeNotebook } from '../packages/core/src/notebook/index.js';

const REPS = Number(process.env.NBRUN_BENCH_REPS ?? 5);

function manySmallCells(count: number): Notebook {
  const cells = Array.from({ length: count }, (_, i) => ({
    id: `cell-${i}`,
    cell_type: 'code' as const,
    metadata: { tags: [`t${i % 7}`] },
    source: `x = ${i}\nprint(x)`,
    outputs: [
      { output_type: 'execute_result' as const, execution_count: i + 1, data: { 'text/plain': String(i) }, metadata: {} },
      { output_type: 'stream' as const, name: 'stdout', text: 'a\nb\n' },
    ],
    execution_count: i + 1,
  }));
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}

function bigNotebook(floatsInMetadata: boolean): Notebook {
  const lines = Array.from({ length: 300_000 }, (_, i) => `line ${i}: ${'x'.repeat(i % 40)}\n`).join('');
  const cells = Array.from({ length: 1000 }, (_, i) => ({
    id: `cell-${i}`,
    cell_type: 'code' as const,
    metadata: { tags: [`t${i % 7}`], ...(floatsInMetadata ? { papermill: { duration: 1.0 } } : {}) },
    source: `x = ${i}\nprint(x)`,
    outputs:
      i === 500
        ? [{ output_type: 'stream' as const, name: 'stdout', text: lines }]
        : [{ output_type: 'execute_result' as const, execution_count: i + 1, data: { 'text/plain': String(i) }, metadata: {} }],
    execution_count: i + 1,
  }));
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}

/** "median ms (min ms)": the minimum shows the cost without noise from other processes. */
async function median(fn: () => unknown | Promise<unknown>): Promise<string> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return `${(times[Math.floor(times.length / 2)] ?? NaN).toFixed(0)} ms (min ${(times[0] ?? NaN).toFixed(0)})`;
}

function pythonMedian(path: string, what: 'writes' | 'reads'): string {
  const script = `
import nbformat, sys, time, statistics
text = open(sys.argv[1], encoding='utf-8').read()
nb = nbformat.reads(text, 4)
def run():
    return nbformat.writes(nb) if sys.argv[2] == 'writes' else nbformat.reads(text, 4)
run()
times = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter(); run(); times.append((time.perf_counter() - t) * 1000)
print('%.0f ms (min %.0f)' % (statistics.median(times), min(times)))`;
  return execFileSync('/usr/bin/python3', ['-c', script, path, what, String(REPS)], { encoding: 'utf8' }).trim();
}

const dir = mkdtempSync(join(tmpdir(), 'nbrun-bench-io-'));
try {
  const rows: string[] = [];
  const nb = bigNotebook(false);
  const text = serializeNotebook(nb);
  const path = join(dir, 'big.ipynb');
  writeFileSync(path, text);
  const mb = (Buffer.byteLength(text) / 1e6).toFixed(1);
  rows.push(`| serializeNotebook (1000 cells, 300k-line output, ${mb} MB) | ${await median(() => serializeNotebook(nb))} | ${pythonMedian(path, 'writes')} (nbformat.writes) |`);
  rows.push(`| JSON.stringify(nb, null, 1), for scale | ${await median(() => JSON.stringify(nb, null, 1))} | |`);
  rows.push(`| parseNotebook (native JSON.parse path) | ${await median(() => parseNotebook(text, path))} | ${pythonMedian(path, 'reads')} (nbformat.reads, incl. validation) |`);
  const withFloats = serializeNotebook(bigNotebook(true)).replaceAll('"duration": 1', '"duration": 1.0');
  rows.push(`| parseNotebook (text with \`1.0\` numbers: exact-spelling parser) | ${await median(() => parseNotebook(withFloats, path))} | |`);
  const many = manySmallCells(10_000);
  const manyText = serializeNotebook(many);
  const manyPath = join(dir, 'many.ipynb');
  writeFileSync(manyPath, manyText);
  rows.push(`| serializeNotebook (10,000 small cells, ${(Buffer.byteLength(manyText) / 1e6).toFixed(1)} MB) | ${await median(() => serializeNotebook(many))} | ${pythonMedian(manyPath, 'writes')} (nbformat.writes) |`);
  rows.push(`| parseNotebook (10,000 small cells) | ${await median(() => parseNotebook(manyText, manyPath))} | ${pythonMedian(manyPath, 'reads')} (nbformat.reads) |`);
  rows.push(`| writeNotebook (serialize + temp file + fsync + rename) | ${await median(() => writeNotebook(join(dir, 'out.ipynb'), nb))} | |`);
  console.log(`Median of ${REPS} runs, Node ${process.version}.\n`);
  console.log('| operation | nbrun | Python nbformat 5 |\n|---|---|---|');
  console.log(rows.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
