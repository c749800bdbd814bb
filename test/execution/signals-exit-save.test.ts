/**
 * A second signal (or SIGHUP) during `nbrun run`: the CLI exits at once on a second
 * SIGINT/SIGTERM, skipping the grace period but not the final save — OUTPUT says
 * `cancelled` and carries the error markers, never `running` from the last autosave.
 * SIGHUP is handled as SIGTERM is (exit 129). Text spilled to disk (a big output) is saved whole
 * and no spill file is left.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { spawnNbrun } from '../helpers/cli.js';
import { cellRecord, fixturePath, markerCells, outputsOf, readExecuted, runRecord, streamText } from '../helpers/notebooks.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-exit-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A cell that ignores SIGINT: the first signal's graceful path cannot end it quickly. */
function stubbornNotebook(): string {
  const path = join(dir, 'stubborn.ipynb');
  const cell = (id: string, source: string) => ({ cell_type: 'code', execution_count: null, id, metadata: {}, outputs: [], source });
  writeFileSync(path, JSON.stringify({
    cells: [
      cell('s-0', 'print("started", flush=True)'),
      cell('s-1', 'import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint("sleeping", flush=True)\ntime.sleep(60)'),
      cell('s-2', 'print("never reached")'),
    ],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  }));
  return path;
}

describe.each([
  { signal: 'SIGINT' as const, exitCode: EXIT_CODES.interrupted },
  { signal: 'SIGTERM' as const, exitCode: EXIT_CODES.terminated },
])('a second $signal during a cell that ignores SIGINT', ({ signal, exitCode }) => {
  it(`exits ${exitCode} at once and leaves OUTPUT marked cancelled`, async () => {
    const out = join(dir, `second-${signal}.ipynb`);
    // Autosave after every change: OUTPUT says `running` before the signals arrive.
    const proc = spawnNbrun(['run', stubbornNotebook(), out, '--log-output', '--autosave-interval', '0']);
    await proc.waitForStderr(/sleeping/);
    proc.child.kill(signal);
    await new Promise((r) => setTimeout(r, 300));
    proc.child.kill(signal);
    const { code } = await proc.exited;
    expect(code, proc.stderr()).toBe(exitCode);

    const nb = readExecuted(out);
    expect(runRecord(nb), proc.stderr()).toMatchObject({ status: 'cancelled', error: { code: 'E_CANCELLED' } });
    expect(streamText(nb, 's-1')).toBe('sleeping\n');
    expect(cellRecord(nb, 's-1')).toMatchObject({ status: 'cancelled' });
    expect(outputsOf(nb, 's-1').at(-1)).toMatchObject({ output_type: 'error', ename: 'Cancelled' });
    expect(markerCells(nb)).toHaveLength(2);
    expect(runRecord(nb).failed_cell).toMatchObject({ id: 's-1' });
  });
});

describe('SIGHUP during a sleeping cell', () => {
  it('is handled as SIGTERM: exit 129, the partial notebook marked cancelled', async () => {
    const out = join(dir, 'SIGHUP.ipynb');
    const proc = spawnNbrun(['run', fixturePath('sleep-60s.ipynb'), out, '--log-output']);
    await proc.waitForStderr(/sleeping/);
    proc.child.kill('SIGHUP');
    const { code } = await proc.exited;
    expect(code, proc.stderr()).toBe(EXIT_CODES.hangup);
    const nb = readExecuted(out);
    expect(runRecord(nb)).toMatchObject({ status: 'cancelled' });
    expect(cellRecord(nb, 'sleep-60s-1')).toMatchObject({ status: 'cancelled' });
    expect(markerCells(nb)).toHaveLength(2);
  });
});

describe('a second SIGTERM after a cell printed more than nbrun keeps in memory', () => {
  it('saves the spilled text whole in OUTPUT and leaves no spill file', async () => {
    const path = join(dir, 'spilled.ipynb');
    const out = join(dir, 'spilled.out.ipynb');
    const tmp = mkdtempSync(join(tmpdir(), 'nbrun-exit-save-tmp-'));
    const lines = 40_000; // 4 MB of stdout: most of it spilled to the temporary file
    writeFileSync(path, JSON.stringify({
      cells: [{
        cell_type: 'code', execution_count: null, id: 'p-0', metadata: {}, outputs: [],
        source: `import signal, sys, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nfor i in range(${lines}):\n    print(f'{i:07d} ' + 'x' * 92)\nsys.stdout.flush()\ntime.sleep(1)\nprint('sleeping', flush=True)\ntime.sleep(60)`,
      }],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    }));
    try {
      const proc = spawnNbrun(['run', path, out, '--log-output'], { env: { ...process.env, TMPDIR: tmp } });
      await proc.waitForStderr(/sleeping/);
      proc.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      proc.child.kill('SIGTERM');
      const { code } = await proc.exited;
      expect(code, proc.stderr()).toBe(EXIT_CODES.terminated);
      const nb = readExecuted(out);
      expect(runRecord(nb)).toMatchObject({ status: 'cancelled' });
      const expected = Array.from({ length: lines }, (_, i) => `${String(i).padStart(7, '0')} ${'x'.repeat(92)}\n`).join('') + 'sleeping\n';
      expect(streamText(nb, 'p-0') === expected, `stream text of ${streamText(nb, 'p-0').length} characters, expected ${expected.length}`).toBe(true);
      expect(readdirSync(tmp).filter((name) => name.startsWith('nbrun-spill'))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
