/** `nbrun test` on real notebooks and real kernels: lines, summary, exit codes, JUnit XML, --overwrite, kernel reuse. */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { REPO_ROOT, runCli, spawnNbrun } from '../../../test/helpers/cli.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/nbtest');
const scratch = mkdtempSync(join(tmpdir(), 'nbrun-test-cmd-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh copy of some fixtures in a folder of its own. */
function copyFixtures(name: string, files: string[]): string {
  const dir = join(scratch, name);
  for (const f of files) cpSync(join(FIXTURES, f), join(dir, f), { recursive: true });
  return dir;
}

const lines = (text: string) => text.trimEnd().split('\n');

/** The text outputs of every code cell of an executed notebook. */
function printed(path: string): string {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as { cells: { outputs?: { text?: string | string[] }[] }[] };
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
    .join('');
}

describe('nbrun test on the fixture folder', () => {
  const junitPath = join(scratch, 'results.xml');
  const run = runCli(['test', 'test/fixtures/nbtest', '--jobs', '2', '--junit', junitPath]);

  test('one line per notebook, the summary last, exit 1', async () => {
    const { code, stdout } = await run;
    expect(code).toBe(1);
    const out = lines(stdout);
    expect(out.at(-1), stdout).toBe('5 passed, 3 failed, 1 skipped');
    const body = out.slice(0, -1).sort();
    const d = 'test/fixtures/nbtest';
    const expected = [
      new RegExp(`^FAIL ${d}/failing\\.ipynb: cell 2: NameError: name 'undefined_name' is not defined \\(\\d+\\.\\d s\\)$`),
      new RegExp(`^PASS ${d}/allowed-errors\\.ipynb \\(\\d+\\.\\d s\\)$`),
      new RegExp(`^PASS ${d}/passing-r\\.ipynb \\(\\d+\\.\\d s\\)$`),
      new RegExp(`^PASS ${d}/passing\\.ipynb \\(\\d+\\.\\d s\\)$`),
      new RegExp(`^PASS ${d}/reuse/a-sets-global\\.ipynb \\(\\d+\\.\\d s\\)$`),
      new RegExp(`^PASS ${d}/reuse/b-sees-no-global\\.ipynb \\(\\d+\\.\\d s\\)$`),
      new RegExp(`^SKIP ${d}/skipped\\.ipynb: needs a GPU$`),
      new RegExp(`^TIMEOUT ${d}/cell-timing-out\\.ipynb: cell 2: timed out after 2 s \\(kernel interrupted\\) \\(\\d+\\.\\d s\\)$`),
      new RegExp(`^TIMEOUT ${d}/timing-out\\.ipynb: cell 2: run timed out after 6 s \\(\\d+\\.\\d s\\)$`),
    ];
    expect(body).toHaveLength(expected.length);
    for (const pattern of expected) expect(body.filter((l) => pattern.test(l)), String(pattern)).toHaveLength(1);
    // Checkpoints and *.out.ipynb are never collected from a folder.
    expect(stdout).not.toMatch(/checkpoint|\.out\.ipynb/);
  });

  test('writes JUnit XML with a testcase per notebook, failures with tracebacks, skips and times', async () => {
    await run;
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(
      readFileSync(junitPath, 'utf8'),
    ) as { testsuites: { testsuite: Record<string, unknown> & { testcase: Record<string, unknown>[] } } };
    const suite = doc.testsuites.testsuite;
    expect(suite).toMatchObject({ name: 'nbrun test', tests: '9', failures: '3', errors: '0', skipped: '1' });
    const cases = new Map(suite.testcase.map((c) => [String(c.name).replace('test/fixtures/nbtest/', ''), c]));
    expect([...cases.keys()].sort()).toEqual([
      'allowed-errors.ipynb', 'cell-timing-out.ipynb', 'failing.ipynb', 'passing-r.ipynb', 'passing.ipynb',
      'reuse/a-sets-global.ipynb', 'reuse/b-sees-no-global.ipynb', 'skipped.ipynb', 'timing-out.ipynb',
    ]);
    for (const c of cases.values()) expect(Number(c.time)).toBeGreaterThanOrEqual(0);
    expect(cases.get('passing.ipynb')).toMatchObject({ classname: 'test.fixtures.nbtest' });
    expect(cases.get('passing.ipynb')!.failure).toBeUndefined();
    const failure = cases.get('failing.ipynb')!.failure as Record<string, string>;
    expect(failure).toMatchObject({ type: 'NameError', message: "cell 2: NameError: name 'undefined_name' is not defined" });
    expect(failure['#text']).toContain('----> 1 print(undefined_name)');
    expect(failure['#text']).not.toContain('\u001b');
    expect(cases.get('timing-out.ipynb')!.failure).toMatchObject({ type: 'timeout', message: 'cell 2: run timed out after 6 s' });
    expect(cases.get('skipped.ipynb')!.skipped).toMatchObject({ message: 'needs a GPU' });
  });
});

describe('selection and exit codes', () => {
  test('a glob takes matching notebooks (never *.out.ipynb); all passing exits 0 without a skipped count', async () => {
    const { code, stdout } = await runCli(['test', 'test/fixtures/nbtest/pass*.ipynb']);
    const out = lines(stdout).map((l) => l.replace(/ \(.*\)$/, ''));
    expect(out.at(-1)).toBe('2 passed, 0 failed');
    expect(out.slice(0, -1).sort()).toEqual(['PASS test/fixtures/nbtest/passing-r.ipynb', 'PASS test/fixtures/nbtest/passing.ipynb']);
    expect(code).toBe(0);
  });

  test.each([
    { args: ['--jobs', '0'], message: /--jobs must be a positive integer, got '0'/ },
    { args: ['--timeout', 'soon'], message: /--timeout must be a positive number of seconds, got 'soon'/ },
    { args: ['test/fixtures/nbtest/absent'], message: /no such file or folder 'test\/fixtures\/nbtest\/absent'/ },
    { args: ['test/fixtures/nbtest/*.nope.ipynb'], message: /no notebook matches/ },
    { args: ['test/fixtures/nbtest/.ipynb_checkpoints'], message: /no notebooks found in 'test\/fixtures\/nbtest\/.ipynb_checkpoints'/ },
  ])('usage error for $args exits 2', async ({ args, message }) => {
    const { code, stderr, stdout } = await runCli(['test', ...args]);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });
});

describe('--overwrite', () => {
  test('saves executed notebooks over their inputs, failing ones included; without it inputs stay untouched', async () => {
    const dir = copyFixtures('overwrite', ['passing.ipynb', 'failing.ipynb']);
    const original = readFileSync(join(dir, 'passing.ipynb'), 'utf8');
    expect((await runCli(['test', dir])).code).toBe(1);
    expect(readFileSync(join(dir, 'passing.ipynb'), 'utf8')).toBe(original);

    expect((await runCli(['test', dir, '--overwrite'])).code).toBe(1);
    expect(printed(join(dir, 'passing.ipynb'))).toBe('two is 2\n');
    const failing = readFileSync(join(dir, 'failing.ipynb'), 'utf8');
    expect(failing).toContain('"ename": "NameError"');
  });
});

describe('kernel reuse', () => {
  /** Runs the two reuse notebooks one after the other; returns the kernel each saw. */
  async function kernelsSeen(flags: string[]): Promise<{ a: string; b: string; stdout: string; code: number }> {
    const dir = copyFixtures(`reuse${flags.join('')}`, ['reuse']);
    const { code, stdout } = await runCli(['test', join(dir, 'reuse'), '--jobs', '1', '--overwrite', ...flags]);
    const kernel = (f: string) => /kernel (\S+)/.exec(printed(join(dir, 'reuse', f)))?.[1] ?? '';
    return { a: kernel('a-sets-global.ipynb'), b: kernel('b-sees-no-global.ipynb'), stdout, code };
  }

  test('--reuse-kernels runs the next notebook on the same kernel, restarted: a global of one is undefined in the next', async () => {
    const reused = await kernelsSeen(['--reuse-kernels']);
    expect(reused.code).toBe(0);
    expect(lines(reused.stdout).at(-1)).toBe('2 passed, 0 failed');
    // Same connection file: the second notebook ran on the first one's kernel...
    expect(reused.a).toMatch(/kernel-.+\.json$/);
    expect(reused.b).toBe(reused.a);
    // ...and by default each notebook gets a kernel of its own.
    const fresh = await kernelsSeen([]);
    expect(fresh.code).toBe(0);
    expect(fresh.b).not.toBe(fresh.a);
  });
});

test('runs through a remote gateway (Jupyter Server) with --reuse-kernels', async () => {
  const { code, stdout } = await runCli([
    'test', 'test/fixtures/nbtest/passing.ipynb', 'test/fixtures/nbtest/failing.ipynb', '--reuse-kernels',
    '--gateway-url', inject('jupyterUrl'), '--gateway-token', inject('jupyterToken'),
  ]);
  const out = lines(stdout);
  expect(out.at(-1)).toBe('1 passed, 1 failed');
  expect(out.slice(0, -1).map((l) => l.replace(/ \(.*\)$/, '')).sort()).toEqual([
    "FAIL test/fixtures/nbtest/failing.ipynb: cell 2: NameError: name 'undefined_name' is not defined",
    'PASS test/fixtures/nbtest/passing.ipynb',
  ]);
  expect(code).toBe(1);
});

describe('stopped by SIGTERM', () => {
  test('exit 143, the JUnit XML holds the results so far: passed, cancelled, not run', async () => {
    const dir = join(scratch, 'sigterm');
    cpSync(join(FIXTURES, 'passing.ipynb'), join(dir, 'a-pass.ipynb'));
    cpSync(join(REPO_ROOT, 'test/fixtures/notebooks/sleep-60s.ipynb'), join(dir, 'b-sleep.ipynb'));
    cpSync(join(FIXTURES, 'passing.ipynb'), join(dir, 'c-pass.ipynb'));
    const junitPath = join(dir, 'junit.xml');
    const proc = spawnNbrun(['test', dir, '--jobs', '1', '--junit', junitPath]);
    // One at a time, in order: a-pass has passed, b-sleep is running, c-pass waits.
    const deadline = Date.now() + 60_000;
    while (!/PASS .*a-pass/.test(proc.stdout()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    expect(code, proc.stdout() + proc.stderr()).toBe(143);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(junitPath, 'utf8'));
    const suite = xml.testsuites.testsuite;
    expect(suite, proc.stdout()).toMatchObject({ tests: '3', failures: '1', skipped: '1' });
    const cases = (suite.testcase as { name: string; failure?: { type: string; '#text'?: string }; skipped?: { message: string } }[]);
    expect(cases.map((c) => c.name.replace(/.*\//, ''))).toEqual(['a-pass.ipynb', 'b-sleep.ipynb', 'c-pass.ipynb']);
    expect(cases[1]!.failure).toMatchObject({ type: 'E_CANCELLED' });
    expect(cases[2]!.skipped).toMatchObject({ message: 'not run: the suite was cancelled' });
  });
});
