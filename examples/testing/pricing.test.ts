/**
 * Testing a notebook's functions and outputs from vitest, with a real Python kernel
 * (ipykernel). This file is the example of the README's "Testing notebooks" section.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { NotebookCellError, openNotebook } from '@nbrun/core/testing';

const notebook = fileURLToPath(new URL('./pricing.ipynb', import.meta.url));

describe('pricing.ipynb', () => {
  test('its functions answer from the kernel, as JSON', async () => {
    await using nb = await openNotebook(notebook, { execute: 'all' });
    expect(await nb.call('with_tax', 10)).toBe(12);
    expect(await nb.call('with_tax', 10, 0.5)).toBe(15);
    expect(await nb.call('summarize', [1, 2, 3])).toEqual({ n: 3, mean: 2, max: 3 });
    expect(await nb.value('prices')).toEqual([3.5, 1.25, 4.0, 2.25]);
  });

  test('its cells show the expected outputs', async () => {
    await using nb = await openNotebook(notebook, { execute: 'all' });
    const report = nb.cell('report');
    expect(report.stdout).toBe('mean price: 2.75\n');
    expect(report.data('text/plain')).toBe("{'n': 4, 'mean': 2.75, 'max': 4.0}");
    expect(nb.cell('table').data('text/html')).toBe('<table><tr><td>3.5</td><td>1.25</td><td>4.0</td><td>2.25</td></tr></table>');
  });

  test('code injected after the data cell changes what later cells compute', async () => {
    await using nb = await openNotebook(notebook, { execute: { tag: 'setup' } });
    await nb.inject('prices = [10.0, 20.0]', { after: 'prices' });
    await nb.executeCells({ from: 'functions', to: 'report' });
    expect(nb.cell('report').stdout).toBe('mean price: 15.00\n');
  });

  test('a function called with a bad argument fails the test with the traceback', async () => {
    await using nb = await openNotebook(notebook, { execute: 'all' });
    const err = await nb.call('summarize', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotebookCellError);
    expect((err as NotebookCellError).ename).toBe('StatisticsError');
    expect((err as NotebookCellError).message).toMatch(/mean requires at least one data point/);
  });
});
