/**
 * The local driver end to end: real runner processes, real kernels, and the job commands
 * run as separate `nbrun` processes (a new process knows the job only through the registry).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRegistry, type JobHandle } from '@nbrun/drivers';
import { prepareJob } from '@nbrun/drivers/job';
import { LocalDriver } from '@nbrun/drivers/local';
import { expectStatus } from './job-status.js';
import { nbrun, REPO_ROOT, until } from './nbrun-process.js';
import { injectedParameters, outputText } from './notebook-text.js';

const example = join(REPO_ROOT, 'examples/helper-module/train.ipynb');
const fixtures = join(REPO_ROOT, 'test/drivers/fixtures');
let work: string;
let env: NodeJS.ProcessEnv;
let jobs: JobRegistry;
let driver: LocalDriver;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'nbrun-local-driver-'));
  env = { ...process.env, NBRUN_STATE_DIR: join(work, 'state') };
  jobs = new JobRegistry(join(work, 'state', 'jobs'));
  driver = new LocalDriver({ jobs, env });
});

afterAll(async () => {
  // A job ends at its final status while its kernel still exits: removing each through the
  // driver waits for its process, which would otherwise write into the folder being removed.
  for (const record of await jobs.list()) await (await driver.attach(record)).remove().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

describe('nbrun submit --driver local', () => {
  it('runs the helper-module notebook with its files and parameters, and brings the result back', async () => {
    const out = join(work, 'train.out.ipynb');
    const submitted = await nbrun(
      ['submit', example, '--driver', 'local', '--deps', '*.py,data', '-p', 'epochs', '2', '--wait', '--output', out],
      env,
    );
    expect(submitted.stderr).toContain(`wrote ${out}`);
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^train-[0-9a-f]{8}$/);
    const text = await outputText(out);
    expect(text).toContain('loaded 5 rows with helpers 1.0');
    expect(text).toContain('epoch 2/2');
    expect(text).not.toContain('epoch 3/');
    expect(await injectedParameters(out)).toMatch(/epochs = 2/);

    // A new process knows the job through the registry.
    const status = await nbrun(['status', id], env);
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toMatch(new RegExp(`^${id}  succeeded  exit 0`));
    const logs = await nbrun(['logs', id], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout.length).toBeGreaterThan(0);
    const listed = await nbrun(['jobs'], env);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+local\\s+succeeded`));
    const dest = join(work, 'fetched');
    const fetched = await nbrun(['fetch', id, dest], env);
    expect(fetched.code).toBe(0);
    expect((await readdir(dest)).sort()).toEqual(['output.ipynb', 'status.json']);
    expect(JSON.parse(await readFile(join(dest, 'status.json'), 'utf8'))).toMatchObject({ state: 'completed', exitCode: 0 });
  });

  it.each([
    ['no dependencies', [], /ModuleNotFoundError: No module named 'helpers'/],
    ['the helper but not the data', ['--deps', 'helpers.py'], /FileNotFoundError/],
  ])('fails without the files it needs (%s)', async (_what, deps, error) => {
    const out = join(work, `missing-${deps.length}.ipynb`);
    const submitted = await nbrun(['submit', example, ...deps, '--wait', '--output', out], env);
    expect(submitted.code).toBe(1);
    expect(await outputText(out)).toMatch(error);
  });
});

describe('nbrun submit --wait and a signal', () => {
  it('cancels the job on SIGINT and still writes the partial notebook', async () => {
    const out = join(work, 'interrupted.ipynb');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'packages/cli/src/bin.ts', 'submit', join(fixtures, 'sleeps.ipynb'), '--log-output', '--wait', '--output', out],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until(async () => (stderr.includes('long cell started') ? true : undefined), 'the long cell to start');
    child.kill('SIGINT');
    expect(await exited).toBe(143);
    expect(stderr).toMatch(/cancelling job sleeps-[0-9a-f]{8}/);
    expect(await outputText(out)).toContain('long cell started');
  });
});

describe('LocalDriver', () => {
  it('brings back a failing notebook marked failed', async () => {
    const job = await driver.submit({ notebook: join(fixtures, 'fails.ipynb') });
    const final = await job.wait();
    expectStatus(final, { state: 'failed', exitCode: 1 });
    expect(final.message).toMatch(/ValueError: this notebook fails on purpose/);
    const result = await job.result(join(work, 'fails'));
    expect(result.runnerStatus).toMatchObject({ state: 'failed', exitCode: 1 });
    expect(result.notebook).toBe(join(work, 'fails', 'output.ipynb'));
    const text = await outputText(result.notebook!);
    expect(text).toContain('about to fail');
    expect(text).toContain('ValueError: this notebook fails on purpose');
    expect(text).not.toContain('never reached');
  });

  it('cancel (from a new process) during a long cell leaves the partial notebook', async () => {
    const job: JobHandle = await driver.submit({ notebook: join(fixtures, 'sleeps.ipynb'), logOutput: true });
    await until(async () => {
      for await (const line of job.logs()) if (line.includes('long cell started')) return true;
      return undefined;
    }, 'the long cell to start');
    const cancelled = await nbrun(['cancel', job.id], env);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^${job.id}  cancelled  exit 143`));
    const dest = join(work, 'partial');
    const fetched = await nbrun(['fetch', job.id, dest], env);
    expect(fetched.code).toBe(0);
    const text = await outputText(join(dest, 'output.ipynb'));
    expect(text).toContain('long cell started');
    expect(text).not.toContain('long cell finished');
    expect(JSON.parse(await readFile(join(dest, 'status.json'), 'utf8'))).toMatchObject({ exitCode: 143 });
  });

  it('launches the runner on a bundle zip named only by NBRUN_JOB_SPEC (as platforms that fetch bundles do)', async () => {
    const prepared = await prepareJob({ notebook: example, dependencies: ['*.py', 'data'], parameters: { epochs: 3 } });
    const zip = join(work, 'bundle.zip');
    await writeFile(zip, await prepared.bundle.zip());
    // Only the location: notebook and parameters come from the bundle's own nbrun-job.json.
    const job = await driver.launch({ jobId: 'launched-1', env: { NBRUN_JOB_SPEC: JSON.stringify({ input: zip }) } });
    expectStatus(await job.wait(), { state: 'succeeded', exitCode: 0 });
    const result = await job.result(join(work, 'launched'));
    expect(await outputText(result.notebook!)).toContain('epoch 3/3');
    await expect(driver.launch({ jobId: 'launched-1' })).rejects.toThrow(/job 'launched-1' already exists/);
  });

  it('follows the log until the job ends', async () => {
    const job = await driver.submit({ notebook: example, dependencies: ['*.py', 'data'], logOutput: true });
    const lines: string[] = [];
    for await (const line of job.logs({ follow: true })) lines.push(line);
    expect(lines.join('\n')).toContain('epoch 1/1');
    expectStatus(await job.status(), { state: 'succeeded' });
  });
});

describe('nbrun submit refuses bad dependencies before submitting', () => {
  it.each([
    ['a missing file', 'nothere.py', /^nbrun: --deps 'nothere\.py': no such file or directory: .*nothere\.py\n$/],
    ['a ".." path', '../hello.ipynb', /^nbrun: --deps '\.\.\/hello\.ipynb': .* is outside the notebook's folder .*\n$/],
  ])('%s', async (_what, dep, message) => {
    const state = join(work, `refused-${dep.length}`);
    const refused = await nbrun(['submit', example, '--driver', 'local', '--deps', dep], { NBRUN_STATE_DIR: state });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(message);
    expect(refused.stdout).toBe('');
    expect(existsSync(join(state, 'jobs'))).toBe(false);
    expect(existsSync(join(state, 'local'))).toBe(false);
  });
});

describe("issue 6's done-when command", () => {
  it("nbrun submit examples/train --driver local --deps '*.py' -p epochs 2 --wait --output out.ipynb", async () => {
    const out = join(work, 'done-when-local.ipynb');
    const submitted = await nbrun(
      ['submit', join(REPO_ROOT, 'examples/train/train.ipynb'), '--driver', 'local', '--deps', '*.py', '-p', 'epochs', '2',
        '--wait', '--output', out],
      env,
    );
    expect(submitted.code).toBe(0);
    const text = await outputText(out);
    expect(text).toContain('200 points');
    expect(text).toMatch(/epoch 2\/2: w=1\.630 b=1\.082/);
  });
});
