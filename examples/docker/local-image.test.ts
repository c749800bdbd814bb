/**
 * The local test image `nbrun-runner:test` (build-local-image.sh) on a real Docker
 * engine, with no network: an FfDL-style job from mounted dirs, and `docker stop` in the
 * middle of a long cell (SIGTERM → partial notebook, status `terminated`, exit 143).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDockerEngine, type DockerEngineHandle } from '../../test/setup/docker-engine.js';

const run = promisify(execFile);
const IMAGE = process.env.NBRUN_TEST_IMAGE ?? 'nbrun-runner:test';
const here = fileURLToPath(new URL('.', import.meta.url));
const fixtures = join(here, '../../packages/runner/test/fixtures');
let engine: DockerEngineHandle;
const dirs: string[] = [];

/** A job dir with `code/` (the bundle, mounted read-only) and `results/` (writable). */
function jobDir(fill: (code: string) => void): { code: string; results: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nbrun-local-image-'));
  dirs.push(dir);
  const code = join(dir, 'code');
  const results = join(dir, 'results');
  mkdirSync(code);
  mkdirSync(results);
  fill(code);
  return { code, results };
}

beforeAll(async () => {
  engine = await ensureDockerEngine();
  // Idempotent: rebuilds only when the runner bundle or the script changed.
  await run('bash', [join(here, 'build-local-image.sh')], { env: { ...process.env, IMAGE }, maxBuffer: 1 << 24 });
}, 300_000);

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await engine?.stop();
});

describe(`${IMAGE}`, () => {
  it('runs an FfDL-style job ($MODEL_DIR read-only, $RESULT_DIR) with --network none', async () => {
    const { code, results } = jobDir((c) => cpSync(join(fixtures, 'bundles/hello'), c, { recursive: true }));
    const { stdout } = await run('docker', [
      'run', '--rm', '--network', 'none',
      '-v', `${code}:/job/code:ro`, '-v', `${results}:/job/results`,
      '-e', 'MODEL_DIR=/job/code', '-e', 'RESULT_DIR=/job/results',
      IMAGE, '--notebook', 'reads-bundle-files.ipynb', '-p', 'greeting', 'container',
    ]);
    expect(stdout).toMatch(/job completed .*exit 0$/m);
    expect(JSON.parse(readFileSync(join(results, 'status.json'), 'utf8'))).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(readFileSync(join(results, 'output.ipynb'), 'utf8')).toContain('CONTAINER!');
  });

  it('docker stop in a long cell: exit 143, status terminated, the partial notebook kept', async () => {
    const { code, results } = jobDir((c) => cpSync(join(fixtures, 'notebooks/sleeps-in-second-cell.ipynb'), join(c, 'sleeps-in-second-cell.ipynb')));
    const name = `nbrun-local-image-test-${process.pid}`;
    await run('docker', [
      'run', '-d', '--name', name, '--network', 'none',
      '-v', `${code}:/job/code:ro`, '-v', `${results}:/job/results`,
      '-e', 'MODEL_DIR=/job/code', '-e', 'RESULT_DIR=/job/results',
      IMAGE, '--notebook', 'sleeps-in-second-cell.ipynb', '--log-output',
    ]);
    try {
      await expect
        .poll(async () => (await run('docker', ['logs', name])).stdout, { timeout: 60_000, interval: 250 })
        .toContain('long cell started');
      await run('docker', ['stop', '--time', '10', name]);
      const { stdout } = await run('docker', ['inspect', name, '--format', '{{.State.ExitCode}}']);
      expect(stdout.trim()).toBe('143');
      expect(JSON.parse(readFileSync(join(results, 'status.json'), 'utf8'))).toMatchObject({ state: 'terminated', signal: 'SIGTERM' });
      expect(readFileSync(join(results, 'output.ipynb'), 'utf8')).toContain('long cell started');
      expect(existsSync(join(code, 'output.ipynb'))).toBe(false);
    } finally {
      await run('docker', ['rm', '-f', name]).catch(() => undefined);
    }
  });
});
