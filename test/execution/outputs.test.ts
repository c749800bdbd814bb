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
import { runNotebook } from '@nbrun/core';
import { gatewayCases } from '../helpers/gateways.js';
import { fixturePath, joinMultiline, readExecuted, runRecord } from '../helpers/notebooks.js';
import { OUTPUT_CASES } from './expectations.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// widgets-comm has no nbclient reference; basics and unicode (a raises-exception cell) check errors-not-allowed runs.
const HERE = ['basics.ipynb', 'unicode.ipynb', 'widgets-comm.ipynb'];

describe.each(gatewayCases())('outputs on the $name gateway', (gw) => {
  it.each(OUTPUT_CASES.filter((c) => HERE.includes(c.fixture)))('$fixture', async ({ fixture, check }) => {
    const outputPath = join(dir, `${gw.name}-${fixture}`);
    const result = await runNotebook(fixturePath(fixture), { ...gw.options, outputPath });
    expect(result.status).toBe('completed');
    expect(result.error).toBeUndefined();
    const written = readExecuted(outputPath);
    // What is on disk is what the API returned.
    expect(written).toEqual(joinMultiline(result.notebook));
    expect(runRecord(written)).toMatchObject({ status: 'completed', kernel: { name: 'python3' } });
    check(written);
  });
});
