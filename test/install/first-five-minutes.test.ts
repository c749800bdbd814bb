/**
 * The README's set-up as a new user meets it: `nbrun` is a command after install.sh (root
 * and non-root), `pnpm nbrun … -` writes only the notebook to stdout, a clean install
 * prints no warning, and `nbrun run --help` lists every exit code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { EXIT_CODE_TABLE } from '../../packages/cli/src/exit-codes.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const HELLO = join(REPO_ROOT, 'examples', 'hello.ipynb');

/** The checkout's files as a fresh clone has them (tracked and new, not ignored), copied to `dest`. */
function copyCheckout(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && existsSync(join(REPO_ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(dest, f));
  }
}

describe('exit codes in help', () => {
  it('nbrun run --help lists every exit code, 8 and 70 included', async () => {
    const { code, stdout } = await runCli(['run', '--help']);
    expect(code).toBe(0);
    const block = stdout.slice(stdout.indexOf('Exit codes:'));
    for (const exit of Object.values(EXIT_CODES)) expect(block).toMatch(new RegExp(`^  ${exit} +\\S`, 'm'));
  });

  it('one table: every code of EXIT_CODES, and the README table says the same codes', () => {
    expect(EXIT_CODE_TABLE.map((e) => e.code).sort((a, b) => a - b)).toEqual(Object.values(EXIT_CODES).sort((a, b) => a - b));
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Exit codes'), readme.indexOf('## Parameters'));
    const readmeCodes = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(readmeCodes).toEqual(EXIT_CODE_TABLE.map((e) => e.code));
  });

  it('every command that lists exit codes lists them from the table', async () => {
    for (const command of ['run', 'test', 'render']) {
      const { stdout } = await runCli([command, '--help']);
      expect(stdout, command).toMatch(/^Exit codes:\n {2}0 {4}\S/m);
      expect(stdout, command).toMatch(/^ {2}70 {3}internal error/m);
    }
  });
});

describe('bins', () => {
  it('every bin of every package is a committed file that works before a build', () => {
    for (const pkg of ['cli', 'runner']) {
      const dir = join(REPO_ROOT, 'packages', pkg);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
      for (const [name, file] of Object.entries(manifest.bin)) {
        const path = join(dir, file);
        expect(file, `${pkg}: bin ${name}`).not.toMatch(/^\.?\/?dist\//);
        expect(readFileSync(path, 'utf8').startsWith('#!/usr/bin/env node\n'), path).toBe(true);
        expect(statSync(path).mode & 0o111, path).not.toBe(0);
        const tracked = execFileSync('git', ['ls-files', '--error-unmatch', file], { cwd: dir, encoding: 'utf8' }).trim();
        expect(tracked).toBe(file.replace(/^\.\//, ''));
      }
    }
  });

  it("`pnpm nbrun run X.ipynb -` writes only the notebook to stdout (no pnpm banner)", () => {
    const res = spawnSync('pnpm', ['nbrun', 'run', HELLO, '-', '--no-progress'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const nb = JSON.parse(res.stdout) as { cells: unknown[]; nbformat: number };
    expect(nb.nbformat).toBe(4);
    expect(nb.cells.length).toBeGreaterThan(0);
  });
});

describe('a clean install', () => {
  it('prints no warning (no bins pointing at an unbuilt dist, no ignored build scripts box), and nbrun runs unbuilt', () => {
    const dir = tempDir('nbrun-clean-install-');
    copyCheckout(dir);
    const res = spawnSync('pnpm', ['install', '--frozen-lockfile', '--offline'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    const output = `${res.stdout}${res.stderr}`;
    expect(res.status, output).toBe(0);
    expect(output).not.toMatch(/WARN|Ignored build scripts|approve-builds/);
    expect(existsSync(join(dir, 'packages', 'cli', 'dist'))).toBe(false);
    const version = spawnSync(join(dir, 'node_modules', '.bin', 'nbrun'), ['--version'], { cwd: tmpdir(), encoding: 'utf8' });
    expect(version.stdout, version.stderr).toMatch(/^nbrun \d+\.\d+\.\d+\n$/);
  });
});

describe('install.sh as a user other than root', () => {
  // A small workspace with the real install.sh and the real launcher: as `nobody`, whose npm
  // cannot write the global folder, install.sh installs pnpm into ~/.local and links `nbrun` there.
  it('installs pnpm into ~/.local (npm -g would fail with EACCES) and links nbrun into ~/.local/bin', () => {
    const dir = tempDir('nbrun-nonroot-');
    chmodSync(dir, 0o755);
    const repo = join(dir, 'repo');
    const home = join(dir, 'home');
    const fake = join(dir, 'old-pnpm');
    mkdirSync(join(repo, 'scripts'), { recursive: true });
    mkdirSync(join(repo, 'packages', 'cli', 'bin'), { recursive: true });
    mkdirSync(join(repo, 'packages', 'cli', 'dist'), { recursive: true });
    mkdirSync(home);
    mkdirSync(fake);
    cpSync(join(REPO_ROOT, 'scripts', 'install.sh'), join(repo, 'scripts', 'install.sh'));
    cpSync(join(REPO_ROOT, 'packages', 'cli', 'bin', 'nbrun.js'), join(repo, 'packages', 'cli', 'bin', 'nbrun.js'));
    writeFileSync(join(repo, 'packages', 'cli', 'dist', 'bin.js'), "process.stdout.write('nbrun from dist\\n');\n");
    const rootManifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { packageManager: string };
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'mini', private: true, type: 'module', packageManager: rootManifest.packageManager, devDependencies: { nbrun: 'workspace:*' } }));
    writeFileSync(join(repo, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
    writeFileSync(join(repo, 'packages', 'cli', 'package.json'), JSON.stringify({ name: 'nbrun', version: '0.1.0', type: 'module', bin: { nbrun: './bin/nbrun.js' } }));
    execFileSync('pnpm', ['install', '--lockfile-only', '--offline'], { cwd: repo, stdio: 'ignore' });
    // A pnpm 9 first on PATH: install.sh must install pnpm 10, and as this user.
    writeFileSync(join(fake, 'pnpm'), '#!/bin/sh\necho 9.0.0\n');
    chmodSync(join(fake, 'pnpm'), 0o755);
    for (const p of [repo, home]) execFileSync('chown', ['-R', 'nobody:nogroup', p]);
    chownSync(dir, 0, 0);

    const PATH = `${fake}:/usr/local/bin:/usr/bin:/bin`;
    // This machine's CA settings (a user's environment has them too); nothing else of root's.
    const cafile = spawnSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' }).stdout.trim();
    const tls = [
      ...['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'HTTPS_PROXY', 'https_proxy'].flatMap((k) => (process.env[k] ? [`${k}=${process.env[k]}`] : [])),
      ...(cafile && cafile !== 'null' && cafile !== 'undefined' ? [`npm_config_cafile=${cafile}`] : []),
    ];
    const env = ['env', '-i', `HOME=${home}`, `PATH=${PATH}`, 'CI=true', ...tls];
    const res = spawnSync('runuser', ['-u', 'nobody', '--', ...env, 'bash', join(repo, 'scripts', 'install.sh')], { encoding: 'utf8', timeout: 110_000 });
    expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
    expect(res.stderr).toContain('installing pnpm 10 into ~/.local');
    expect(res.stderr).toContain(`linked ${home}/.local/bin/nbrun`);
    expect(res.stderr).toContain(`${home}/.local/bin is not on your PATH`);
    expect(res.stderr).not.toMatch(/EACCES/);
    expect(existsSync(join(home, '.local', 'bin', 'pnpm'))).toBe(true);
    // With ~/.local/bin on PATH (Debian's ~/.profile adds it), `nbrun` is a command.
    const run = spawnSync('runuser', ['-u', 'nobody', '--', 'env', '-i', `HOME=${home}`, `PATH=${home}/.local/bin:/usr/bin:/bin`, 'nbrun', '--version'], { encoding: 'utf8' });
    expect(run.stdout, run.stderr).toBe('nbrun from dist\n');
  }, 120_000);
});
