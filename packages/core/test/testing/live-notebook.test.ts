/** The testing API against real kernels: selection, values, calls, injection, errors, shutdown. */
import { describe, expect, inject, test } from 'vitest';
import { CellExecutionError, CellTimeoutError, UsageError, liveKernelCount, type Notebook } from '@nbrun/core';
import { NotebookCellError, openNotebook } from '@nbrun/core/testing';

type CellSpec = string | { id?: string; source: string; tags?: string[]; markdown?: boolean };

/** A Python notebook whose cells have ids c0, c1, … unless given. */
function notebookOf(cells: CellSpec[]): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((c, i) => {
      const spec = typeof c === 'string' ? { source: c } : c;
      const base = { id: spec.id ?? `c${i}`, source: spec.source, metadata: spec.tags ? { tags: spec.tags } : {} };
      return spec.markdown ? { ...base, cell_type: 'markdown' } : { ...base, cell_type: 'code', outputs: [], execution_count: null };
    }),
  } as Notebook;
}

const steps = notebookOf([
  { source: '# Steps', markdown: true },
  { source: 'log = []', tags: ['setup'] },
  "log.append('a')",
  { source: "log.append('skipped')", tags: ['skip-execution'] },
  { id: 'b', source: "log.append('b')", tags: ['setup'] },
  "log.append('c')\nprint(' '.join(log))",
]);

describe('executeCells', () => {
  test.each([
    { name: 'all', selection: 'all' as const, log: ['a', 'b', 'c'] },
    { name: 'a tag', selection: { tag: 'setup' }, log: ['b'] },
    { name: 'a range by index and id, both ends included', selection: { from: 1, to: 'b' }, log: ['a', 'b'] },
    { name: 'a list of ids and negative indices', selection: ['c1', -1], log: ['c'] },
  ])('runs $name in notebook order (markdown and skip-execution cells passed over)', async ({ selection, log }) => {
    await using nb = await openNotebook(steps);
    await nb.executeCells(selection);
    // Whatever ran after `log = []` is what the selection contained.
    expect(await nb.value('log')).toEqual(log);
    expect(nb.cell(3).executionCount).toBeNull();
  });

  test('names the bad reference in a UsageError', async () => {
    await using nb = await openNotebook(steps);
    await expect(nb.executeCells('nope')).rejects.toThrow(/no cell with id 'nope'/);
    await expect(nb.executeCells(99)).rejects.toThrow(/cell index 99 is out of range \(the notebook has 6 cells\)/);
    await expect(nb.executeCells({ tag: 'absent' })).rejects.toThrow(UsageError);
  });
});

describe('value and call', () => {
  test('values come back as JSON, arguments go in as exact literals', async () => {
    await using nb = await openNotebook(notebookOf(['def echo(*args):\n    return list(args)', 'data = {"k": [1, 2.5, None, True], "s": "é\\n\\"q\\""}']), {
      execute: 'all',
    });
    expect(await nb.value('data')).toEqual({ k: [1, 2.5, null, true], s: 'é\n"q"' });
    const tricky = ["it's \"quoted\"\n{}", 0.1, -0, 2 ** 53, { nested: [[]], empty: {} }, null, false];
    expect(await nb.call('echo', ...tricky)).toEqual(tricky);
    // The argument variables do not stay behind in the kernel.
    expect(await nb.value("[n for n in globals() if n.startswith('nbrun_arg')]")).toEqual([]);
    // Evaluations are not cells: the notebook is unchanged.
    expect(nb.notebook.cells).toHaveLength(2);
  });

  test('a value JSON cannot hold fails with the kernel error', async () => {
    await using nb = await openNotebook(notebookOf(['import math']), { execute: 'all' });
    const err = await nb.value('math.nan').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotebookCellError);
    expect((err as NotebookCellError).ename).toBe('ValueError');
    expect((err as NotebookCellError).expression).toBe('math.nan');
    expect((err as NotebookCellError).cell.cellIndex).toBe(-1);
  });
});

describe('inject', () => {
  test('inserts before or after a cell, runs it unless run: false, and views follow their cells', async () => {
    await using nb = await openNotebook(notebookOf(['x = 1', 'y = x * 10\nprint(y)']));
    const last = nb.cell(1);
    const before = await nb.inject('x = 5', { after: 0, run: false });
    expect(before.index).toBe(1);
    expect(last.index).toBe(2);
    expect(before.executionCount).toBeNull();
    await nb.execute();
    expect(last.stdout).toBe('50\n');
    const appended = await nb.inject('print(y + 1)');
    expect(appended.index).toBe(3);
    expect(appended.text).toBe('51\n');
    const first = await nb.inject('print("first")', { before: 'c0' });
    expect(first.index).toBe(0);
    expect(first.stdout).toBe('first\n');
  });
});

describe('cell outputs', () => {
  test('text, data by mimetype, stderr and the error of a cell', async () => {
    await using nb = await openNotebook(
      notebookOf([
        "import sys\nfrom IPython.display import display, HTML\nprint('out')\nprint('err', file=sys.stderr)\ndisplay(HTML('<b>x</b>'))\n{'a': 1}",
        { source: 'raise KeyError("missing")', tags: ['raises-exception'] },
      ]),
      { execute: 'all' },
    );
    const c = nb.cell(0);
    expect(c.stdout).toBe('out\n');
    expect(c.stderr).toBe('err\n');
    expect(c.data('text/html')).toBe('<b>x</b>');
    expect(c.data('text/plain')).toBe('<IPython.core.display.HTML object>');
    expect(c.text).toBe("out\nerr\n<IPython.core.display.HTML object>\n{'a': 1}\n");
    expect(c.error).toBeUndefined();
    const e = nb.cell(1).error!;
    expect(e.ename).toBe('KeyError');
    expect(e.evalue).toBe("'missing'");
    expect(e.traceback.join('\n')).toContain('raise KeyError("missing")');
    expect(e.traceback.join('\n')).not.toContain('\u001b[');
  });
});

describe('errors', () => {
  const broken = notebookOf(['x = 1', { id: 'boom', source: "def f():\n    return undefined_name\n\nf()" }, 'never = True']);

  test('a failing cell throws a NotebookCellError naming the cell, its source and the plain traceback', async () => {
    await using nb = await openNotebook(broken);
    const err = await nb.execute().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotebookCellError);
    expect(err).toBeInstanceOf(CellExecutionError);
    const e = err as NotebookCellError;
    expect(e.code).toBe('E_CELL_ERROR');
    expect(e.cell).toMatchObject({ cellIndex: 1, cellId: 'boom' });
    expect(e.ename).toBe('NameError');
    const [head, ...rest] = e.message.split('\n');
    expect(head).toBe("cell 1 (id boom) failed: NameError: name 'undefined_name' is not defined");
    expect(rest.join('\n')).toContain('    def f():');
    expect(rest.join('\n')).toMatch(/----> 2\s+return undefined_name/);
    expect(e.message).not.toContain('\u001b[');
    // The run stopped at the failing cell.
    expect(nb.cell(2).executionCount).toBeNull();
  });

  test('allowErrors keeps going; the error stays in the outputs', async () => {
    await using nb = await openNotebook(broken, { allowErrors: true, execute: 'all' });
    expect(nb.cell('boom').error?.ename).toBe('NameError');
    expect(await nb.value('never')).toBe(true);
  });

  test('sys.exit(0) ends the cells run successfully, as it ends a run; sys.exit(1) fails', async () => {
    await using nb = await openNotebook(notebookOf(['ran = 1', 'import sys\nsys.exit(0)', 'ran = 2']));
    const ran = await nb.execute();
    expect(ran.map((c) => c.index)).toEqual([0, 1]);
    expect(await nb.value('ran')).toBe(1);
    await expect(nb.inject('sys.exit(1)')).rejects.toThrow(/SystemExit: 1/);
  });

  test('a cell over timeoutMs is interrupted and the kernel stays usable', async () => {
    await using nb = await openNotebook(notebookOf(['import time\ntime.sleep(30)']), { timeoutMs: 1500 });
    await expect(nb.execute()).rejects.toBeInstanceOf(CellTimeoutError);
    expect(await nb.value('1 + 1')).toBe(2);
  });
});

describe('kernel shutdown', () => {
  test('await using shuts the kernel down when the block throws; close() is idempotent; calls after close fail', async () => {
    const before = liveKernelCount();
    let kept: Awaited<ReturnType<typeof openNotebook>> | undefined;
    const thrown = await (async () => {
      await using nb = await openNotebook(notebookOf(['x = 1']), { execute: 'all' });
      kept = nb;
      expect(liveKernelCount()).toBe(before + 1);
      throw new Error('test body failed');
    })().catch((e: unknown) => e);
    expect((thrown as Error).message).toBe('test body failed');
    expect(liveKernelCount()).toBe(before);
    expect(kept!.kernel.isDead || kept!.closed).toBe(true);
    await kept!.close();
    await expect(kept!.value('x')).rejects.toThrow(/is closed/);
  });

  test('openNotebook shuts its kernel down when the initial execution fails', async () => {
    const before = liveKernelCount();
    await expect(openNotebook(notebookOf(['1 / 0']), { execute: 'all' })).rejects.toThrow(/ZeroDivisionError/);
    expect(liveKernelCount()).toBe(before);
  });
});

test('works through a remote gateway (Jupyter Server)', async () => {
  const gateway = { url: inject('jupyterUrl'), token: inject('jupyterToken') };
  await using nb = await openNotebook(notebookOf(['def square(v):\n    return v * v']), { gateway, execute: 'all' });
  expect(nb.kernel.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(await nb.call('square', 12)).toBe(144);
});
