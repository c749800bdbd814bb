/**
 * Stream text kept as pieces (a run's stream outputs, spilled text read back) is written about
 * 1 MiB at a time whatever its line endings: progress text redrawn with `\r` alone, a line that
 * never ends, `\r\n` and surrogate pairs split between pieces — and the bytes are still those
 * Python's nbformat writes for the same text (kept verbatim, as nbclient keeps it).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notebook } from '@nbrun/core/execute/types.js';
import { writeNotebook } from '@nbrun/core/notebook/index.js';
import { writePythonJson } from '../../src/notebook/json-write.js';
import { STREAM_PIECES, prepareNotebookForWrite } from '../../src/notebook/lines.js';
import { writeWithPythonNbformat } from './python-nbformat.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nbrun-stream-lines-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A notebook whose one stream output keeps its text as `pieces` (as a run's output does). */
function notebookWithPieces(pieces: string[]): { nb: Notebook; plain: object } {
  const output = { output_type: 'stream', name: 'stdout' } as Record<string, unknown>;
  Object.defineProperty(output, STREAM_PIECES, { value: { chunks: () => pieces[Symbol.iterator]() }, enumerable: false });
  Object.defineProperty(output, 'text', { enumerable: true, get: () => pieces.join('') });
  const cell = (outputs: object[]) => ({ id: 'c', cell_type: 'code', metadata: {}, source: 'x', execution_count: 1, outputs });
  const meta = { nbformat: 4, nbformat_minor: 5, metadata: {} };
  return {
    nb: { ...meta, cells: [cell([output])] } as unknown as Notebook,
    plain: { ...meta, cells: [cell([{ output_type: 'stream', name: 'stdout', text: pieces.join('') }])] },
  };
}

/** The largest piece the writer hands to its sink at once (what it held). */
function largestWrite(nb: Notebook): number {
  let largest = 0;
  writePythonJson(prepareNotebookForWrite(nb), (piece) => {
    largest = Math.max(largest, piece.length);
  });
  return largest;
}

const MiB = 1 << 20;

const cases: Array<{ name: string; pieces: () => string[] }> = [
  {
    // tqdm: each update rewrites the line after a `\r`; 12 MB without a single `\n`.
    name: 'progress text redrawn with \\r alone',
    pieces: () => Array.from({ length: 200_000 }, (_, i) => `\r${String(i).padStart(6)}/200000 [${'#'.repeat(i % 40).padEnd(40)}] ${i % 97}it/s`),
  },
  {
    name: 'one line of 6 MB that never ends, a surrogate pair split between pieces',
    pieces: () => Array.from({ length: 6 }, (_, i) => (i % 2 === 1 ? '\ude00' : '') + 'x'.repeat(MiB - 1) + (i % 2 === 0 ? '\ud83d' : '')),
  },
  {
    name: '\\r\\n split between pieces, and \\r with other line boundaries',
    pieces: () => Array.from({ length: 120_000 }, (_, i) => (i % 3 === 0 ? `line ${i} \u2028 é\r` : i % 3 === 1 ? `\n${'y'.repeat(i % 50)}\r` : `step ${i}\x0b`)),
  },
];

describe('stream text kept as pieces is written slice by slice, as Python nbformat writes it', () => {
  it.each(cases)('$name', async ({ name, pieces }) => {
    const list = pieces();
    const { nb, plain } = notebookWithPieces(list);
    // Before: a text without `\n` was held whole by the writer and written as one piece.
    expect(largestWrite(nb), name).toBeLessThan(4 * MiB);
    const base = join(scratch, name.replace(/\W+/g, '-'));
    await writeNotebook(`${base}.nbrun.ipynb`, nb);
    await writeFile(`${base}.plain.json`, JSON.stringify(plain));
    await writeWithPythonNbformat([[`${base}.plain.json`, `${base}.python.ipynb`]]);
    const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
    expect(await sha(`${base}.nbrun.ipynb`)).toBe(await sha(`${base}.python.ipynb`));
  }, 120_000);
});
