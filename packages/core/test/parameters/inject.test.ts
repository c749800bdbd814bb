/** Injection: placement, replacement on re-run, ordering, ids, no mutation. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INJECTED_PARAMETERS_TAG, ParameterError, injectParameters, readNotebook, type Notebook } from '@nbrun/core';
import { type Translator } from '@nbrun/core/parameters';

const fixture = (name: string) => fileURLToPath(new URL(`../../../../test/fixtures/notebooks/${name}`, import.meta.url));
const source = (nb: Notebook, i: number) => {
  const s = nb.cells[i]!.source;
  return Array.isArray(s) ? s.join('') : s;
};
const ids = (nb: Notebook) => nb.cells.map((c) => c.id);

describe('injectParameters', () => {
  it('puts the injected cell right after the parameters cell, tagged, fresh, with one line per parameter in order', async () => {
    const nb = await readNotebook(fixture('params-python.ipynb'));
    const { notebook, injectedIndex, hadParametersCell } = injectParameters(nb, { count: 42, text: 'hi' });
    expect(hadParametersCell).toBe(true);
    expect(injectedIndex).toBe(2);
    expect(ids(notebook)).toEqual(['intro', 'params', notebook.cells[2]!.id, 'use', 'print-json']);
    const cell = notebook.cells[2]!;
    expect(cell).toMatchObject({ cell_type: 'code', execution_count: null, outputs: [], metadata: { tags: [INJECTED_PARAMETERS_TAG] } });
    expect(cell.id).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
    expect(ids(nb)).not.toContain(cell.id);
    expect(source(notebook, 2)).toBe('# Parameters\ncount = 42\ntext = "hi"\n');
  });

  it('replaces the injected cell of an earlier run instead of adding a second', async () => {
    const nb = await readNotebook(fixture('params-already-injected.ipynb'));
    const { notebook, injectedIndex } = injectParameters(nb, { alpha: 0.5 });
    expect(injectedIndex).toBe(1);
    expect(notebook.cells.filter((c) => (c.metadata.tags as string[] | undefined)?.includes(INJECTED_PARAMETERS_TAG))).toHaveLength(1);
    expect(ids(notebook)).toEqual(['params', notebook.cells[1]!.id, 'print-json']);
    expect(notebook.cells[1]!.id).not.toBe('old-injected');
    expect(source(notebook, 1)).toBe('# Parameters\nalpha = 0.5\n');
    // And a second injection into the output replaces again.
    const again = injectParameters(notebook, { alpha: 0.7 });
    expect(again.notebook.cells).toHaveLength(3);
    expect(source(again.notebook, 1)).toBe('# Parameters\nalpha = 0.7\n');
  });

  it('puts the cell first, and says so, when no cell is tagged parameters', async () => {
    const nb = await readNotebook(fixture('params-none.ipynb'));
    const result = injectParameters(nb, { x: 2 });
    expect(result.hadParametersCell).toBe(false);
    expect(result.injectedIndex).toBe(0);
    expect(ids(result.notebook).slice(1)).toEqual(['first', 'print-json']);
    expect(result.undeclared).toBeUndefined();
  });

  it('uses the first parameters cell when several are tagged', () => {
    const nb: Notebook = {
      nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
      cells: [
        { cell_type: 'code', id: 'a', metadata: { tags: ['parameters'] }, source: 'a = 1', outputs: [], execution_count: null },
        { cell_type: 'code', id: 'b', metadata: { tags: ['parameters'] }, source: 'b = 1', outputs: [], execution_count: null },
      ],
    };
    expect(injectParameters(nb, { a: 2 }).injectedIndex).toBe(1);
  });

  it('does not change the notebook it is given', async () => {
    const nb = await readNotebook(fixture('params-already-injected.ipynb'));
    const before = structuredClone(nb);
    injectParameters(nb, { alpha: 1, extra: [1, { a: 2 }] });
    expect(nb).toEqual(before);
  });

  it('reports parameters the parameters cell does not define (Python and R)', async () => {
    const py = await readNotebook(fixture('params-python.ipynb'));
    expect(injectParameters(py, { count: 1, typo: 2 }).undeclared).toEqual(['typo']);
    const r = await readNotebook(fixture('params-r.ipynb'));
    const result = injectParameters(r, { count: 1, ratio: 2, other: 3 });
    expect(result.undeclared).toEqual(['other']);
    expect(result.translator.language).toBe('R');
    expect(source(result.notebook, 2)).toBe('# Parameters\ncount <- 1\nratio <- 2\nother <- 3\n');
  });

  it('chooses the translator from the options before the notebook metadata', async () => {
    const nb = await readNotebook(fixture('params-python.ipynb'));
    expect(injectParameters(nb, { n: 1 }, { kernelName: 'ir' }).translator.language).toBe('R');
    expect(injectParameters(nb, { n: 1 }, { language: 'julia', kernelName: 'julia-1.10' }).translator.language).toBe('Julia');
    const custom: Translator = { language: 'Lua', languages: ['lua'], assign: (n, v) => `${n} = ${String(v)}`, comment: (t) => `-- ${t}` };
    expect(source(injectParameters(nb, { n: 1 }, { translator: custom }).notebook, 2)).toBe('-- Parameters\nn = 1\n');
  });

  it('fails with a ParameterError naming the language when no translator fits', async () => {
    const nb = await readNotebook(fixture('params-python.ipynb'));
    expect(() => injectParameters(nb, { n: 1 }, { language: 'cobol', kernelName: 'cobol-kernel' })).toThrow(ParameterError);
    expect(() => injectParameters(nb, { n: 1 }, { language: 'cobol', kernelName: 'cobol-kernel' })).toThrow(/language 'cobol'/);
  });

  it('gives the new cell no id in an nbformat 4.4 notebook (its schema has none) and the given id when asked', () => {
    const nb44: Notebook = { nbformat: 4, nbformat_minor: 4, metadata: { language_info: { name: 'python' } }, cells: [] };
    expect(injectParameters(nb44, { a: 1 }).notebook.cells[0]!.id).toBeUndefined();
    const nb45: Notebook = { ...nb44, nbformat_minor: 5 };
    expect(injectParameters(nb45, { a: 1 }, { cellId: 'injected' }).notebook.cells[0]!.id).toBe('injected');
  });
});
