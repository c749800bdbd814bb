/**
 * The docker driver against a real Docker engine (started by scripts/start-dockerd.sh when
 * none answers) and the local test image `nbrun-runner:test`
 * (examples/docker/build-local-image.sh, run here when the image is missing). Containers
 * run with NetworkMode "none".
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackendError, JobRegistry, type SubmitRequest } from '@nbrun/drivers';
import { DockerDriver, createDockerClient, type DockerJobHandle } from '@nbrun/drivers/docker';
import { ensureDockerEngine, type DockerEngineHandle } from '../setup/docker-engine.js';
import { expectStatus } from './job-status.js';
import { nbrun, REPO_ROOT, until } from './nbrun-process.js';
import { injectedParameters, outputText } from './notebook-text.js';

const IMAGE = process.env.NBRUN_TEST_IMAGE ?? 'nbrun-runner:test';
const example = join(REPO_ROOT, 'examples/helper-module/train.ipynb');
const fixtures = join(REPO_ROOT, 'test/drivers/fixtures');
let engine: DockerEngineHandle;
let work: string;
let env: NodeJS.ProcessEnv;
let driver: DockerDriver;
const docker = () => createDockerClient(process.env);

/** Containers carrying this job's nbrun label. */
async function containersOf(jobId: string): Promise<string[]> {
  const list = await docker().listContainers({ all: true, filters: { label: [`io.nbrun.job=${jobId}`] } });
  return list.map((c) => c.Id);
}

beforeAll(async () => {
  engine = await ensureDockerEngine();
  const present = await docker().inspectImage(IMAGE).then(() => true, () => false);
  // CI builds the image first (scripts/test-all.sh); a lone run of this file builds it here.
  if (!present) await promisify(execFile)('bash', [join(REPO_ROOT, 'examples/docker/build-local-image.sh')], { env: { ...process.env, IMAGE } });
  work = await mkdtemp(join(tmpdir(), 'nbrun-docker-driver-'));
  env = { ...process.env, NBRUN_STATE_DIR: join(work, 'state') };
  driver = new DockerDriver({ jobs: new JobRegistry(join(work, 'state', 'jobs')), env });
}, 300_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await engine?.stop();
});

describe('nbrun submit --driver docker', () => {
  it('runs the helper-module notebook in a container and brings the result back; the container is removed', async () => {
    const out = join(work, 'train.out.ipynb');
    const submitted = await nbrun(
      ['submit', example, '--driver', 'docker', '--image', IMAGE, '--network', 'none', '--deps', '*.py,data',
        '-p', 'epochs', '2', '--wait', '--output', out],
      env,
    );
    expect(submitted.stderr).toContain(`wrote ${out}`);
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    const text = await outputText(out);
    expect(text).toContain('loaded 5 rows with helpers 1.0');
    expect(text).toContain('epoch 2/2');
    expect(await injectedParameters(out)).toMatch(/epochs = 2/);
    expect(await containersOf(id)).toEqual([]);
    const status = await nbrun(['status', id], env);
    expect(status.stdout).toMatch(new RegExp(`^${id}  succeeded  exit 0`));
    // The log was saved before the container went.
    const logs = await nbrun(['logs', id], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout.length).toBeGreaterThan(0);
  });

  it('status, logs, fetch and rm work from new processes; --keep keeps the container until rm', async () => {
    const submitted = await nbrun(
      ['submit', example, '--driver', 'docker', '--image', IMAGE, '--network', 'none', '--keep', '--deps', '*.py,data', '--log-output'],
      env,
    );
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    await until(async () => ((await nbrun(['status', id], env)).stdout.includes('succeeded') ? true : undefined), 'the job to end', 90_000);
    const logs = await nbrun(['logs', id], env);
    expect(logs.stdout).toContain('epoch 1/1');
    const dest = join(work, 'kept');
    const fetched = await nbrun(['fetch', id, dest, '--output', join(work, 'kept.ipynb')], env);
    expect(fetched.code).toBe(0);
    expect((await readdir(dest)).sort()).toEqual(['output.ipynb', 'status.json']);
    expect(await outputText(join(work, 'kept.ipynb'))).toContain('epoch 1/1');
    expect(await containersOf(id)).toHaveLength(1);
    expect(await nbrun(['rm', id], env)).toMatchObject({ code: 0, stdout: `${id}\n` });
    expect(await containersOf(id)).toEqual([]);
  });
});

describe('DockerDriver', () => {
  it('brings back a failing notebook marked failed (its status.json read once by wait, the results copied once)', async () => {
    const getArchive = vi.spyOn(Object.getPrototypeOf(docker()) as { getArchive: (id: string, path: string) => unknown }, 'getArchive');
    const job = await driver.submit({ notebook: join(fixtures, 'fails.ipynb'), image: IMAGE }, { network: 'none' });
    const final = await job.wait();
    expectStatus(final, { state: 'failed', exitCode: 1 });
    expect(final.message).toMatch(/ValueError: this notebook fails on purpose/);
    const result = await job.result(join(work, 'fails'));
    // Each archive download mounts the stopped container's filesystem (~0.5 s at load 12).
    expect(getArchive.mock.calls.map((c) => c[1])).toEqual(['/nbrun/results/status.json', '/nbrun/results']);
    getArchive.mockRestore();
    expect(result.status).toMatchObject({ state: 'failed', message: final.message });
    expect(result.runnerStatus).toMatchObject({ state: 'failed', exitCode: 1 });
    expect(await outputText(result.notebook!)).toContain('ValueError: this notebook fails on purpose');
  });

  it('cancel (from a new process) during a long cell stops the container gracefully and keeps the partial notebook', async () => {
    const job = await driver.submit({ notebook: join(fixtures, 'sleeps.ipynb'), image: IMAGE, logOutput: true }, { network: 'none' });
    await until(async () => {
      for await (const line of job.logs()) if (line.includes('long cell started')) return true;
      return undefined;
    }, 'the long cell to start', 90_000);
    const cancelled = await nbrun(['cancel', job.id], env);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^${job.id}  cancelled  exit 143`));
    const dest = join(work, 'partial');
    expect((await nbrun(['fetch', job.id, dest], env)).code).toBe(0);
    const text = await outputText(join(dest, 'output.ipynb'));
    expect(text).toContain('long cell started');
    expect(text).not.toContain('long cell finished');
    expect(JSON.parse(await readFile(join(dest, 'status.json'), 'utf8'))).toMatchObject({ exitCode: 143 });
    expect(await containersOf(job.id)).toEqual([]);
  });

  it('runs the runner carried in the bundle (--include-runner) instead of the image\'s', async () => {
    const job = await driver.create({ notebook: example, dependencies: ['*.py', 'data'], image: IMAGE, includeRunner: true }, { network: 'none' });
    expect((await job.inspect()).Config.Entrypoint).toEqual(['node', '/nbrun/job/.nbrun-runner/nbrun-runner.mjs']);
    await job.start();
    expectStatus(await job.wait(), { state: 'succeeded', exitCode: 0 });
    const result = await job.result(join(work, 'with-runner'));
    expect(await outputText(result.notebook!)).toContain('epoch 1/1');
  });

  it.each<[string, SubmitRequest['resources'], Record<string, unknown>]>([
    ['--gpus 2', { gpus: 2 }, { DeviceRequests: [{ Driver: '', Count: 2, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }] }],
    ['--gpus all', { gpus: 'all' }, { DeviceRequests: [{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }] }],
    ['--cpus 1.5 --memory 512m', { cpus: 1.5, memoryBytes: 512 * 1024 ** 2 }, { NanoCpus: 1_500_000_000, Memory: 536_870_912, DeviceRequests: null }],
  ])('%s becomes the right HostConfig on the created container', async (_flags, resources, expected) => {
    const job: DockerJobHandle = await driver.create(
      { notebook: example, image: IMAGE, resources, env: { SEED: '7' } },
      { network: 'none', label: ['team=ml'] },
    );
    try {
      const info = await job.inspect();
      expect(info.HostConfig).toMatchObject({ NetworkMode: 'none', ...expected });
      expect(info.Config.Labels).toMatchObject({ 'io.nbrun.job': job.id, 'io.nbrun.notebook': 'train.ipynb', 'io.nbrun.driver': 'docker', team: 'ml' });
      expect(info.Config.Env).toEqual(expect.arrayContaining(['SEED=7', 'MODEL_DIR=/nbrun/job', 'RESULT_DIR=/nbrun/results']));
      expect(info.State.Status).toBe('created');
    } finally {
      await job.remove();
    }
  });

  it('a GPU request on an engine without GPU support fails with one clear line and leaves no container', async () => {
    const err = await driver.submit({ notebook: example, image: IMAGE, resources: { gpus: 1 } }, { network: 'none' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/^the Docker engine at .* cannot give GPUs \(.*could not select device driver/);
    const list = await docker().listContainers({ all: true, filters: { label: ['io.nbrun.notebook=train.ipynb'], status: ['created'] } });
    expect(list).toEqual([]);
  });
});

describe('docker errors are one line with exit code 8', () => {
  it.each([
    ['a missing image', ['--image', 'nbrun-no-such-image:1'], {}, /^nbrun: image 'nbrun-no-such-image:1' not found locally; build it with .*\n$/],
    [
      'no engine',
      ['--image', IMAGE],
      { DOCKER_HOST: 'unix:///tmp/nbrun-no-engine.sock' },
      /^nbrun: cannot reach the Docker engine at unix:\/\/\/tmp\/nbrun-no-engine\.sock \(is dockerd running\? DOCKER_HOST\?\)\n$/,
    ],
  ])('%s', async (_what, flags, extraEnv, message) => {
    const refused = await nbrun(['submit', example, '--driver', 'docker', '--deps', '*.py', ...flags], { ...env, ...extraEnv });
    expect(refused.stderr).toMatch(message);
    expect(refused.code).toBe(8);
  });
});

describe("issue 6's done-when command", () => {
  it("nbrun submit examples/train --driver docker --deps '*.py' -p epochs 2 --wait --output out.ipynb", async () => {
    const out = join(work, 'done-when-docker.ipynb');
    const submitted = await nbrun(
      ['submit', join(REPO_ROOT, 'examples/train/train.ipynb'), '--driver', 'docker', '--image', IMAGE, '--network', 'none',
        '--deps', '*.py', '-p', 'epochs', '2', '--wait', '--output', out],
      env,
    );
    expect(submitted.code).toBe(0);
    const text = await outputText(out);
    expect(text).toContain('200 points');
    expect(text).toMatch(/epoch 2\/2: w=1\.630 b=1\.082/);
    expect(text).not.toContain('epoch 3/');
  });
});
