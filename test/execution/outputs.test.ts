/**
 * Output fixtures through the API (`runNotebook`) on both gateways, errors not allowed:
 * the run completes, the written notebook validates against nbformat 4.5, equals the
 * returned one, carries the run record, and holds exactly the outputs the kernel
 * produced (expectations.ts). The other output fixtures get the same checks in the
 * differential test, which runs them anyway (one run per fixture and gateway, not two).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook, streamNotebook, type Notebook, type RunEvent } from '@nbrun/core';
import { gatewayCases } from '../helpers/gateways.js';
import { fixturePath, joinMultiline, readExecuted, runRecord } from '../helpers/notebooks.js';
import { OUTPUT_CASES } from './expectations.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

/** The run record at notebook level, and per executed cell nbrun's record plus nbclient's timestamps. */
function expectBookkeeping(nb: Notebook, inputPath: string, outputPath: string): void {
  expect(runRecord(nb)).toMatchObject({
    status: 'completed', kernel: { name: 'python3', language: 'python' }, parameters: {},
    start_time: ISO, end_time: ISO, duration: expect.any(Number), input_path: inputPath, output_path: outputPath,
  });
  for (const cell of nb.cells) {
    const count = (cell as { execution_count?: number | null }).execution_count;
    if (cell.cell_type !== 'code' || count == null) continue;
    const md = cell.metadata as Record<string, unknown>;
    expect(md.nbrun, cell.id as string).toMatchObject({ status: 'completed', start_time: ISO, end_time: ISO, duration: expect.any(Number) });
    expect(md.execution, cell.id as string).toEqual({
      'iopub.status.busy': ISO, 'iopub.execute_input': ISO, 'shell.execute_reply': ISO, 'iopub.status.idle': ISO,
    });
  }
}

// widgets-comm and widgets-output (ipywidgets 6) have no nbclient reference; basics and unicode (a raises-exception cell) check errors-not-allowed runs.
const HERE = ['basics.ipynb', 'unicode.ipynb', 'widgets-comm.ipynb', 'widgets-output.ipynb'];

describe.each(gatewayCases())('outputs on the $name gateway', (gw) => {
  it.each(OUTPUT_CASES.filter((c) => HERE.includes(c.fixture)))('$fixture', async ({ fixture, check }) => {
    const outputPath = join(dir, `${gw.name}-${fixture}`);
    const result = await runNotebook(fixturePath(fixture), { ...gw.options, outputPath });
    expect(result.status).toBe('completed');
    expect(result.error).toBeUndefined();
    const written = readExecuted(outputPath);
    // What is on disk is what the API returned.
    expect(written).toEqual(joinMultiline(result.notebook));
    expectBookkeeping(written, fixturePath(fixture), outputPath);
    check(written);
  });
});

describe('streamNotebook', () => {
  it('reports the run as typed events, in order, each output inside its cell', async () => {
    const outputPath = join(dir, 'events-basics.ipynb');
    const events: RunEvent[] = [];
    let running: number | undefined;
    const misplaced: string[] = [];
    for await (const ev of streamNotebook(fixturePath('basics.ipynb'), { outputPath })) {
      events.push(ev);
      if (ev.type === 'cell-start') running = ev.index;
      if (ev.type === 'cell-end') running = undefined;
      if (ev.type === 'output' && ev.index !== running) misplaced.push(`output of cell ${ev.index} while ${running} runs`);
    }
    expect(misplaced).toEqual([]);
    const steps = events
      .filter((e) => e.type !== 'output' && e.type !== 'warning' && e.type !== 'saved')
      .map((e) => ('index' in e ? `${e.type}:${e.index}` : e.type));
    const cells = [1, 2, 3, 4, 5].flatMap((i) => [`cell-start:${i}`, `cell-end:${i}`]);
    expect(steps).toEqual(['run-start', 'kernel-ready', ...cells, 'run-end']);
    // Every save is told: the autosave after the first cell (the first save is never held back) and the last one.
    const saves = events.flatMap((e, i) => (e.type === 'saved' ? [{ i, path: e.path }] : []));
    expect(saves.length).toBeGreaterThanOrEqual(2);
    expect(saves.every((s) => s.path === outputPath)).toBe(true);
    expect(saves.at(-1)!.i).toBe(events.length - 2);
    expect(saves[0]!.i).toBeLessThan(events.findIndex((e) => e.type === 'cell-end' && e.index === 5));
    expect(events[0]).toMatchObject({ type: 'run-start', cellCount: 6, codeCellCount: 5 });
    expect(events[1]).toMatchObject({ type: 'kernel-ready', kernelName: 'python3', language: 'python' });
    const ends = events.filter((e) => e.type === 'cell-end');
    expect(ends.map((e) => [e.status, e.executionCount])).toEqual([1, 2, 3, 4, 5].map((n) => ['completed', n]));
    const outputs = events.filter((e) => e.type === 'output').map((e) => e.index);
    expect(new Set(outputs)).toEqual(new Set([1, 2, 4, 5]));
    const last = events.at(-1);
    expect(last?.type === 'run-end' && last.result.status).toBe('completed');
    OUTPUT_CASES.find((c) => c.fixture === 'basics.ipynb')!.check(readExecuted(outputPath));
  });
});
