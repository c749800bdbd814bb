/**
 * How the local driver reads a job's end, with a stand-in runner (`NBRUN_RUNNER_BIN`) whose
 * exit is chosen by the test: no kernel, so many jobs can race their exit against `status()`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRegistry, type JobStatus } from '@nbrun/drivers';
import { LocalDriver } from '@nbrun/drivers/local';
import { expectStatus } from './job-status.js';
import { isAlive, until } from './nbrun-process.js';

// FAKE_EXIT: 'fail' writes a failed status.json and exits 1, as the runner does after a
// failing cell; 'sigkill' is killed by SIGKILL (out of memory, kill -9); 'hang' ignores SIGTERM;
// 'ended' writes its notebook, logs its summary, writes its final status, then waits
// FAKE_LINGER_MS (its kernel exiting) before it exits 0, as the runner does after a notebook
// succeeded; it logs 'kernel gone' then, which no runner does (to show where the follow ends).
const FAKE_RUNNER = `
const { renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const mode = process.env.FAKE_EXIT;
if (mode === 'ended') {
  const dir = process.env.RESULT_DIR;
  writeFileSync(join(dir, 'output.ipynb'), '{"cells": []}');
  const now = new Date().toISOString();
  console.log('job completed');
  writeFileSync(join(dir, 'status.tmp'), JSON.stringify({ state: 'completed', exitCode: 0, startedAt: now, updatedAt: now, endedAt: now }));
  renameSync(join(dir, 'status.tmp'), join(dir, 'status.json'));
  setTimeout(() => console.log('kernel gone'), Number(process.env.FAKE_LINGER_MS));
} else if (mode === 'fail') {
  writeFileSync(join(process.env.RESULT_DIR, 'status.json'), JSON.stringify({ state: 'failed', exitCode: 1, error: { code: 'E_CELL_ERROR', message: 'cell 1 failed: ValueError' } }));
  process.exit(1);
} else if (mode === 'sigkill') {
  process.kill(process.pid, 'SIGKILL');
} else {
  process.on('SIGTERM', () => {});
  console.log('hanging');
  setInterval(() => {}, 1000);
}
`;

let work: string;
let driver: LocalDriver;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'nbrun-local-status-'));
  const runner = join(work, 'fake-runner.cjs');
  await writeFile(runner, FAKE_RUNNER);
  const env = { ...process.env, NBRUN_STATE_DIR: join(work, 'state'), NBRUN_RUNNER_BIN: runner };
  driver = new LocalDriver({ jobs: new JobRegistry(join(work, 'state', 'jobs')), env });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('LocalDriver status at the end of a job', () => {
  it('never reads a job that exited in the middle of status() as killed (exit code always there)', async () => {
    // status() is polled without pause while each job exits: the window where the wrapper
    // has written its exit code and gone between two looks is hit often on a busy machine.
    const jobs = await Promise.all(Array.from({ length: 12 }, (_, i) => driver.launch({ jobId: `race-${i}`, env: { FAKE_EXIT: 'fail' } })));
    await Promise.all(jobs.map(async (job) => {
      let status: JobStatus;
      do status = await job.status();
      while (status.state === 'pending' || status.state === 'running');
      expectStatus(status, { state: 'failed', exitCode: 1, message: 'cell 1 failed: ValueError' });
    }));
  });

  it('a runner killed by SIGKILL is failed (killed), not cancelled', async () => {
    const job = await driver.launch({ jobId: 'killed-1', env: { FAKE_EXIT: 'sigkill' } });
    const final = await job.wait({ pollIntervalMs: 50 });
    expectStatus(final, { state: 'failed', exitCode: 137 });
    expect(final.message).toMatch(/killed \(SIGKILL/);
  });

  it('a job has ended once the runner wrote its final status, while its kernel still exits; so has its log', async () => {
    const job = await driver.launch({ jobId: 'ended-1', env: { FAKE_EXIT: 'ended', FAKE_LINGER_MS: '3000' } });
    // Followed from the start: the follow ends at the final status, not with the process.
    const lines: string[] = [];
    for await (const line of job.logs({ follow: true })) lines.push(line);
    expect(lines).toEqual(['job completed']);
    const { jobDir, pid } = job.record.backend as { jobDir: string; pid: number };
    expect(existsSync(join(jobDir, 'exit-code'))).toBe(false);
    expect(isAlive(pid)).toBe(true);
    const final = await job.wait({ pollIntervalMs: 60_000 });
    expectStatus(final, { state: 'succeeded', exitCode: 0 });
    // Woken by the status file, not by the process's end.
    expect(existsSync(join(jobDir, 'exit-code'))).toBe(false);
    expect(isAlive(pid)).toBe(true);
    // What comes after (no runner logs anything then) stays in the job's own log file.
    await until(async () => (existsSync(join(jobDir, 'exit-code')) ? true : undefined), 'the wrapper to record the exit');
    expect(readFileSync(join(jobDir, 'runner.log'), 'utf8')).toBe('job completed\nkernel gone\n');
    expectStatus(await job.status(), { state: 'succeeded', exitCode: 0 });
  });

  it('removing an ended job waits for its process; a runner killed while its kernel exits keeps its result', async () => {
    const slow = await driver.launch({ jobId: 'ended-2', env: { FAKE_EXIT: 'ended', FAKE_LINGER_MS: '1000' } });
    await slow.wait();
    const slowDir = (slow.record.backend as { jobDir: string }).jobDir;
    await slow.remove();
    expect(existsSync(slowDir)).toBe(false);

    const job = await driver.launch({ jobId: 'ended-3', env: { FAKE_EXIT: 'ended', FAKE_LINGER_MS: '60000' } });
    expectStatus(await job.wait(), { state: 'succeeded', exitCode: 0 });
    const { jobDir } = job.record.backend as { jobDir: string };
    process.kill(Number(readFileSync(join(jobDir, 'runner.pid'), 'utf8')), 'SIGKILL');
    await until(async () => (existsSync(join(jobDir, 'exit-code')) ? true : undefined), 'the wrapper to record the exit');
    expect(readFileSync(join(jobDir, 'exit-code'), 'utf8').trim()).toBe('137');
    expectStatus(await job.status(), { state: 'succeeded', exitCode: 0 });
  });

  it('a runner the user cancelled is cancelled, even when the grace ends with SIGKILL', async () => {
    const job = await driver.launch({ jobId: 'hangs-1', env: { FAKE_EXIT: 'hang' } });
    await until(async () => ((await job.status()).state === 'running' ? true : undefined), 'the runner to start');
    await job.cancel({ graceSeconds: 0.2 });
    expectStatus(await job.status(), { state: 'cancelled' });
  });
});
