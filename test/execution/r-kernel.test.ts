/**
 * An R notebook (IRkernel, kernelspec `ir`) on both gateways: print, a data.frame shown
 * as a rich display, stdout and stderr, and an R error that stops the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, NbrunError, runNotebook } from '@nbrun/core';
import { gatewayCases } from '../helpers/gateways.js';
import {
  cellRecord, countOf, fixturePath, joined, markerCells, outputsOf, readExecuted, runRecord, streamText,
} from '../helpers/notebooks.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-r-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(gatewayCases())('R notebook on the $name gateway', (gw) => {
  it('runs until stop() and reports the R error', async () => {
    const out = join(dir, `${gw.name}-r-basics.ipynb`);
    const error = await runNotebook(fixturePath('r-basics.ipynb'), { ...gw.options, outputPath: out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NbrunError);
    expect((error as NbrunError).exitCode).toBe(EXIT_CODES.cellError);
    const nb = readExecuted(out);
    expect(runRecord(nb)).toMatchObject({ status: 'failed', kernel: { name: 'ir', language: 'R' } });
    expect((nb.metadata.language_info as { name?: string }).name).toBe('R');

    expect(streamText(nb, 'r-basics-0')).toBe('[1] "hello from R"\n');
    const frame = outputsOf(nb, 'r-basics-1');
    expect(frame).toHaveLength(1);
    const data = (frame[0] as { data: Record<string, unknown> }).data;
    expect(Object.keys(data).sort()).toEqual(['text/html', 'text/latex', 'text/markdown', 'text/plain']);
    expect(joined(data['text/html'])).toContain('<caption>A data.frame: 3 × 2</caption>');
    expect(joined(data['text/plain'])).toMatch(/x\s+y\s*\n1\s+1\s+a/);
    expect(streamText(nb, 'r-basics-2')).toBe('to stdout\n');
    expect(streamText(nb, 'r-basics-3', 'stderr')).toMatch(/^to stderr\n/);
    expect(outputsOf(nb, 'r-basics-4')).toEqual([
      expect.objectContaining({ output_type: 'error', ename: 'ERROR', evalue: expect.stringContaining('boom from R') }),
    ]);
    expect(cellRecord(nb, 'r-basics-4')).toMatchObject({ status: 'failed' });
    expect(markerCells(nb).length).toBeGreaterThan(0);
    expect(countOf(nb, 'r-basics-5')).toBeNull();
    expect(['r-basics-0', 'r-basics-1', 'r-basics-2', 'r-basics-3', 'r-basics-4'].map((id) => countOf(nb, id))).toEqual([1, 2, 3, 4, 5]);
  });
});
