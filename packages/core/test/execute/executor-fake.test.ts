/**
 * The executor against a scripted in-memory kernel (test/helpers/fake-kernel.ts): how a run
 * reads each cell's end — completed, error, sys.exit, a timeout the kernel ignores, a death,
 * a cancel — in milliseconds, without a kernel process. Real kernels cover the rest.
 */
import { describe, expect, it } from 'vitest';
import { runNotebook, streamNotebook, type Notebook, type RunResult } from '@nbrun/core';
import { createFakeGateway, type FakeScript } from '../../../../test/helpers/fake-kernel.js';

function notebookOf(sources: string[]): Notebook {
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: sources.map((source, i) => ({ cell_type: 'code', id: `c${i}`, source, metadata: {}, outputs: [], execution_count: null })),
  } as Notebook;
}

const script: FakeScript = (code) => {
  if (code === 'print') return { stdout: 'hi\n' };
  if (code === 'result') return { result: '42' };
  if (code === 'raise') return { error: { ename: 'ValueError', evalue: 'bad' } };
  if (code === 'exit0') return { error: { ename: 'SystemExit', evalue: '0' } };
  if (code === 'sleep') return { hang: 'until-interrupted' };
  if (code === 'stubborn') return { hang: 'ignoring-interrupts' };
  if (code === 'die') return { die: { reason: 'killed', signal: 'SIGKILL', exitCode: null } };
  return {};
};

async function run(sources: string[], options: Parameters<typeof runNotebook>[1] = {}): Promise<{ result: RunResult; gateway: ReturnType<typeof createFakeGateway> }> {
  const gateway = createFakeGateway(script);
  const result = await runNotebook(notebookOf(sources), { gateway, ...options }).catch((err: { result?: RunResult }) => {
    if (!err.result) throw err;
    return err.result;
  });
  return { result, gateway };
}

describe('the executor on a scripted kernel', () => {
  it('runs the cells in order, records outputs and counts, and shuts the kernel down', async () => {
    const { result, gateway } = await run(['print', 'result', '']);
    expect(result.status).toBe('completed');
    expect(result.cells.map((c) => [c.status, c.executionCount])).toEqual([['completed', 1], ['completed', 2], ['skipped', null]]);
    expect(result.notebook.cells[0]).toMatchObject({ outputs: [{ output_type: 'stream', name: 'stdout', text: 'hi\n' }] });
    expect(result.notebook.cells[1]).toMatchObject({ outputs: [{ output_type: 'execute_result', data: { 'text/plain': '42' } }] });
    expect(gateway.kernels).toHaveLength(1);
    expect(gateway.kernels[0]!.isDead).toBe(true);
  });

  it.each([
    { name: 'an error fails the run at its cell', sources: ['raise', 'print'], status: 'failed', cells: ['failed', 'pending'], code: 'E_CELL_ERROR' },
    { name: 'an error with allowErrors keeps going', sources: ['raise', 'print'], options: { allowErrors: true }, status: 'completed', cells: ['failed', 'completed'] },
    { name: 'sys.exit(0) ends the run early, successfully', sources: ['print', 'exit0', 'print'], status: 'completed', cells: ['completed', 'completed', 'skipped'] },
    { name: 'a death fails the run as kernel-died', sources: ['die', 'print'], status: 'kernel-died', cells: ['failed', 'pending'], code: 'E_KERNEL_DIED' },
    { name: 'a cell timeout interrupts it', sources: ['sleep', 'print'], options: { cellTimeoutMs: 50 }, status: 'timed-out', cells: ['timed-out', 'pending'], code: 'E_CELL_TIMEOUT' },
  ])('$name', async ({ sources, options, status, cells, code }) => {
    const { result } = await run(sources, options ?? {});
    expect(result.status).toBe(status);
    expect(result.cells.map((c) => c.status)).toEqual(cells);
    if (code) expect(result.error?.code).toBe(code);
    else expect(result.error).toBeUndefined();
  });

  it('a kernel that ignores the interrupt: the cell times out after the grace and the message says the kernel was shut down', async () => {
    const { result, gateway } = await run(['stubborn'], { cellTimeoutMs: 50 });
    expect(result.status).toBe('timed-out');
    expect(result.error?.message).toMatch(/did not stop within 3 s, so the kernel was shut down/);
    expect(gateway.kernels[0]!.interrupts).toBeGreaterThan(0);
    // Error markers went in before the failed cell: find it by id.
    expect(result.notebook.cells.find((c) => c.id === 'c0')).toMatchObject({ outputs: [{ output_type: 'error', ename: 'CellTimeoutError' }] });
  });

  it('an abort cancels the running cell; streamNotebook tells the cell-end as cancelled', async () => {
    const gateway = createFakeGateway(script);
    const controller = new AbortController();
    const ends: string[] = [];
    const stream = streamNotebook(notebookOf(['print', 'sleep']), { gateway, signal: controller.signal });
    let last: RunResult | undefined;
    for await (const ev of stream) {
      if (ev.type === 'cell-start' && ev.index === 1) setTimeout(() => controller.abort(), 10);
      if (ev.type === 'cell-end') ends.push(ev.status);
      if (ev.type === 'run-end') last = ev.result;
    }
    expect(ends).toEqual(['completed', 'cancelled']);
    expect(last?.status).toBe('cancelled');
    expect(last?.error?.message).toBe('run cancelled during cell 1');
  });
});
