/**
 * Runs that must not run, or must not hang: an existing OUTPUT is never touched when
 * nothing ran (bad options, unknown kernel, unreachable gateway, a kernel that cannot
 * start), an OUTPUT that cannot be written is found before the kernel starts, and a cell
 * source that no kernel can receive (a lone surrogate) is refused with one line.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { runCli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/notebooks.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-clobber-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `c${i}`, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

function expectOneLine(stderr: string, mentions: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toContain(mentions);
  expect(stderr).not.toContain('output written');
}

/** A Jupyter data dir holding one kernelspec `name` whose process fails at once. */
function crashingKernel(name: string): string {
  const data = mkdtempSync(join(dir, 'data-'));
  mkdirSync(join(data, 'kernels', name), { recursive: true });
  writeFileSync(join(data, 'kernels', name, 'kernel.json'), JSON.stringify({
    argv: ['sh', '-c', 'echo cannot start >&2; exit 3'], display_name: name, language: 'python',
  }));
  return data;
}

describe('nbrun run: nothing written when nothing ran', () => {
  const sentinel = Buffer.from('{"precious": "bytes that must survive"}\n');
  it.each([
    { name: 'an unknown kernel', flags: ['-k', 'no-such-kernel'], exitCode: EXIT_CODES.kernelStart, mentions: 'no-such-kernel' },
    { name: '--cwd to a missing folder', flags: ['--cwd', '/no/such/folder'], exitCode: EXIT_CODES.usage, mentions: '/no/such/folder' },
    { name: 'an unreachable gateway', flags: ['--gateway-url', 'http://127.0.0.1:9', '--start-timeout', '20'], exitCode: EXIT_CODES.gateway, mentions: '127.0.0.1:9' },
    { name: 'a malformed gateway URL', flags: ['--gateway-url', 'ftp://x'], exitCode: EXIT_CODES.usage, mentions: 'ftp://x' },
    { name: 'a parameter error', flags: ['-y', '[1, 2'], exitCode: EXIT_CODES.usage, mentions: '' },
    { name: 'a kernel that fails to start', flags: ['-k', 'crashes'], exitCode: EXIT_CODES.kernelStart, mentions: 'crashes', env: { JUPYTER_PATH: crashingKernel('crashes') } },
  ])('$name: exit $exitCode, OUTPUT untouched', async ({ flags, exitCode, mentions, env }) => {
    const out = join(dir, 'precious.ipynb');
    writeFileSync(out, sentinel);
    const { code, stderr } = await runCli(['run', fixturePath('basics.ipynb'), out, ...flags], env ? { env: { ...process.env, ...env } } : {});
    expect(code, stderr).toBe(exitCode);
    expectOneLine(stderr, mentions);
    expect(readFileSync(out).equals(sentinel)).toBe(true);
  });

  it('a start failure writes no OUTPUT where none was', async () => {
    const out = join(dir, 'never-created.ipynb');
    const { code } = await runCli(['run', fixturePath('basics.ipynb'), out, '-k', 'no-such-kernel']);
    expect(code).toBe(EXIT_CODES.kernelStart);
    expect(existsSync(out)).toBe(false);
  });
});

describe('nbrun run: an OUTPUT that cannot be written is refused before any cell runs', () => {
  it.each([
    { name: 'a missing folder', out: () => join(dir, 'missing', 'out.ipynb'), reason: 'does not exist' },
    { name: 'a directory', out: () => dir, reason: 'it is a directory' },
    { name: 'a file under /proc', out: () => '/proc/nbrun-out.ipynb', reason: 'cannot create files in /proc' },
  ])('$name: exit 7, no cell ran', async ({ out, reason }) => {
    const work = mkdtempSync(join(dir, 'work-'));
    const input = join(work, 'touches.ipynb');
    writeFileSync(input, notebook(["open('ran', 'w').write('yes')"]));
    const { code, stderr } = await runCli(['run', input, out()]);
    expect(code, stderr).toBe(EXIT_CODES.io);
    expectOneLine(stderr, reason);
    expect(existsSync(join(work, 'ran'))).toBe(false);
  });
});

describe('nbrun run: a lone surrogate in a cell', () => {
  it('exits 2 at once with one line naming the cell (it hung forever)', async () => {
    const input = join(dir, 'surrogate.ipynb');
    // Valid JSON: the escape stands for half of a UTF-16 pair, which is not text.
    writeFileSync(input, notebook(['print(1)', "print('x\\ud800')"]).replace('x\\\\ud800', 'x\\ud800'));
    expect(readFileSync(input, 'utf8')).toContain("'x\\ud800'");
    const out = join(dir, 'surrogate.out.ipynb');
    const { code, stderr } = await runCli(['run', input, out]);
    expect(code, stderr).toBe(EXIT_CODES.usage);
    expectOneLine(stderr, "cell 1's source holds a lone surrogate U+D800");
    expect(existsSync(out)).toBe(false);
  });
});

describe('nbrun run: timeouts beyond setTimeout\'s 2^31 ms (24.8 days)', () => {
  it('are kept as given: the run completes (they fired at once, exit 4 or 70)', async () => {
    const out = join(dir, 'long-timeouts.ipynb');
    const days30 = String(30 * 86_400);
    const { code, stderr } = await runCli([
      'run', fixturePath('basics.ipynb'), out, '--execution-timeout', days30, '--run-timeout', days30, '--start-timeout', days30,
    ]);
    expect(code, stderr).toBe(EXIT_CODES.ok);
    expect(stderr).not.toContain('TimeoutOverflowWarning');
  });
});
