/**
 * The notebooks papermill and nbclient users already run (issue 11 items 8, 10–12), through
 * `nbrun run` with real kernels: notebooks nbclient runs in spite of a validation error are
 * run, repaired and written valid, with one warning naming the place; papermill's and
 * nbclient's own test notebooks run; the kernel name `python`; error markers of an earlier
 * papermill or nbrun run are gone from the next run's output.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, type Notebook } from '@nbrun/core';
import { runCli } from '../helpers/cli.js';
import { assertValidNotebook, fixturePath, readNotebookJson, runRecord, sourceOf } from '../helpers/notebooks.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stdoutOf = (nb: Notebook) =>
  nb.cells
    .flatMap((c) => (c.cell_type === 'code' ? (c.outputs as Array<{ name?: string; text?: string | string[] }>) : []))
    .filter((o) => o.name === 'stdout')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text))
    .join('');
const tagsOf = (nb: Notebook) => nb.cells.map((c) => ((c.metadata as { tags?: string[] }).tags ?? []).join(','));

describe('notebooks nbclient runs although they fail validation (item 11)', () => {
  it.each([
    ['lenient/kernelspec-without-display-name.ipynb', '/metadata/kernelspec/display_name: added ("python3", the kernel name)'],
    ['lenient/code-cell-without-execution-count.ipynb', '/cells/0/execution_count: added (null); /cells/1/execution_count: added (null)'],
    ['lenient/unknown-keys.ipynb', '/worksheets: removed (not an nbformat field here); /cells/0/collapsed: removed'],
    ['nbformat/v4_5_invalid_metadata.ipynb', '/metadata/kernelspec: removed (invalid value)'],
  ])('%s runs, warns once with the place, and is written valid', async (file, place) => {
    const out = join(dir, file.replace('/', '-'));
    const { code, stderr } = await runCli(['run', fixturePath(file), out, '--no-progress']);
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(EXIT_CODES.ok);
    const warnings = stderr.split('\n').filter((l) => l.startsWith('nbrun: warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('not valid nbformat, read leniently as nbclient does and repaired: ');
    expect(warnings[0]).toContain(place);
    const nb = readNotebookJson(out);
    assertValidNotebook(nb, file);
    expect(runRecord(nb).status).toBe('completed');
    expect((runRecord(nb).warnings as string[]).filter((w) => w.includes('read leniently'))).toHaveLength(1);
  });

  it('writes the kernelspec it ran where the input had none valid', async () => {
    const out = join(dir, 'invalid-metadata.out.ipynb');
    expect((await runCli(['run', fixturePath('nbformat/v4_5_invalid_metadata.ipynb'), out, '--no-progress'])).code).toBe(EXIT_CODES.ok);
    expect(readNotebookJson(out).metadata.kernelspec).toMatchObject({ name: 'python3', language: 'python' });
  });

  it('truncated JSON and a file that is not a notebook stay errors (exit 2)', async () => {
    for (const file of ['truncated.ipynb', 'not-a-notebook.json', 'unknown-cell-type.ipynb']) {
      const { code, stderr } = await runCli(['run', fixturePath(file), join(dir, 'never.ipynb'), '--no-progress']);
      expect(code, file).toBe(EXIT_CODES.usage);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe("papermill's and nbclient's own test notebooks", () => {
  it.each([
    ['papermill/simple_execute.ipynb', 'None\n'],
    ['papermill/report_mode_test.ipynb', '2\n'],
    ['papermill/nb_version_4.4.ipynb', '1\n'],
    ['papermill/test_notebooknode_io.ipynb', 'Hello World\n'],
    ['papermill/blank-vscode.ipynb', ''],
    ['nbclient/skip-execution-with-cell-tag.ipynb', 'ok\n'],
    ['nbclient/skip-exceptions-with-cell-tags.ipynb', 'hello\nok\n'],
  ])('%s runs', async (file, printed) => {
    const out = join(dir, file.replace('/', '-'));
    const { code, stderr } = await runCli(['run', fixturePath(file), out, '--no-progress']);
    expect(stderr).not.toMatch(/warning|error/i);
    expect(code).toBe(EXIT_CODES.ok);
    const nb = readNotebookJson(out);
    assertValidNotebook(nb, file);
    expect(stdoutOf(nb)).toBe(printed);
  });

  it('papermill/line_magic_error.ipynb fails at its first cell, as in papermill (exit 1)', async () => {
    const out = join(dir, 'line-magic.out.ipynb');
    const { code } = await runCli(['run', fixturePath('papermill/line_magic_error.ipynb'), out, '--no-progress']);
    expect(code).toBe(EXIT_CODES.cellError);
    expect(stdoutOf(readNotebookJson(out))).toBe('');
  });

  it('-p injects after the parameters cell of papermill/simple_execute.ipynb; -k python is the native Python kernel (item 10)', async () => {
    const out = join(dir, 'simple-python.out.ipynb');
    const { code } = await runCli(['run', fixturePath('papermill/simple_execute.ipynb'), out, '-k', 'python', '-p', 'msg', 'Hello', '--no-progress']);
    expect(code).toBe(EXIT_CODES.ok);
    const nb = readNotebookJson(out);
    expect(stdoutOf(nb)).toBe('Hello\n');
    expect(sourceOf(nb.cells[1]!)).toBe('# Parameters\nmsg = "Hello"\n');
  });

  it('papermill/notimplemented_translator.ipynb (kernelspec r, language R, empty language_info.name) gets R parameters (item 8)', async () => {
    // --prepare-only: before any kernel, the language comes from the kernelspec.
    const prepared = join(dir, 'notimplemented.prepared.ipynb');
    const prep = await runCli(['run', fixturePath('papermill/notimplemented_translator.ipynb'), prepared, '--prepare-only', '-p', 'msg', 'hi']);
    expect(prep.stderr).not.toMatch(/unknown/);
    expect(prep.code).toBe(EXIT_CODES.ok);
    expect(sourceOf(readNotebookJson(prepared).cells[1]!)).toBe('# Parameters\nmsg <- "hi"\n');
    // And a run on a machine whose R kernelspec is named `r` (IRkernel's, under that name); the
    // parameters cell itself (`msg = None`) is Python, not R, so errors are allowed.
    const data = join(dir, 'jupyter-data');
    mkdirSync(join(data, 'kernels'), { recursive: true });
    cpSync('/usr/share/jupyter/kernels/ir', join(data, 'kernels', 'r'), { recursive: true });
    const out = join(dir, 'notimplemented.out.ipynb');
    // The embedded gateway finds kernelspecs through this process's environment.
    const saved = process.env.JUPYTER_PATH;
    process.env.JUPYTER_PATH = data;
    let result;
    try {
      result = await runCli(['run', fixturePath('papermill/notimplemented_translator.ipynb'), out, '-p', 'msg', 'hi', '--allow-errors', '--no-progress']);
    } finally {
      if (saved === undefined) delete process.env.JUPYTER_PATH;
      else process.env.JUPYTER_PATH = saved;
    }
    const { code, stderr } = result;
    expect(stderr).not.toMatch(/unknown|no parameter translator/i);
    expect(code).toBe(EXIT_CODES.ok);
    const nb = readNotebookJson(out);
    expect(sourceOf(nb.cells[1]!)).toBe('# Parameters\nmsg <- "hi"\n');
    expect((runRecord(nb).kernel as { language: string }).language).toBe('R');
  });
});

describe('error markers of an earlier failed run are removed when the notebook runs again (item 12)', () => {
  it("papermill's markers: gone from the run's output and from --prepare-only's", async () => {
    const input = fixturePath('papermill-failed-run.ipynb');
    expect(tagsOf(readNotebookJson(input)).filter((t) => t === 'papermill-error-cell-tag')).toHaveLength(2);
    const out = join(dir, 'papermill-rerun.ipynb');
    const { code } = await runCli(['run', input, out, '-p', 'x', '5', '--no-progress']);
    expect(code).toBe(EXIT_CODES.ok);
    const nb = readNotebookJson(out);
    expect(tagsOf(nb)).toEqual(['parameters', 'injected-parameters', '', '']);
    expect(stdoutOf(nb)).toBe('x is 5\ndone\n');
    // Other tools' metadata stays (papermill's record of its own run).
    expect(nb.metadata.papermill).toBeDefined();
    const prepared = join(dir, 'papermill-prepared.ipynb');
    expect((await runCli(['run', input, prepared, '--prepare-only', '-p', 'x', '5'])).code).toBe(EXIT_CODES.ok);
    expect(tagsOf(readNotebookJson(prepared))).toEqual(['parameters', 'injected-parameters', '', '']);
  });

  it("papermill 0.x's hidden %%html marker cell is removed too", async () => {
    const nb = readNotebookJson(fixturePath('papermill-failed-run.ipynb'));
    nb.cells = nb.cells.filter((c) => !tagsOf({ ...nb, cells: [c] })[0]!.includes('papermill-error'));
    nb.cells.unshift({
      cell_type: 'code', execution_count: null, id: 'legacy-marker', metadata: { hide_input: true, inputHidden: true }, outputs: [],
      source: `%%html\n<span style="color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;">An Exception was encountered at <a href='#a994bc1df-e442-4f6a-8fd7-5aa096f77984'>'In [2]'</a>.</span>`,
    });
    const input = join(dir, 'legacy-marker.ipynb');
    writeFileSync(input, JSON.stringify(nb));
    const out = join(dir, 'legacy-marker.out.ipynb');
    expect((await runCli(['run', input, out, '-p', 'x', '5', '--no-progress'])).code).toBe(EXIT_CODES.ok);
    expect(readNotebookJson(out).cells.map((c) => c.id)).not.toContain('legacy-marker');
  });

  it("nbrun's own markers: a failed output, run again, has none; prepared again, has none", async () => {
    const failed = join(dir, 'nbrun-failed.ipynb');
    const first = await runCli(['run', fixturePath('papermill-failed-run.ipynb'), failed, '-p', 'x', '-1', '--no-progress']);
    expect(first.code).toBe(EXIT_CODES.cellError);
    expect(tagsOf(readNotebookJson(failed)).filter((t) => t === 'nbrun-error')).toHaveLength(2);
    const again = join(dir, 'nbrun-again.ipynb');
    expect((await runCli(['run', failed, again, '-p', 'x', '2', '--no-progress'])).code).toBe(EXIT_CODES.ok);
    expect(tagsOf(readNotebookJson(again))).toEqual(['parameters', 'injected-parameters', '', '']);
    const prepared = join(dir, 'nbrun-prepared.ipynb');
    expect((await runCli(['run', failed, prepared, '--prepare-only', '-p', 'x', '2'])).code).toBe(EXIT_CODES.ok);
    expect(readFileSync(prepared, 'utf8')).not.toContain('nbrun-error');
  });
});
