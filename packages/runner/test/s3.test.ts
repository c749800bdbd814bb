/**
 * A bundle fetched from, and results uploaded to, a real S3-protocol server on loopback
 * (s3rver) by the runner process; the test reads them back with the standard S3 client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import type { JobStatus } from '../src/status.js';
import { startS3Server, type S3TestServer } from './helpers/s3-server.js';
import { FIXTURES, spawnRunner } from './helpers/runner-process.js';

let s3: S3TestServer;

beforeAll(async () => {
  s3 = await startS3Server(['jobs']);
});

afterAll(async () => {
  await s3?.stop();
});

function bundleZip(): Uint8Array {
  const dir = join(FIXTURES, 'bundles/hello');
  const files: Record<string, Uint8Array> = {};
  for (const name of ['reads-bundle-files.ipynb', 'helper.py', 'data.txt']) files[name] = readFileSync(join(dir, name));
  return zipSync(files);
}

describe('nbrun-runner with S3', () => {
  it('fetches a zip bundle from s3:// and uploads the executed notebook and status.json', async () => {
    await s3.put('jobs', 'job-1/bundle.zip', bundleZip());
    const spec = {
      notebook: 'reads-bundle-files.ipynb',
      input: 's3://jobs/job-1/bundle.zip',
      results: 's3://jobs/job-1/results/',
      parameters: { greeting: 'from s3' },
    };
    const run = spawnRunner([], { env: { ...s3.env, NBRUN_JOB_SPEC: JSON.stringify(spec) } });
    const { code, stdout, stderr } = await run.done;
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_CODES.ok);
    const status = JSON.parse(await s3.get('jobs', 'job-1/results/status.json')) as JobStatus;
    expect(status).toMatchObject({ state: 'completed', exitCode: 0, parameters: { greeting: 'from s3' } });
    const nb = await s3.get('jobs', 'job-1/results/output.ipynb');
    expect(nb).toContain('FROM S3!');
    expect(nb).toContain('bundle data');
    // The secret key never reaches a log line.
    expect(stdout).not.toContain('S3RVER');
    expect(stdout).toContain('s3://jobs/job-1/results/');
  });

  it('copies an s3:// prefix as the bundle; a failing job still uploads its status', async () => {
    await s3.put('jobs', 'job-2/code/raises-value-error.ipynb', readFileSync(join(FIXTURES, 'notebooks/raises-value-error.ipynb')));
    const run = spawnRunner(
      ['--input', 's3://jobs/job-2/code/', '--notebook', 'raises-value-error.ipynb', '--results', 's3://jobs/job-2/results'],
      { env: s3.env },
    );
    const { code } = await run.done;
    expect(code).toBe(EXIT_CODES.cellError);
    const status = JSON.parse(await s3.get('jobs', 'job-2/results/status.json')) as JobStatus;
    expect(status).toMatchObject({ state: 'failed', failedCell: { index: 2, id: 'cell-1', ename: 'ValueError' } });
    expect(await s3.get('jobs', 'job-2/results/output.ipynb')).toContain('bad value 42');
  });

  it('uploads progress while a long cell runs, and the partial notebook and a terminated status on SIGTERM', async () => {
    await s3.put('jobs', 'job-4/code/sleeps-in-second-cell.ipynb', readFileSync(join(FIXTURES, 'notebooks/sleeps-in-second-cell.ipynb')));
    const run = spawnRunner(
      ['--input', 's3://jobs/job-4/code/', '--notebook', 'sleeps-in-second-cell.ipynb', '--results', 's3://jobs/job-4/results', '--autosave', '1'],
      { env: s3.env },
    );
    const status = async () => JSON.parse(await s3.get('jobs', 'job-4/results/status.json').catch(() => '{}')) as Partial<JobStatus>;
    // While running: the notebook so far and the finished cells are in the bucket.
    await expect.poll(async () => (await s3.get('jobs', 'job-4/results/output.ipynb').catch(() => '')), { timeout: 60_000 }).toContain('long cell started');
    await expect.poll(async () => (await status()).cells?.find((c) => c.id === 'cell-0')?.status, { timeout: 30_000 }).toBe('completed');
    expect((await status()).state).toBe('running');
    run.child.kill('SIGTERM');
    const { code } = await run.done;
    expect(code).toBe(EXIT_CODES.terminated);
    expect(await status()).toMatchObject({ state: 'terminated', exitCode: 143, signal: 'SIGTERM' });
    expect(await s3.get('jobs', 'job-4/results/output.ipynb')).toContain('long cell started');
  });

  it('a missing s3 object: exit 2, one line naming it', async () => {
    const run = spawnRunner(['--input', 's3://jobs/nope/bundle.zip', '--notebook', 'nb.ipynb', '--results', 's3://jobs/job-3/results'], {
      env: s3.env,
    });
    const { code, stderr } = await run.done;
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/s3:\/\/jobs\/nope\/bundle\.zip: could not download \(NoSuchKey/);
    expect(JSON.parse(await s3.get('jobs', 'job-3/results/status.json'))).toMatchObject({ state: 'invalid', error: { code: 'E_BUNDLE' } });
  });
});
