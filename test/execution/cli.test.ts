/**
 * `nbrun run` through `main()` (in-process, stdout/stderr captured) on both gateways:
 * outputs, documented exit codes, one-line errors, the default and `-` outputs, and bad
 * inputs that must never touch an existing output file.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { EXIT_CODES, type Notebook } from '@nbrun/core';
import { runCli } from '../helpers/cli.js';
import { gatewayCases } from '../helpers/gateways.js';
import {
  assertValidNotebook, countOf, FIXTURES_DIR, fixturePath, joinMultiline, markerCells, readExecuted, streamText,
} from '../helpers/notebooks.js';
import { OUTPUT_CASES } from './expectations.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A user-facing failure prints one line, never a stack trace. */
function expectOneLineError(stderr: string, mentions: string): void {
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  const lines = stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toContain(mentions);
}

const CLI_FIXTURES = ['basics.ipynb', 'display-update.ipynb', 'progress-carriage-return.ipynb'];

interface ExitCase {
  name: string;
  fixture: string;
  flags: string[];
  exitCode: number;
  check(nb: Notebook): void;
}

const EXIT_CASES: ExitCase[] = [
  {
    name: 'a cell error exits 1',
    fixture: 'error-stops-run.ipynb', flags: [], exitCode: EXIT_CODES.cellError,
    check(nb) {
      expect(markerCells(nb).length).toBeGreaterThan(0);
      expect(streamText(nb, 'error-stops-run-0')).toBe('before the error\n');
      expect(countOf(nb, 'error-stops-run-2')).toBeNull();
    },
  },
  {
    name: '--allow-errors exits 0',
    fixture: 'error-stops-run.ipynb', flags: ['--allow-errors'], exitCode: EXIT_CODES.ok,
    check(nb) {
      expect(streamText(nb, 'error-stops-run-2')).toBe('after the error\n');
    },
  },
  {
    name: '--execution-timeout exits 4',
    fixture: 'sleep-60s.ipynb', flags: ['--execution-timeout', '2'], exitCode: EXIT_CODES.timeout,
    check(nb) {
      expect(streamText(nb, 'sleep-60s-1')).toBe('sleeping\n');
      expect(countOf(nb, 'sleep-60s-2')).toBeNull();
    },
  },
  {
    name: 'a killed kernel exits 3 at once (the timeout is far away)',
    fixture: 'kernel-suicide.ipynb', flags: ['--execution-timeout', '600'], exitCode: EXIT_CODES.kernelDied,
    check(nb) {
      expect(streamText(nb, 'kernel-suicide-0')).toBe('alive\n');
      expect(countOf(nb, 'kernel-suicide-2')).toBeNull();
    },
  },
  {
    name: '--input answers input()',
    fixture: 'input-prompt.ipynb', flags: ['--input', 'Ada', '--input', '36'], exitCode: EXIT_CODES.ok,
    check(nb) {
      expect(streamText(nb, 'input-prompt-1')).toBe('hello Ada\n');
      expect(streamText(nb, 'input-prompt-2')).toMatch(/age 37\n$/);
    },
  },
];

describe.each(gatewayCases())('nbrun run on the $name gateway', (gw) => {
  it.each(CLI_FIXTURES)('%s: exit 0 and the expected outputs', async (fixture) => {
    const out = join(dir, `${gw.name}-${fixture}`);
    const { code, stdout, stderr } = await runCli(['run', fixturePath(fixture), out, '--no-progress', ...gw.flags]);
    expect(code, stderr).toBe(EXIT_CODES.ok);
    expect(stdout).toBe('');
    const nb = readExecuted(out);
    OUTPUT_CASES.find((c) => c.fixture === fixture)!.check(nb);
  });

  it.each(EXIT_CASES)('$name ($fixture)', async (c) => {
    const out = join(dir, `${gw.name}-exit-${c.exitCode}-${c.fixture}`);
    const { code, stderr } = await runCli(['run', fixturePath(c.fixture), out, ...c.flags, ...gw.flags]);
    expect(code, stderr).toBe(c.exitCode);
    if (c.exitCode !== EXIT_CODES.ok) expectOneLineError(stderr, c.fixture);
    c.check(readExecuted(out));
  });

  it('an unknown kernel exits 6 and names the available ones', async () => {
    const out = join(dir, `${gw.name}-no-kernel.ipynb`);
    const { code, stderr } = await runCli(['run', fixturePath('basics.ipynb'), out, '-k', 'no-such-kernel', ...gw.flags]);
    expect(code).toBe(EXIT_CODES.kernelStart);
    expectOneLineError(stderr, 'no-such-kernel');
    expect(stderr).toContain('python3');
  });
});

describe('nbrun run: where the output goes', () => {
  it('defaults to <input stem>.out.ipynb next to the input', async () => {
    const sub = mkdtempSync(join(dir, 'default-'));
    copyFileSync(fixturePath('basics.ipynb'), join(sub, 'basics.ipynb'));
    const { code, stderr } = await runCli(['run', 'basics.ipynb'], { cwd: sub });
    expect(code, stderr).toBe(EXIT_CODES.ok);
    OUTPUT_CASES.find((c) => c.fixture === 'basics.ipynb')!.check(readExecuted(join(sub, 'basics.out.ipynb')));
  });

  it("'-' writes the notebook, and only it, to stdout", async () => {
    const sub = mkdtempSync(join(dir, 'stdout-'));
    copyFileSync(fixturePath('basics.ipynb'), join(sub, 'basics.ipynb'));
    const { code, stdout, stderr } = await runCli(['run', 'basics.ipynb', '-'], { cwd: sub });
    expect(code, stderr).toBe(EXIT_CODES.ok);
    const raw = JSON.parse(stdout) as Notebook;
    assertValidNotebook(raw, 'stdout');
    OUTPUT_CASES.find((c) => c.fixture === 'basics.ipynb')!.check(joinMultiline(raw));
    expect(existsSync(join(sub, 'basics.out.ipynb'))).toBe(false);
  });
});

describe('nbrun run: the kernel\'s folder and environment (embedded gateway)', () => {
  it('runs the kernel in the input\'s folder by default', async () => {
    const out = join(dir, 'cwd-default.ipynb');
    const { code, stderr } = await runCli(['run', fixturePath('cwd-and-env.ipynb'), out]);
    expect(code, stderr).toBe(EXIT_CODES.ok);
    const nb = readExecuted(out);
    expect(streamText(nb, 'cwd-and-env-0')).toBe(`${FIXTURES_DIR.replace(/\/$/, '')}\n`);
    expect(streamText(nb, 'cwd-and-env-1')).toBe('<unset>\n');
  });

  it('--cwd and --kernel-env reach the kernel', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const out = join(dir, 'cwd-flag.ipynb');
    const { code, stderr } = await runCli([
      'run', fixturePath('cwd-and-env.ipynb'), out, '--cwd', cwd, '--kernel-env', 'NBRUN_FIXTURE_ENV=from-flag',
    ]);
    expect(code, stderr).toBe(EXIT_CODES.ok);
    const nb = readExecuted(out);
    expect(streamText(nb, 'cwd-and-env-0')).toBe(`${cwd}\n`);
    expect(streamText(nb, 'cwd-and-env-1')).toBe('from-flag\n');
  });
});

describe('nbrun run: bad input never touches an existing output', () => {
  // Made by the notebook-I/O tests' author; shared here.
  it.each(['truncated.ipynb', 'not-a-notebook.json', 'nbformat3.ipynb', 'does-not-exist.ipynb'])('%s exits 2 with one line naming the file', async (name) => {
    const out = join(dir, `untouched-${name}.ipynb`);
    const sentinel = Buffer.from('{"precious": "bytes that must survive"}\n');
    writeFileSync(out, sentinel);
    const { code, stdout, stderr } = await runCli(['run', fixturePath(name), out]);
    expect(code).toBe(EXIT_CODES.usage);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(name);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(out).equals(sentinel)).toBe(true);
  });

  it('no INPUT is a usage error (exit 2)', async () => {
    const { code, stderr } = await runCli(['run']);
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('nbrun run: other ways to reach the remote gateway', () => {
  it('--gateway-header carries the credentials', async () => {
    const out = join(dir, 'gateway-header.ipynb');
    const { code, stderr } = await runCli([
      'run', fixturePath('basics.ipynb'), out, '--gateway-url', inject('jupyterUrl'),
      '--gateway-header', `Authorization: token ${inject('jupyterToken')}`,
    ]);
    expect(code, stderr).toBe(EXIT_CODES.ok);
    expect(stderr).not.toContain(inject('jupyterToken'));
    OUTPUT_CASES.find((c) => c.fixture === 'basics.ipynb')!.check(readExecuted(out));
  });

  it('NBRUN_GATEWAY_URL and NBRUN_GATEWAY_TOKEN stand for the flags', async () => {
    const out = join(dir, 'gateway-env.ipynb');
    const withToken = (token: string) => ({ ...process.env, NBRUN_GATEWAY_URL: inject('jupyterUrl'), NBRUN_GATEWAY_TOKEN: token });
    // A wrong token is refused: so the variables are used (the embedded gateway would not care).
    const refused = await runCli(['run', fixturePath('basics.ipynb'), out], { env: withToken('not-the-token') });
    expect(refused.code).toBe(EXIT_CODES.gateway);
    const { code, stderr } = await runCli(['run', fixturePath('basics.ipynb'), out], { env: withToken(inject('jupyterToken')) });
    expect(code, stderr).toBe(EXIT_CODES.ok);
    OUTPUT_CASES.find((c) => c.fixture === 'basics.ipynb')!.check(readExecuted(out));
  });
});

describe('nbrun run: gateway problems exit 5', () => {
  it.each([
    { name: 'unreachable', url: () => 'http://127.0.0.1:9', token: () => 'x' },
    { name: 'wrong token', url: () => inject('jupyterUrl'), token: () => 'not-the-token' },
  ])('$name', async ({ url, token }) => {
    const out = join(dir, 'gateway-problem.ipynb');
    const { code, stderr } = await runCli([
      'run', fixturePath('basics.ipynb'), out, '--gateway-url', url(), '--gateway-token', token(), '--start-timeout', '20',
    ]);
    expect(code).toBe(EXIT_CODES.gateway);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain('not-the-token');
  });
});
