/**
 * The local driver's shared runner (`sharedRunner`, as `nbrun serve` uses it): jobs handed to
 * one long-lived runner host, each with its own environment, folder, log, status, exit code and
 * cancellation — real host process, real kernels.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRegistry, type JobHandle, type JobRecord } from '@nbrun/drivers';
import { LocalDriver } from '@nbrun/drivers/local';
import { isAlive, until } from './nbrun-process.js';
import { outputText } from './notebook-text.js';

let work: string;
let env: NodeJS.ProcessEnv;
let jobs: JobRegistry;
let driver: LocalDriver;
let hostDir: string;

function notebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source })),
  });
}

async function write(name: string, cells: string[]): Promise<string> {
  const path = join(work, 'nb', name);
  await mkdir(join(work, 'nb'), { recursive: true });
  await writeFile(path, notebook(cells));
  return path;
}

const backendOf = (job: JobHandle) => (job as unknown as { record: JobRecord }).record.backend as { jobDir: string; pid: number; host?: true };
const pidOf = async (job: JobHandle) => Number((await readFile(join(backendOf(job).jobDir, 'runner.pid'), 'utf8')).trim());

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'nbrun-local-host-'));
  // The host leaves 2 s after its last job: the test sees it go, and a new one start.
  env = { ...process.env, NBRUN_STATE_DIR: join(work, 'state'), NBRUN_RUNNER_HOST_IDLE_SECONDS: '2' };
  jobs = new JobRegistry(join(work, 'state', 'jobs'));
  driver = new LocalDriver({ jobs, env, sharedRunner: true });
  hostDir = join(work, 'state', 'local', '.runner-host');
});

afterAll(async () => {
  for (const record of await jobs.list()) await (await driver.attach(record)).remove().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

describe('local driver with a shared runner', () => {
  it('runs jobs side by side in one host, each with its own environment, folder, log and result', async () => {
    const nb = await write('env.ipynb', ['import os\nprint("who", os.environ["WHO"], os.getcwd().endswith("bundle"))', 'print("done")']);
    const failing = await write('fails.ipynb', ['import os\nprint("who", os.environ["WHO"])', 'raise ValueError("bad " + os.environ["WHO"])']);
    const [a, b, c] = await Promise.all([
      driver.submit({ notebook: nb, env: { WHO: 'alice' }, logOutput: true }),
      driver.submit({ notebook: nb, env: { WHO: 'bob' }, logOutput: true }),
      driver.submit({ notebook: failing, env: { WHO: 'carol' }, logOutput: true }),
    ]);
    for (const job of [a!, b!, c!]) expect(backendOf(job).host).toBe(true);
    const [sa, sb, sc] = await Promise.all([a!.wait({}), b!.wait({}), c!.wait({})]);
    expect(sa).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(sb).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(sc).toMatchObject({ state: 'failed', exitCode: 1 });
    expect(sc.message).toContain('bad carol');
    // One process ran the three: the host, no runner of their own.
    const pids = new Set(await Promise.all([a!, b!, c!].map(pidOf)));
    expect(pids.size).toBe(1);
    const [hostPid] = [...pids];
    expect(backendOf(a!).pid).toBe(hostPid);
    expect(JSON.parse(await readFile(join(hostDir, 'host.json'), 'utf8'))).toEqual({ pid: hostPid });
    // Each job's own environment reached its kernel, and its own lines its own log.
    const out = join(work, 'out-a');
    const result = await a!.result(out);
    expect(await outputText(result.notebook!)).toContain('who alice True');
    const logA = [];
    for await (const line of a!.logs()) logA.push(line);
    expect(logA.join('\n')).toContain('who alice True');
    expect(logA.join('\n')).not.toMatch(/bob|carol/);
    expect(logA.at(-1)).toMatch(/ job \w+ in .*; exit 0$/);
    const logC = [];
    for await (const line of c!.logs()) logC.push(line);
    expect(logC.join('\n')).toContain('nbrun-runner: ');
    expect(logC.join('\n')).toContain('bad carol');
    for (const job of [a!, b!, c!]) {
      await job.settled!(10_000);
      expect((await readFile(join(backendOf(job).jobDir, 'exit-code'), 'utf8')).trim()).toBe(job === c ? '1' : '0');
    }
    // A new driver (a restarted service) knows a host's job through its record.
    const again = await new LocalDriver({ jobs, env }).attach(a!.id);
    expect(await again.status()).toMatchObject({ state: 'succeeded', exitCode: 0 });
  });

  it('cancels one job of a host without touching the other, then the idle host leaves and a new one starts', async () => {
    const slow = await write('slow.ipynb', ['import time\nprint("sleeping", flush=True)\ntime.sleep(600)']);
    const quick = await write('quick.ipynb', ['import time\ntime.sleep(3)\nprint("quick done")']);
    const s = await driver.submit({ notebook: slow, logOutput: true });
    const q = await driver.submit({ notebook: quick, logOutput: true });
    const host = backendOf(s).pid;
    expect(backendOf(q).pid).toBe(host);
    await until(async () => ((await readFile(join(backendOf(s).jobDir, 'runner.log'), 'utf8').catch(() => '')).includes('sleeping') || undefined), 'the notebook to sleep');
    await s.cancel({ graceSeconds: 20 });
    const cancelled = await s.status();
    expect(cancelled.state).toBe('cancelled');
    const status = JSON.parse(await readFile(join(backendOf(s).jobDir, 'results', 'status.json'), 'utf8')) as { state: string };
    expect(status.state).toBe('terminated'); // the runner's word for a SIGTERM, the job's 'cancelled'
    expect(existsSync(join(backendOf(s).jobDir, 'results', 'output.ipynb'))).toBe(true);
    expect(isAlive(host)).toBe(true);
    expect(await q.wait({})).toMatchObject({ state: 'succeeded', exitCode: 0 });
    // Idle for 2 s: it removes its queue and leaves.
    await until(async () => (isAlive(host) ? undefined : true), 'the idle host to leave', 30_000);
    expect(await readdir(hostDir)).not.toContain(`queue-${host}`);
    const next = await driver.submit({ notebook: quick });
    expect(backendOf(next).pid).not.toBe(host);
    expect(await next.wait({})).toMatchObject({ state: 'succeeded' });
  });

  it('ends a job at once on the second marker (the grace is over): a final status from what is known, its kernel stopped', async () => {
    const stubborn = await write('stubborn.ipynb', [
      'import os, time\nprint("started", os.getpid(), flush=True)\ntime.sleep(600)',
    ]);
    const job = await driver.submit({ notebook: stubborn, logOutput: true });
    const { jobDir, pid: host } = backendOf(job);
    const kernel = await until(async () => {
      const m = /started (\d+)/.exec(await readFile(join(jobDir, 'runner.log'), 'utf8').catch(() => ''));
      return m ? Number(m[1]) : undefined;
    }, 'the notebook to start');
    expect(isAlive(kernel)).toBe(true);
    // What the driver's cancel writes, the second as if its grace were over already.
    await writeFile(join(jobDir, 'cancel-requested'), 'now\n');
    await writeFile(join(jobDir, 'cancel-kill'), 'now\n');
    await job.settled!(30_000);
    expect(await job.status()).toMatchObject({ state: 'cancelled', exitCode: 143 });
    const status = JSON.parse(await readFile(join(jobDir, 'results', 'status.json'), 'utf8')) as { state: string; error: { message: string } };
    expect(status.error.message).toContain('did not stop within the grace period');
    await until(async () => (isAlive(kernel) ? undefined : true), 'the job\'s kernel to be stopped', 15_000);
    expect(isAlive(host)).toBe(true); // the host lives on
  });

  it('reports a job whose host was killed as failed, and hands the next job to a new host', async () => {
    const slow = await write('slow2.ipynb', ['import time\nprint("sleeping", flush=True)\ntime.sleep(600)']);
    const job = await driver.submit({ notebook: slow, logOutput: true });
    await until(async () => ((await readFile(join(backendOf(job).jobDir, 'runner.log'), 'utf8').catch(() => '')).includes('sleeping') || undefined), 'the notebook to sleep');
    const host = backendOf(job).pid;
    process.kill(host, 'SIGKILL');
    await until(async () => (isAlive(host) ? undefined : true), 'the killed host to be gone', 10_000);
    const status = await job.status();
    expect(status.state).toBe('failed');
    expect(status.message).toContain('gone without an exit code');
    const quick = await write('quick2.ipynb', ['print("after")']);
    const next = await driver.submit({ notebook: quick });
    expect(backendOf(next).pid).not.toBe(host);
    expect(await next.wait({})).toMatchObject({ state: 'succeeded' });
  });
});
