/**
 * Every output fixture run through the API (`runNotebook`) on both gateways: the run
 * completes, the written notebook validates against nbformat 4.5, equals the returned
 * one, and holds exactly the outputs the kernel produced (expectations.ts).
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

describe.each(gatewayCases())('outputs on the $name gateway', (gw) => {
  it.each(OUTPUT_CASES)('$fixture', async ({ fixture, check }) => {
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
