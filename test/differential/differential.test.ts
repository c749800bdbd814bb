/**
 * Differential test: each notebook of the corpus runs through nbclient (Debian's
 * python3-nbclient 0.7.2, the reference) and through nbrun on the embedded and on the
 * remote gateway; after the normalisation rules of normalize.ts (each justified there)
 * the notebooks must be identical, execution-count sequences included.
 *
 * Both engines run with errors allowed, so every cell runs and is compared. Fixtures
 * left out of the corpus, and why:
 *  - widgets-comm: nbclient 0.7.2 crashes on ipywidgets 6's comm_open (KeyError 'state'
 *    in on_comm_open_jupyter_widget), so there is no reference; execution/outputs checks it.
 *  - sleep-60s, kernel-suicide: they test failure paths (timeout, death), where nbclient
 *    raises instead of producing a notebook; execution/failures checks them.
 *  - print-300k-lines and the 300-cell notebook: runtime; execution/large checks them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '@nbrun/core';
import { gatewayCases } from '../helpers/gateways.js';
import { fixturePath, readExecuted } from '../helpers/notebooks.js';
import { comparable } from './normalize.js';

const run = promisify(execFile);
const RUN_NBCLIENT = fileURLToPath(new URL('./run_nbclient.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nbrun-differential-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CORPUS = [
  'basics.ipynb',
  'magics.ipynb',
  'rich-display.ipynb',
  'display-update.ipynb',
  'clear-output.ipynb',
  'stdout-stderr-interleaved.ipynb',
  'progress-carriage-return.ipynb',
  'error-stops-run.ipynb',
  'raises-exception-tag.ipynb',
  'skip-execution-tag.ipynb',
  'sysexit.ipynb',
  'sysexit0.ipynb',
  'sysexit1.ipynb',
  'exit-builtin.ipynb',
  'unicode.ipynb',
  'input-prompt.ipynb',
  'markdown-raw-passthrough.ipynb',
  'other-tools-metadata.ipynb',
  'empty-code-cells.ipynb',
  'r-basics.ipynb',
];

/** Runs the reference: nbclient with allow_errors=True. */
async function runNbclient(input: string, output: string): Promise<void> {
  await run('/usr/bin/python3', [RUN_NBCLIENT, input, output, '--timeout', '120'], {
    // Silences debugpy's frozen-modules warning, which ipykernel prints at start.
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    timeout: 120_000,
  });
}

describe('nbrun matches nbclient', () => {
  const gateways = gatewayCases();
  it.each(CORPUS)('%s', async (fixture) => {
    const input = fixturePath(fixture);
    const reference = join(dir, `nbclient-${fixture}`);
    const outs = gateways.map((gw) => join(dir, `nbrun-${gw.name}-${fixture}`));
    // The three runs are independent: run them side by side.
    await Promise.all([
      runNbclient(input, reference),
      ...gateways.map((gw, i) => runNotebook(input, { ...gw.options, outputPath: outs[i], allowErrors: true, cellTimeoutMs: 120_000 })),
    ]);
    const expected = comparable(readExecuted(reference));
    expect(expected.executionCounts.some((c) => c !== null), 'the reference executed something').toBe(true);
    gateways.forEach((gw, i) => {
      const actual = comparable(readExecuted(outs[i]!));
      expect.soft(actual.executionCounts, `${gw.name}: execution counts`).toEqual(expected.executionCounts);
      expect.soft(actual, `${gw.name}: notebook`).toEqual(expected);
    });
  });
});
