/**
 * Size: one cell printing 300,000 lines (complete, in order, in the output notebook) —
 * run twice only: the API on the embedded gateway, the CLI on the remote one — and a
 * 300-cell notebook executed in order on both gateways.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, runNotebook, type Notebook } from '@nbrun/core';
import { runCli } from '../helpers/cli.js';
import { gatewayCases } from '../helpers/gateways.js';
import { countOf, fixturePath, outputsOf, readExecuted, streamText } from '../helpers/notebooks.js';
import { manyCellsNotebook } from './expectations.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LINES = 300_000;

function expectAllLines(nb: Notebook): void {
  const outputs = outputsOf(nb, 'print-300k-lines-0');
  // Consecutive stream messages merge into one output.
  expect(outputs).toHaveLength(1);
  const text = streamText(nb, 'print-300k-lines-0');
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.length).toBe(LINES);
  const wrong = lines.findIndex((l, i) => l !== String(i));
  expect(wrong, `first wrong line: ${wrong} = ${JSON.stringify(lines[wrong])}`).toBe(-1);
  expect(streamText(nb, 'print-300k-lines-1')).toBe('done\n');
}

describe('a cell printing 300,000 lines', () => {
  it('is complete through the API on the embedded gateway', async () => {
    const out = join(dir, 'lines-embedded.ipynb');
    const result = await runNotebook(fixturePath('print-300k-lines.ipynb'), { outputPath: out });
    expect(result.status).toBe('completed');
    expect(result.warnings).toEqual([]);
    expectAllLines(readExecuted(out));
  });

  it('is complete through the CLI on the remote gateway', async () => {
    const [, remote] = gatewayCases();
    const out = join(dir, 'lines-remote.ipynb');
    const { code, stderr } = await runCli(['run', fixturePath('print-300k-lines.ipynb'), out, ...remote!.flags]);
    expect(code, stderr).toBe(EXIT_CODES.ok);
    expect(stderr).not.toMatch(/warning/i);
    expectAllLines(readExecuted(out));
  });
});

describe.each(gatewayCases())('300 cells on the $name gateway', (gw) => {
  it('all run, in order', async () => {
    const input = join(dir, `many-${gw.name}.ipynb`);
    const out = join(dir, `many-${gw.name}.out.ipynb`);
    writeFileSync(input, JSON.stringify(manyCellsNotebook(300)));
    const result = await runNotebook(input, { ...gw.options, outputPath: out });
    expect(result.status).toBe('completed');
    const nb = readExecuted(out);
    const counts = Array.from({ length: 300 }, (_, i) => countOf(nb, `many-${i}`));
    expect(counts).toEqual(Array.from({ length: 300 }, (_, i) => i + 2));
    const texts = Array.from({ length: 300 }, (_, i) => streamText(nb, `many-${i}`));
    expect(texts).toEqual(Array.from({ length: 300 }, (_, i) => `${i}\n`));
    expect(streamText(nb, 'many-check')).toBe('True\n');
    expect(result.cells.filter((c) => c.status === 'completed')).toHaveLength(302);
  });
});
