/**
 * The self-contained build: its entry, the chunks it loads on demand and the zeromq addon,
 * copied to an empty directory outside the repo (no node_modules anywhere above it), and run there
 * with plain `node` and Debian's python3 kernel.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { RUNNER_DIST_ENTRY, RUNNER_DIST_FILE } from '../src/dist-files.js';
import { REPO_ROOT, FIXTURES, spawnRunner, tempDir } from './helpers/runner-process.js';

let installed: string;
let installedNames: string[];

function hasNodeModulesAbove(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) return true;
    if (dirname(d) === d) return false;
  }
}

beforeAll(() => {
  const out = tempDir('nbrun-runner-build-');
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/tsup/dist/cli-default.js')], {
    cwd: join(REPO_ROOT, 'packages/runner'),
    env: { ...process.env, NBRUN_RUNNER_BUNDLE_ONLY: '1', NBRUN_RUNNER_OUT_DIR: out },
    stdio: 'pipe',
  });
  installed = tempDir('nbrun-runner-installed-');
  cpSync(out, installed, { recursive: true });
  installedNames = readdirSync(installed).sort();
}, 180_000);

describe('self-contained nbrun-runner build', () => {
  it('is its entry, the chunks the entry loads, and the zeromq addon folder', () => {
    const names = readdirSync(installed);
    expect(names).toContain(RUNNER_DIST_ENTRY);
    expect(names).toContain('zeromq');
    for (const name of names) if (name !== 'zeromq') expect(name).toMatch(RUNNER_DIST_FILE);
    // The S3 client and the remote gateway (undici, @jupyterlab/services) are chunks of their own:
    // a job on the embedded kernel does not parse them.
    expect(names.some((n) => /^nbrun-runner-s3-/.test(n))).toBe(true);
    expect(names.some((n) => /^nbrun-runner-gateway-/.test(n))).toBe(true);
    expect(statSync(join(installed, RUNNER_DIST_ENTRY)).size).toBeLessThan(1_000_000);
    const manifest = JSON.parse(readFileSync(join(installed, 'zeromq/build/manifest.json'), 'utf8')) as Record<string, string>;
    const files = Object.values(manifest);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(existsSync(join(installed, 'zeromq/build', f))).toBe(true);
    expect(hasNodeModulesAbove(installed)).toBe(false);
  });

  it('runs a tar.gz bundle from an empty directory with only node and the kernel', async () => {
    const job = tempDir();
    const bundle = join(job, 'bundle.tgz');
    execFileSync('tar', ['-czf', bundle, '-C', join(FIXTURES, 'bundles/hello'), '.']);
    const results = join(job, 'results');
    const run = spawnRunner(['--input', bundle, '--notebook', 'reads-bundle-files.ipynb', '--results', results, '-p', 'greeting', 'bundled'], {
      bundle: join(installed, 'nbrun-runner.mjs'),
      cwd: installed,
      // Only what a bare image has: no repo, no pnpm, PATH without the repo's tools.
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: job },
      isolatedEnv: true,
    });
    const { code, stderr, stdout } = await run.done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/job completed .*exit 0$/m);
    expect(JSON.parse(readFileSync(join(results, 'status.json'), 'utf8'))).toMatchObject({ state: 'completed', exitCode: 0 });
    expect(readFileSync(join(results, 'output.ipynb'), 'utf8')).toContain('BUNDLED!');
    expect(readdirSync(installed).sort()).toEqual(installedNames); // nothing written beside the runner
  });

  it('runs on a remote Jupyter server too (the bundled REST + WebSocket client)', async () => {
    const job = tempDir();
    cpSync(join(FIXTURES, 'notebooks/prints-a-sum.ipynb'), join(job, 'prints-a-sum.ipynb'));
    const results = join(job, 'results');
    const run = spawnRunner(
      ['--input', job, '--notebook', 'prints-a-sum.ipynb', '--results', results, '--gateway-url', inject('jupyterUrl'), '--gateway-token-env', 'GW_TOKEN', '--log-output'],
      { bundle: join(installed, 'nbrun-runner.mjs'), cwd: installed, env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: job, GW_TOKEN: inject('jupyterToken') }, isolatedEnv: true },
    );
    const { code, stderr, stdout } = await run.done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('sum is 2');
  });
});
