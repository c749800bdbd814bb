/**
 * Lenient reading, as nbclient reads (issue 11 item 11): what has one right answer is
 * repaired and said once with its place; the result is a valid nbformat 4.5 notebook; what
 * has no right answer, truncated JSON and files that are not notebooks stay errors.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NotebookFormatError, NotebookJsonError } from '@nbrun/core/errors.js';
import { assertValidNotebook45, parseNotebook, readNotebook, type NotebookRepair } from '@nbrun/core/notebook/index.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/notebooks/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

async function readLeniently(file: string) {
  const warnings: Array<{ message: string; repairs: NotebookRepair[] }> = [];
  const nb = await readNotebook(fixture(file), { onWarning: (message, repairs) => warnings.push({ message, repairs }) });
  return { nb, warnings };
}

describe('notebooks nbclient runs are read, repaired where there is one right answer, and said once', () => {
  it.each([
    ['lenient/kernelspec-without-display-name.ipynb', [['/metadata/kernelspec/display_name', 'added ("python3", the kernel name)']]],
    ['lenient/code-cell-without-execution-count.ipynb', [['/cells/0/execution_count', 'added (null)'], ['/cells/1/execution_count', 'added (null)']]],
    ['lenient/unknown-keys.ipynb', [
      ['/worksheets', 'removed (not an nbformat field here)'],
      ['/cells/0/collapsed', 'removed (not an nbformat field here)'],
      ['/cells/2/outputs', 'removed (not an nbformat field here)'],
    ]],
    ['markdown-cell-with-outputs.ipynb', [['/cells/0/outputs', 'removed (not an nbformat field here)']]],
    ['code-cell-without-source.ipynb', [['/cells/0/source', 'added ("")']]],
    // nbformat's own repair of invalid metadata values (strip_invalid_metadata): the whole key goes.
    ['kernelspec-without-name.ipynb', [['/metadata/kernelspec', 'removed (invalid value)']]],
  ] as const)('%s', async (file, want) => {
    const { nb, warnings } = await readLeniently(file);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.repairs.map((r) => [r.pointer, r.action])).toEqual(want);
    expect(warnings[0]!.message).toBe(
      `${fixture(file)}: not valid nbformat, read leniently as nbclient does and repaired: ${want.map(([p, a]) => `${p}: ${a}`).join('; ')}`,
    );
    expect(() => assertValidNotebook45(nb)).not.toThrow();
  });

  it("strips invalid metadata values as nbformat's repair does (nbformat's v4_5_invalid_metadata.ipynb)", async () => {
    const { nb, warnings } = await readLeniently('nbformat/v4_5_invalid_metadata.ipynb');
    expect(() => assertValidNotebook45(nb)).not.toThrow();
    expect(warnings).toHaveLength(1);
    // What nbrun's vendored 4.5 schema constrains (it leaves deletable, format, slideshow… free).
    expect(warnings[0]!.repairs.map((r) => r.pointer)).toEqual([
      '/metadata/kernelspec', '/metadata/authors', '/cells/0/metadata/jupyter', '/cells/0/metadata/execution',
      '/cells/0/metadata/collapsed', '/cells/0/metadata/scrolled', '/cells/0/metadata/name', '/cells/0/metadata/tags',
    ]);
    expect(warnings[0]!.message).toMatch(/; and 3 more$/);
    // What was valid is kept: sources, outputs, ids.
    expect(nb.cells.map((c) => [c.id, c.source])).toEqual([['asdf', '"foo"'], ['jlkj', '"foo 2"']]);
  });

  it('reads the real notebooks of nbclient and papermill without a word', async () => {
    for (const file of [
      'nbclient/skip-execution-with-cell-tag.ipynb', 'nbclient/markdown-expressions.ipynb', 'nbclient/skip-exceptions-with-cell-tags.ipynb',
      'papermill/simple_execute.ipynb', 'papermill/blank-vscode.ipynb', 'papermill/nb_version_4.4.ipynb', 'papermill/test_notebooknode_io.ipynb',
    ]) {
      const { nb, warnings } = await readLeniently(file);
      expect(warnings, file).toEqual([]);
      expect(() => assertValidNotebook45(nb)).not.toThrow();
    }
  });

  it('refuses with repair: false, naming the place', async () => {
    const err = await readNotebook(fixture('lenient/code-cell-without-execution-count.ipynb'), { repair: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotebookFormatError);
    expect((err as Error).message).toMatch(/\/cells\/0\/execution_count: required property is missing$/);
  });

  it.each([
    ['truncated.ipynb', NotebookJsonError],
    ['not-a-notebook.json', NotebookFormatError],
    ['nbformat3.ipynb', NotebookFormatError],
    ['unknown-cell-type.ipynb', NotebookFormatError],
    ['stream-without-text.ipynb', NotebookFormatError],
    ['string-execution-count.ipynb', NotebookFormatError],
    ['bad-output-type.ipynb', NotebookFormatError],
  ])('%s stays an error (no right answer)', async (file, error) => {
    const warnings: string[] = [];
    const err = await readNotebook(fixture(file), { onWarning: (m) => warnings.push(m) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error);
    expect(warnings).toEqual([]);
  });

  it('leaves the caller nothing to repair twice: a repaired notebook reads back cleanly', async () => {
    const { nb } = await readLeniently('lenient/unknown-keys.ipynb');
    const again: string[] = [];
    parseNotebook(JSON.stringify(nb), 'again.ipynb', { onWarning: (m) => again.push(m) });
    expect(again).toEqual([]);
  });
});

describe('bytes that are not UTF-8 are refused with the byte offset, as nbformat does (issue 12)', () => {
  it.each([
    [[0x7b, 0x22, 0x61, 0xff, 0x22], 'byte 0xff at byte offset 3 (invalid start byte)', '1:4'],
    [[0x7b, 0x0a, 0x22, 0xc3, 0x28, 0x22], 'byte 0xc3 at byte offset 3 (invalid continuation byte)', '2:2'],
    [[0x7b, 0x22, 0xe2, 0x82], 'byte 0xe2 at byte offset 2 (unexpected end of data)', '1:3'],
    [[0x22, 0xed, 0xa0, 0x80, 0x22], 'byte 0xed at byte offset 1 (invalid continuation byte)', '1:2'],
    [[0x22, 0xc0, 0xaf, 0x22], 'byte 0xc0 at byte offset 1 (invalid start byte)', '1:2'],
  ])('%j', async (bytes, what, where) => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'nbrun-utf8-'));
    try {
      const path = join(dir, 'latin1.ipynb');
      await writeFile(path, Buffer.from(bytes));
      const err = await readNotebook(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotebookJsonError);
      expect((err as Error).message).toBe(`${path}:${where}: not UTF-8 text: ${what}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a notebook with a byte order mark and every kind of UTF-8 sequence', async () => {
    const text = (await readFile(fixture('unicode.ipynb'), 'utf8'));
    expect(() => parseNotebook(text, 'unicode.ipynb')).not.toThrow();
    expect((await readNotebook(fixture('bom.ipynb'))).cells.length).toBeGreaterThan(0);
    expect((await readNotebook(fixture('unicode.ipynb'))).cells).toEqual(parseNotebook(text, 'u').cells);
  });
});
