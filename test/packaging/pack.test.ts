/**
 * The packages as a user gets them: `pnpm pack` of each (needs `pnpm -r run build` first, as
 * `pnpm test:all` does), installed from the tarballs into an empty project outside the
 * workspace (third-party dependencies from the local pnpm store where it has them), then:
 * ESM import and CommonJS require of every entry point, the types (tsc on an ESM and a
 * CommonJS file), and the `nbrun` bin running a notebook.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

/** Published packages, by folder. */
const PACKAGES = ['core', 'runner', 'drivers', 'render', 'scheduler', 'cli'];

interface Manifest {
  name: string;
  files: string[];
  exports: Record<string, unknown>;
  bin?: Record<string, string>;
}
const manifests = new Map(PACKAGES.map((p) => [p, JSON.parse(readFileSync(join(REPO_ROOT, 'packages', p, 'package.json'), 'utf8')) as Manifest]));

/** Every `<name><subpath>` a package exports. */
function specifiers(m: Manifest): string[] {
  return Object.keys(m.exports)
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? m.name : `${m.name}${k.slice(1)}`));
}

let dir: string;
let project: string;
function run(cmd: string, args: string[], cwd = project): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
}

beforeAll(() => {
  for (const p of PACKAGES) {
    if (!existsSync(join(REPO_ROOT, 'packages', p, 'dist'))) {
      throw new Error(`packages/${p}/dist is missing: run 'pnpm -r run build' first (pnpm test:all does)`);
    }
  }
  dir = mkdtempSync(join(tmpdir(), 'nbrun-pack-'));
  const tarballs = join(dir, 'tarballs');
  project = join(dir, 'project');
  mkdirSync(tarballs);
  mkdirSync(project);
  const overrides: Record<string, string> = {};
  for (const p of PACKAGES) {
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(REPO_ROOT, 'packages', p), stdio: 'pipe' });
  }
  for (const file of readdirSync(tarballs)) {
    const p = PACKAGES.find((q) => file.startsWith(`${manifests.get(q)!.name.replace('@', '').replace('/', '-')}-`));
    if (p) overrides[manifests.get(p)!.name] = `file:${join(tarballs, file)}`;
  }
  expect(Object.keys(overrides).sort()).toEqual(PACKAGES.map((p) => manifests.get(p)!.name).sort());
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'nbrun-pack-check',
      private: true,
      dependencies: { ...overrides },
      // The workspace's @nbrun/* dependencies resolve to these tarballs, not to a registry.
      pnpm: { overrides, onlyBuiltDependencies: ['zeromq'] },
    }),
  );
  const install = run('pnpm', ['install', '--prefer-offline', '--config.node-linker=isolated']);
  if (install.status !== 0) throw new Error(`pnpm install of the tarballs failed:\n${install.stdout}${install.stderr}`);
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('packed packages', () => {
  it('each tarball holds what package.json names: no missing files, no sources or tests', () => {
    for (const p of PACKAGES) {
      const m = manifests.get(p)!;
      for (const f of m.files) expect(existsSync(join(REPO_ROOT, 'packages', p, f)), `packages/${p}: files lists '${f}'`).toBe(true);
      const installed = join(project, 'node_modules', m.name);
      expect(existsSync(join(installed, 'src')), `${m.name} ships src/`).toBe(false);
      expect(existsSync(join(installed, 'test')), `${m.name} ships test/`).toBe(false);
    }
  });

  it('every entry point imports as ESM and requires as CommonJS', () => {
    const all = PACKAGES.flatMap((p) => specifiers(manifests.get(p)!));
    const esm = run(process.execPath, ['--input-type=module', '-e', `for (const s of ${JSON.stringify(all)}) { const m = await import(s); if (!Object.keys(m).length) throw new Error(s + ': no exports'); }`]);
    expect(esm.status, esm.stderr).toBe(0);
    const cjs = run(process.execPath, ['-e', `for (const s of ${JSON.stringify(all)}) { const m = require(s); if (!Object.keys(m).length) throw new Error(s + ': no exports'); }`]);
    expect(cjs.status, cjs.stderr).toBe(0);
    // One copy of each class across entry points: an error from a subpath is core's NbrunError.
    const same = run(process.execPath, ['-e', `const { NbrunError } = require('@nbrun/core'); const { readNotebook } = require('@nbrun/core/notebook'); readNotebook('/nonexistent.ipynb').then(() => process.exit(2), (e) => process.exit(e instanceof NbrunError ? 0 : 3));`]);
    expect(same.status, same.stderr).toBe(0);
  });

  // skipLibCheck as `tsc --init` sets it: third-party declarations (ws's, tar-stream's) are the consumer's to install.
  it('types resolve for ESM and CommonJS consumers (tsc, NodeNext)', () => {
    const all = PACKAGES.flatMap((p) => specifiers(manifests.get(p)!));
    const body = all.map((s, i) => `import * as m${i} from '${s}';\nexport const k${i}: string[] = Object.keys(m${i});`).join('\n');
    writeFileSync(join(project, 'esm.mts'), `${body}\nimport { runNotebook, type RunResult } from '@nbrun/core';\nexport const r: (p: string) => Promise<RunResult> = (p) => runNotebook(p);\n`);
    writeFileSync(join(project, 'cjs.cts'), `${body}\nimport { readNotebook } from '@nbrun/core/notebook';\nexport const n = readNotebook;\n`);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['esm.mts', 'cjs.cts'] }),
    );
    // @types/node from the workspace, as a consumer has it.
    cpSync(join(REPO_ROOT, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), { recursive: true, dereference: true });
    const tsc = run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
    expect(tsc.status, `${tsc.stdout}${tsc.stderr}`).toBe(0);
  });

  it('the nbrun bin runs a notebook from the installed package', () => {
    const bin = join(project, 'node_modules', '.bin', 'nbrun');
    const version = run(bin, ['--version']);
    expect(version.stdout, version.stderr).toMatch(/^nbrun \d+\.\d+\.\d+\n$/);
    cpSync(join(REPO_ROOT, 'examples', 'hello.ipynb'), join(project, 'hello.ipynb'));
    const res = run(bin, ['run', 'hello.ipynb', '-', '--no-progress']);
    expect(res.status, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as { cells: unknown[] }).cells.length).toBeGreaterThan(0);
    const runner = run(join(project, 'node_modules', '.bin', 'nbrun-runner'), ['--help']);
    expect(runner.status, runner.stderr).toBe(0);
    expect(runner.stdout).toMatch(/nbrun-runner/);
  });
});
