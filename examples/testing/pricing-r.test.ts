/** The same tests against an R notebook (IRkernel): values come back through jsonlite. */
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { NotebookCellError, openNotebook } from '@nbrun/core/testing';

const notebook = fileURLToPath(new URL('./pricing-r.ipynb', import.meta.url));

describe('pricing-r.ipynb', () => {
  test('functions, values and outputs of an R notebook', async () => {
    await using nb = await openNotebook(notebook, { execute: 'all' });
    expect(nb.language).toBe('R');
    expect(await nb.call('with_tax', 10)).toBe(12);
    expect(await nb.call('with_tax', 10, 0.5)).toBe(15);
    expect(await nb.call('summarize', [1, 2, 3])).toEqual({ n: 3, mean: 2, max: 3 });
    expect(await nb.value('prices')).toEqual([3.5, 1.25, 4, 2.25]);
    expect(nb.cell('report').stdout).toBe('mean price: 2.75\n');
  });

  test('an R error surfaces with its message', async () => {
    await using nb = await openNotebook(notebook, { execute: 'all' });
    const err = await nb.call('with_tax', 'ten').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotebookCellError);
    expect((err as NotebookCellError).message).toMatch(/non-numeric argument/);
  });
});
