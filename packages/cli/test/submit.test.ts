/**
 * `nbrun submit` and the job commands, in process through `main()`: usage errors are one
 * line with exit code 2 and nothing is submitted; a real local job goes through
 * submit → status → logs → fetch.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const example = join(repo, 'examples/helper-module/train.ipynb');
let state: string;

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function nbrun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, { stdout, stderr, cwd: repo, env: { ...process.env, NBRUN_STATE_DIR: state } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), 'nbrun-cli-submit-'));
});
afterAll(async () => {
  await rm(state, { recursive: true, force: true });
});

describe('nbrun submit refuses bad usage with one line, before submitting', () => {
  it.each([
    [[], /^nbrun: nbrun submit: missing NOTEBOOK/],
    [[example, '--output', 'x.ipynb'], /^nbrun: nbrun submit: --output\/--results need --wait/],
    [[example, '--driver', 'slurm'], /^nbrun: unknown driver 'slurm' \(available: local, docker, kubernetes, kubeflow, pytorchjob, ffdl\)/],
    [[example, '--network', 'none'], /^nbrun: nbrun submit: --network does not apply to --driver local/],
    [[example, '--gpus', '1'], /^nbrun: --gpus is not supported by --driver local \(use --driver docker\)/],
    [[example, '--driver', 'docker', '--gpus', 'many'], /^nbrun: --gpus must be a number of GPUs/],
    [[example, '--driver', 'docker', '--memory', 'lots'], /^nbrun: --memory must be a size like 512m or 2g, got 'lots'/],
    [[example, '--driver', 'docker', '--cpus', '0'], /^nbrun: --cpus must be a positive number of cores, got '0'/],
    [[example, '--driver', 'docker', '--stop-timeout', 'soon'], /^nbrun: --stop-timeout must be a whole number of seconds/],
    [[example, '--env', 'NOEQUALS'], /^nbrun: nbrun submit: --env expects NAME=VALUE, got 'NOEQUALS'/],
    [[example, '--job-id', 'Bad_Id'], /^nbrun: job id 'Bad_Id' is invalid/],
    [[join(repo, 'examples/helper-module/helpers.py')], /^nbrun: '.*\/helper-module\/helpers\.py' is not a notebook \(\.ipynb\)/],
    [[example, '--deps', '*.R'], /^nbrun: --deps '\*\.R': matched no file in /],
  ])('submit %j', async (args, message) => {
    const { code, stdout, stderr } = await nbrun(['submit', ...args]);
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(existsSync(join(state, 'jobs'))).toBe(false);
  });

  it.each([['status'], ['logs'], ['fetch'], ['cancel']])('%s of an unknown job names the registry', async (command) => {
    const { code, stderr } = await nbrun([command, 'nope-00000000']);
    expect(stderr).toBe(`nbrun: no job 'nope-00000000' in ${join(state, 'jobs')} (list jobs with 'nbrun jobs')\n`);
    expect(code).toBe(2);
  });

  it('lists every driver option in --help', async () => {
    const { code, stdout } = await nbrun(['submit', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--network MODE\s+docker: container network/);
    expect(stdout).toMatch(/--keep\s+docker: keep the container/);
  });
});

describe('a local job through the commands', () => {
  it('submit prints the id; status, logs and fetch find the job', async () => {
    const submitted = await nbrun(['submit', example, '--deps', 'helpers.py,data', '-p', 'epochs', '3', '--job-id', 'cli-test-1']);
    expect(submitted).toMatchObject({ code: 0, stdout: 'cli-test-1\n' });
    const listed = await nbrun(['jobs', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: 'cli-test-1', driver: 'local' })]);
    const logs = await nbrun(['logs', 'cli-test-1', '--follow']);
    expect(logs.stdout).toMatch(/job completed/);
    const status = await nbrun(['status', 'cli-test-1', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: 'cli-test-1', driver: 'local', state: 'succeeded', exitCode: 0 });
    const dest = join(state, 'fetched');
    const fetched = await nbrun(['fetch', 'cli-test-1', dest, '--output', join(state, 'out.ipynb')]);
    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toBe('cli-test-1  succeeded  exit 0\n');
    expect((await readdir(dest)).sort()).toEqual(['output.ipynb', 'status.json']);
    expect(existsSync(join(state, 'out.ipynb'))).toBe(true);
    // A job id is taken once, until `rm` forgets it.
    const again = await nbrun(['submit', example, '--deps', 'helpers.py,data', '--job-id', 'cli-test-1']);
    expect(again.stderr).toMatch(/^nbrun: job 'cli-test-1' already exists/);
    expect(again.code).toBe(2);
    expect(await nbrun(['rm', 'cli-test-1'])).toMatchObject({ code: 0, stdout: 'cli-test-1\n' });
    expect(existsSync(join(state, 'local', 'cli-test-1'))).toBe(false);
    expect(JSON.parse((await nbrun(['jobs', '--json'])).stdout)).toEqual([]);
  });

  it('rm refuses a running job unless --force', async () => {
    const sleeps = join(repo, 'test/drivers/fixtures/sleeps.ipynb');
    expect((await nbrun(['submit', sleeps, '--job-id', 'cli-test-2'])).code).toBe(0);
    const refused = await nbrun(['rm', 'cli-test-2']);
    expect(refused.stderr).toMatch(/^nbrun: job 'cli-test-2' is still running \(cancel it first: nbrun cancel cli-test-2\)\n$/);
    expect(refused.code).toBe(2);
    expect(await nbrun(['rm', 'cli-test-2', '--force'])).toMatchObject({ code: 0, stdout: 'cli-test-2\n' });
    expect(existsSync(join(state, 'local', 'cli-test-2'))).toBe(false);
  });
});
