/** The kernels behind `nbrun test`: how many are started, restarted, and that none outlives the suite. */
import { join } from 'node:path';
import { liveKernelCount } from '@nbrun/core';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../../../test/helpers/cli.js';
import { runSuite } from '../src/test-runner/run-suite.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/nbtest');
// Three Python notebooks in one folder (one kernel key) and one R notebook.
const notebooks = ['allowed-errors.ipynb', 'failing.ipynb', 'passing.ipynb', 'passing-r.ipynb'].map((f) => join(FIXTURES, f));

describe('kernels of a suite', () => {
  test.each([
    { mode: 'fresh, pre-started (default)', options: {}, started: 4, restarted: 0 },
    { mode: 'fresh, not pre-started', options: { prestart: false }, started: 4, restarted: 0 },
    // One kernel per kernelspec: python3 restarted twice for the two later Python notebooks.
    { mode: 'reused', options: { reuseKernels: true }, started: 2, restarted: 2 },
  ])('$mode: $started kernels started, $restarted restarts, none left running', async ({ options, started, restarted }) => {
    const before = liveKernelCount();
    const suite = await runSuite(notebooks, REPO_ROOT, { jobs: 1, ...options });
    expect(suite.outcomes.map((o) => `${o.status} ${o.display}`)).toEqual([
      'pass test/fixtures/nbtest/allowed-errors.ipynb',
      'fail test/fixtures/nbtest/failing.ipynb',
      'pass test/fixtures/nbtest/passing.ipynb',
      'pass test/fixtures/nbtest/passing-r.ipynb',
    ]);
    expect(suite.kernelsStarted).toBe(started);
    expect(suite.kernelsRestarted).toBe(restarted);
    expect(liveKernelCount()).toBe(before);
  });
});
