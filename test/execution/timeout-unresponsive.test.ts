/**
 * A cell that ignores SIGINT outlives its `--execution-timeout`: the interrupt gets a short
 * grace, then the kernel is shut down (killed if it will not exit), and the message says so
 * instead of "kernel interrupted".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { runCli } from '../helpers/cli.js';
import { cellRecord, readExecuted, runRecord } from '../helpers/notebooks.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-unresponsive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--execution-timeout on a cell that ignores SIGINT', () => {
  it('exits 4 and says the kernel did not stop after the interrupt and was shut down', async () => {
    const input = join(dir, 'stubborn.ipynb');
    const cell = (id: string, source: string) => ({ cell_type: 'code', execution_count: null, id, metadata: {}, outputs: [], source });
    writeFileSync(input, JSON.stringify({
      cells: [cell('u-0', 'import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(60)'), cell('u-1', 'print("never")')],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    }));
    const out = join(dir, 'stubborn.out.ipynb');
    const t0 = performance.now();
    const { code, stderr } = await runCli(['run', input, out, '--execution-timeout', '2']);
    const seconds = (performance.now() - t0) / 1000;
    expect(code, stderr).toBe(EXIT_CODES.timeout);
    expect(stderr).toMatch(/cell 0 timed out after 2 s \(kernel interrupted; it did not stop within 3 s, so the kernel was shut down\)/);
    const nb = readExecuted(out);
    expect(runRecord(nb)).toMatchObject({ status: 'timed-out', error: { code: 'E_CELL_TIMEOUT' } });
    expect(cellRecord(nb, 'u-0')).toMatchObject({ status: 'timed-out' });
    console.log(`unresponsive cell, --execution-timeout 2: ended after ${seconds.toFixed(1)} s`);
  });
});
