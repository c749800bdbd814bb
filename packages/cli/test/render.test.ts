/** `nbrun render`: paths, stdout, options, exit codes, and never a clobbered input or output. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { defaultHtmlPath } from '../src/commands/render.js';
import { main } from '../src/main.js';

const executed = fileURLToPath(new URL('../../render/test/fixtures/failing.executed.ipynb', import.meta.url));
const badFixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/notebooks/${name}`, import.meta.url));
const builtCli = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

async function nbrun(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (write: (s: string) => void) =>
    ({
      write: (chunk: string | Uint8Array, cb?: (err?: Error | null) => void) => {
        write(String(chunk));
        cb?.();
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const code = await main(argv, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), cwd });
  return { code, stdout, stderr };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nbrun-render-cli-'));
  copyFileSync(executed, join(dir, 'report.ipynb'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('nbrun render', () => {
  it('writes IN with .html next to the notebook by default', async () => {
    const { code, stderr, stdout } = await nbrun(['render', 'report.ipynb'], dir);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toBe('');
    expect(stderr).toBe('nbrun: rendered report.ipynb to report.html\n');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<title>report.ipynb</title>');
    expect(html).toContain('Content-Security-Policy');
  });

  it('writes to OUT when given, and to stdout for -', async () => {
    expect((await nbrun(['render', 'report.ipynb', 'out/../page.html'], dir)).code).toBe(EXIT_CODES.ok);
    expect(existsSync(join(dir, 'page.html'))).toBe(true);
    const { code, stdout, stderr } = await nbrun(['render', 'report.ipynb', '-'], dir);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toMatch(/^<!DOCTYPE html>[\s\S]*<\/html>\n$/);
    expect(stderr).toBe('');
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  });

  it('takes --no-input, --trusted and --title', async () => {
    const { stdout } = await nbrun(['render', 'report.ipynb', '-', '--no-input', '--trusted', '--title', 'Nightly'], dir);
    expect(stdout).toContain('<title>Nightly</title>');
    expect(stdout).not.toContain('Content-Security-Policy');
    expect(stdout).not.toContain('class="nb-source"');
    expect(stdout).toContain('nb-no-input');
  });

  it('refuses to write over the notebook itself, by name or through a link (exit 2)', async () => {
    const before = readFileSync(join(dir, 'report.ipynb'), 'utf8');
    const same = await nbrun(['render', 'report.ipynb', './report.ipynb'], dir);
    expect(same.code).toBe(EXIT_CODES.usage);
    expect(same.stderr).toBe(`nbrun: ${join(dir, 'report.ipynb')}: is the notebook itself; choose another output file\n`);
    symlinkSync(join(dir, 'report.ipynb'), join(dir, 'link.html'));
    const viaLink = await nbrun(['render', 'report.ipynb', 'link.html'], dir);
    expect(viaLink.code).toBe(EXIT_CODES.usage);
    expect(readFileSync(join(dir, 'report.ipynb'), 'utf8')).toBe(before);
  });

  it('a file that is not a notebook: one line, exit 2, an existing OUT untouched', async () => {
    writeFileSync(join(dir, 'keep.html'), 'old page');
    for (const [name, pattern] of [
      ['not-a-notebook.json', /not-a-notebook\.json: not a Jupyter notebook/],
      ['truncated.ipynb', /truncated\.ipynb:\d+:\d+: invalid JSON: .*truncated/],
      ['nbformat3.ipynb', /nbformat3\.ipynb: .*nbformat 3/],
    ] as const) {
      const { code, stderr } = await nbrun(['render', badFixture(name), 'keep.html'], dir);
      expect(code).toBe(EXIT_CODES.usage);
      expect(stderr).toMatch(pattern);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(readFileSync(join(dir, 'keep.html'), 'utf8')).toBe('old page');
  });

  it('usage errors exit 2; an output that cannot be written exits 7', async () => {
    expect((await nbrun(['render'], dir)).stderr).toMatch(/missing IN notebook/);
    expect((await nbrun(['render', 'missing.ipynb'], dir)).code).toBe(EXIT_CODES.usage);
    expect((await nbrun(['render', 'report.ipynb', 'a.html', 'b.html'], dir)).code).toBe(EXIT_CODES.usage);
    const unknown = await nbrun(['render', 'report.ipynb', '--no-inputs'], dir);
    expect([unknown.code, unknown.stderr]).toEqual([EXIT_CODES.usage, "nbrun: nbrun render: unknown option '--no-inputs' (see 'nbrun render --help')\n"]);
    const noDir = await nbrun(['render', 'report.ipynb', 'no/such/dir/page.html'], dir);
    expect(noDir.code).toBe(EXIT_CODES.io);
    expect(noDir.stderr).toMatch(/page\.html/);
  });

  it('has help', async () => {
    const { code, stdout } = await nbrun(['render', '--help'], dir);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toMatch(/^Usage: nbrun render IN\.ipynb \[OUT\.html\] \[options\]/);
  });

  it('defaultHtmlPath keeps the folder and swaps .ipynb for .html', () => {
    expect(defaultHtmlPath('runs/a.out.ipynb')).toBe(join('runs', 'a.out.html'));
    expect(defaultHtmlPath('notes')).toBe('notes.html');
  });

  it('the built command pipes the page to stdout and exits 0; a bad file exits 2', () => {
    expect(existsSync(builtCli), `build first: pnpm -r run build (${builtCli})`).toBe(true);
    const ok = spawnSync(process.execPath, [builtCli, 'render', executed, '-', '--no-input'], { encoding: 'utf8' });
    expect(ok.status).toBe(EXIT_CODES.ok);
    expect(ok.stdout).toMatch(/^<!DOCTYPE html>/);
    const bad = spawnSync(process.execPath, [builtCli, 'render', badFixture('not-a-notebook.json'), '-'], { encoding: 'utf8' });
    expect(bad.status).toBe(EXIT_CODES.usage);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
