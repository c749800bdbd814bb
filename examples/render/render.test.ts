/**
 * The README's `nbrun render` example end to end: run the showcase and the failing notebook
 * on a real Python kernel with `nbrun run`, render them with `nbrun render`, and check what the
 * page shows. (The structure is checked in detail in packages/render/test.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from 'nbrun';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'nbrun-render-example-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function nbrun(...argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = (write: (s: string) => void) => ({ write: (chunk: string | Uint8Array) => (write(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(argv, { stdout: sink(() => undefined), stderr: sink((s) => (stderr += s)), cwd: here });
  return { code, stderr };
}

describe('nbrun run, then nbrun render', () => {
  test('the showcase: every output, the parameters used, nothing unsafe', async () => {
    const executed = join(out, 'showcase.out.ipynb');
    expect((await nbrun('run', 'showcase.ipynb', executed, '-p', 'threshold', '0.75')).code).toBe(0);
    const { code, stderr } = await nbrun('render', executed, join(out, 'showcase.html'));
    expect([code, stderr]).toEqual([0, `nbrun: rendered ${executed} to ${join(out, 'showcase.html')}\n`]);
    const html = readFileSync(join(out, 'showcase.html'), 'utf8');
    expect(html).toContain('<span class="nb-badge nb-badge--completed">completed</span>');
    expect(html).toMatch(/<th scope="row">threshold<\/th><td>0\.75<\/td>/);
    expect(html).toContain('progress 100% ##########');
    expect(html).toContain('class="katex-display"');
    expect(html).toContain('data-mime-type="image/svg+xml"');
    expect(html).toContain('data-mime-type="image/png"');
    expect(html).toContain('ZeroDivisionError');
    expect(html).not.toContain('<script');
  });

  test('a failed run: the header names the error and links to the failed cell', async () => {
    const executed = join(out, 'failing.out.ipynb');
    expect((await nbrun('run', 'failing.ipynb', executed)).code).toBe(1);
    expect((await nbrun('render', executed, join(out, 'failing.html'), '--no-input')).code).toBe(0);
    const html = readFileSync(join(out, 'failing.html'), 'utf8');
    const link = /<a href="#(cell-[\w-]+)">Go to cell 3 \(In \[3\]\)<\/a>/.exec(html);
    expect(link).not.toBeNull();
    expect(html).toContain(`<section class="nb-cell nb-cell--code nb-cell--failed" id="${link![1]}"`);
    expect(html).toContain('ZeroDivisionError: division by zero');
  });
});
