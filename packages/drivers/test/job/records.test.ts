import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '@nbrun/core';
import { JobNotFoundError } from '../../src/errors.js';
import { attach, createDriverRegistry } from '../../src/backends/registry.js';
import { JobRegistry, checkJobId, jobsDirectory } from '../../src/job/records.js';
import type { JobRecord } from '../../src/types.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nbrun-registry-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (id: string, createdAt: string): JobRecord => ({
  id,
  driver: 'local',
  notebook: '/nb/train.ipynb',
  createdAt,
  output: 'output.ipynb',
  spec: { notebook: 'train.ipynb' },
  backend: { pid: 1 },
});

describe('jobsDirectory', () => {
  it.each([
    [{ NBRUN_STATE_DIR: '/s', XDG_STATE_HOME: '/x', HOME: '/h' }, '/s/jobs'],
    [{ XDG_STATE_HOME: '/x', HOME: '/h' }, '/x/nbrun/jobs'],
    [{ HOME: '/h' }, '/h/.local/state/nbrun/jobs'],
  ])('%j → %s', (env, expected) => {
    expect(jobsDirectory(env)).toBe(expected);
  });
});

describe('JobRegistry', () => {
  it('saves, reads, updates and lists records newest first, from a second registry object', async () => {
    const a = new JobRegistry(join(dir, 'jobs'));
    await a.save(record('old-00000001', '2026-01-01T00:00:00.000Z'));
    await a.save(record('new-00000002', '2026-02-01T00:00:00.000Z'));
    await a.update('old-00000001', { state: 'succeeded' });
    const b = new JobRegistry(join(dir, 'jobs'));
    expect((await b.get('old-00000001')).state).toBe('succeeded');
    expect((await b.list()).map((r) => r.id)).toEqual(['new-00000002', 'old-00000001']);
    await b.remove('new-00000002');
    expect((await a.list()).map((r) => r.id)).toEqual(['old-00000001']);
  });

  it('names the registry when a job is unknown', async () => {
    const err = await new JobRegistry(join(dir, 'jobs')).get('nope-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobNotFoundError);
    expect((err as Error).message).toBe(`no job 'nope-1' in ${join(dir, 'jobs')} (list jobs with 'nbrun jobs')`);
  });

  it('lists nothing when the directory does not exist yet', async () => {
    expect(await new JobRegistry(join(dir, 'none')).list()).toEqual([]);
  });

  it.each(['../etc', 'Upper', 'a/b', '', 'x'.repeat(64)])('refuses the job id %j', (id) => {
    expect(() => checkJobId(id)).toThrow(UsageError);
  });
});

describe('attach', () => {
  it('finds the driver of a recorded job by its id', async () => {
    const jobs = new JobRegistry(join(dir, 'attach'));
    await jobs.save(record('attached-00000003', '2026-03-01T00:00:00.000Z'));
    const job = await attach('attached-00000003', { jobs, env: {} });
    expect(job).toMatchObject({ id: 'attached-00000003', driver: 'local' });
    await expect(attach('missing-1', { jobs, env: {} })).rejects.toThrow(JobNotFoundError);
  });

  it('takes a record kept outside the job registry', async () => {
    const jobs = new JobRegistry(join(dir, 'attach-record'));
    const job = await attach(record('elsewhere-00000004', '2026-03-01T00:00:00.000Z'), { jobs, env: {} });
    expect(job).toMatchObject({ id: 'elsewhere-00000004', driver: 'local' });
    expect(await jobs.list()).toEqual([]);
  });
});

describe('createDriverRegistry', () => {
  it('lists the built-in drivers and names them when asked for an unknown one', () => {
    const drivers = createDriverRegistry();
    expect(drivers.names()).toEqual(['local', 'docker', 'kubernetes', 'kubeflow', 'pytorchjob', 'ffdl']);
    expect(() => drivers.create('slurm', { jobs: new JobRegistry(dir), env: {} })).toThrow(
      "unknown driver 'slurm' (available: local, docker, kubernetes, kubeflow, pytorchjob, ffdl)",
    );
  });
});
