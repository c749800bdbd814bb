/**
 * Runs that fail — a cell error, a timeout, a dead kernel, input() without answers —
 * and papermill's sys.exit cases, through the API on both gateways. After any failure:
 * the promise rejects with the documented error (and exit code), the output notebook
 * is written with every earlier output, the failing cell is marked (a marker at the
 * top linking to an anchor right before it, cell and notebook metadata), and nothing
 * after it ran.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEmbeddedGateway, createRemoteGateway, EXIT_CODES, type Gateway, type RemoteGatewayOptions, NbrunError, runNotebook, streamNotebook, type ErrorCode, type Notebook, type RunOptions, type RunResult,
  type RunStatus,
} from '@nbrun/core';
import { gatewayCases } from '../helpers/gateways.js';
import {
  cellById, cellRecord, countOf, fixturePath, joinMultiline, markerCells, outputsOf, readExecuted, readNotebookJson, runRecord,
  sourceOf, streamText, summarize,
} from '../helpers/notebooks.js';
import { findMarkedKernels, MARKER_VAR, newMarker, pollUntil } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface FailureCase {
  name: string;
  fixture: string;
  options: RunOptions;
  code: ErrorCode;
  exitCode: number;
  status: RunStatus;
  cellStatus: string;
  /** Id of the cell that fails the run. */
  failedId: string;
  /** Cells that ran before it and keep their outputs. */
  ran: string[];
  /** Cells after it: never executed. */
  notRun: string[];
  /**
   * Start the kernel before the run, so a timer of the run covers the cells only: a whole-run
   * timeout of seconds otherwise fires during a slow kernel start on a busy machine.
   */
  preStart?: boolean;
  check(nb: Notebook): void;
}

const FAILURES: FailureCase[] = [
  {
    name: 'a cell error stops the run',
    fixture: 'error-stops-run.ipynb',
    options: {},
    code: 'E_CELL_ERROR', exitCode: EXIT_CODES.cellError, status: 'failed', cellStatus: 'failed',
    failedId: 'error-stops-run-1', ran: ['error-stops-run-0'], notRun: ['error-stops-run-2'],
    check(nb) {
      expect(streamText(nb, 'error-stops-run-0')).toBe('before the error\n');
      expect(summarize(outputsOf(nb, 'error-stops-run-1'))).toEqual(['error:ValueError:boom from cell 1']);
      expect(sourceOf(cellById(nb, 'error-stops-run-3'))).toBe('The end: this markdown cell passes through.');
    },
  },
  {
    name: 'raises-exception lets one cell fail, an untagged error still stops',
    fixture: 'raises-exception-tag.ipynb',
    options: {},
    code: 'E_CELL_ERROR', exitCode: EXIT_CODES.cellError, status: 'failed', cellStatus: 'failed',
    failedId: 'raises-exception-tag-2', ran: ['raises-exception-tag-0', 'raises-exception-tag-1'], notRun: ['raises-exception-tag-3'],
    check(nb) {
      expect(summarize(outputsOf(nb, 'raises-exception-tag-0'))).toEqual(["error:KeyError:'expected failure'"]);
      expect(streamText(nb, 'raises-exception-tag-1')).toBe('runs after the tagged error\n');
      expect(summarize(outputsOf(nb, 'raises-exception-tag-2'))).toEqual(['error:RuntimeError:untagged failure']);
    },
  },
  {
    name: 'sys.exit(1) fails the run (papermill sysexit1)',
    fixture: 'sysexit1.ipynb',
    options: {},
    code: 'E_CELL_ERROR', exitCode: EXIT_CODES.cellError, status: 'failed', cellStatus: 'failed',
    failedId: 'sysexit1-1', ran: ['sysexit1-0'], notRun: ['sysexit1-2'],
    check(nb) {
      expect(outputsOf(nb, 'sysexit1-1')[0]).toMatchObject({ output_type: 'error', ename: 'SystemExit', evalue: '1' });
    },
  },
  {
    name: 'input() without answers is a clear error in that cell, never a hang',
    fixture: 'input-prompt.ipynb',
    options: {},
    code: 'E_CELL_ERROR', exitCode: EXIT_CODES.cellError, status: 'failed', cellStatus: 'failed',
    failedId: 'input-prompt-0', ran: [], notRun: ['input-prompt-1', 'input-prompt-2'],
    check(nb) {
      const errors = outputsOf(nb, 'input-prompt-0').filter((o) => o.output_type === 'error');
      expect(errors).toHaveLength(1);
      const e = errors[0] as { ename: string; evalue: string };
      expect(`${e.ename}: ${e.evalue}`).toMatch(/input|stdin/i);
    },
  },
  {
    name: 'a cell over --execution-timeout is interrupted and fails the run',
    fixture: 'sleep-60s.ipynb',
    options: { cellTimeoutMs: 2000 },
    code: 'E_CELL_TIMEOUT', exitCode: EXIT_CODES.timeout, status: 'timed-out', cellStatus: 'timed-out',
    failedId: 'sleep-60s-1', ran: ['sleep-60s-0'], notRun: ['sleep-60s-2'],
    check(nb) {
      expect(streamText(nb, 'sleep-60s-0')).toBe('started\n');
      expect(streamText(nb, 'sleep-60s-1')).toBe('sleeping\n');
      // The kernel was interrupted: its KeyboardInterrupt (or nbrun's note) is in the cell.
      expect(outputsOf(nb, 'sleep-60s-1').some((o) => o.output_type === 'error')).toBe(true);
    },
  },
  {
    name: 'a run over --run-timeout fails in the running cell',
    fixture: 'sleep-60s.ipynb',
    options: { runTimeoutMs: 4000 },
    preStart: true,
    code: 'E_RUN_TIMEOUT', exitCode: EXIT_CODES.timeout, status: 'timed-out', cellStatus: 'timed-out',
    failedId: 'sleep-60s-1', ran: ['sleep-60s-0'], notRun: ['sleep-60s-2'],
    check(nb) {
      expect(streamText(nb, 'sleep-60s-1')).toBe('sleeping\n');
    },
  },
  {
    // The cell timeout is far away: only detecting the death itself ends this test in time.
    name: 'a kernel that kills itself is detected at once, not at the timeout',
    fixture: 'kernel-suicide.ipynb',
    options: { cellTimeoutMs: 600_000 },
    code: 'E_KERNEL_DIED', exitCode: EXIT_CODES.kernelDied, status: 'kernel-died', cellStatus: 'failed',
    failedId: 'kernel-suicide-1', ran: ['kernel-suicide-0'], notRun: ['kernel-suicide-2'],
    check(nb) {
      expect(streamText(nb, 'kernel-suicide-0')).toBe('alive\n');
    },
  },
];

/** A gateway whose one kernel is already running: the run's startKernel returns it at once. */
async function preStarted(base: Gateway, marker: string): Promise<Gateway> {
  const kernel = await base.startKernel({ kernelName: 'python3', env: { [MARKER_VAR]: marker } });
  return {
    kind: base.kind,
    listKernelSpecs: (signal) => base.listKernelSpecs(signal),
    startKernel: () => Promise.resolve(kernel),
    dispose: async () => {
      await kernel.shutdown();
      await base.dispose();
    },
  };
}

/** Runs, expecting a rejection; returns the error and the notebook written to disk. */
async function runFailing(fixture: string, options: RunOptions, outputPath: string): Promise<{ error: NbrunError; nb: Notebook }> {
  const error = await runNotebook(fixturePath(fixture), { ...options, outputPath }).then(
    (r) => {
      throw new Error(`expected the run to fail, it ended ${r.status}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NbrunError);
  return { error: error as NbrunError, nb: readExecuted(outputPath) };
}

/** The marker at the top links to an anchor that sits right before the failing cell. */
function expectMarkedFailure(nb: Notebook, failedId: string): void {
  const markers = markerCells(nb);
  expect(markers.length).toBeGreaterThanOrEqual(1);
  const top = nb.cells[0]!;
  expect(top.cell_type).toBe('markdown');
  expect(markers).toContain(top);
  const href = /href="#([^"]+)"/.exec(sourceOf(top))?.[1];
  expect(href, 'the top marker links to the failing cell').toBeTruthy();
  const failedIndex = nb.cells.findIndex((c) => c.id === failedId);
  const anchor = nb.cells[failedIndex - 1]!;
  expect(sourceOf(anchor)).toContain(`id="${href}"`);
  const record = runRecord(nb) as { failed_cell?: { id?: string; index?: number } };
  expect(record.failed_cell?.id).toBe(failedId);
  expect(record.failed_cell?.index).toBe(failedIndex);
}

describe.each(gatewayCases())('failures on the $name gateway', (gw) => {
  it.each(FAILURES)('$name ($fixture)', async (c) => {
    const out = join(dir, `${gw.name}-${c.code}-${c.fixture}`);
    // Embedded: a gateway of our own, to see that a failed run leaves no kernel and no connection file.
    const marker = newMarker();
    const runtimeDir = mkdtempSync(join(dir, 'runtime-'));
    const own = gw.name === 'embedded' ? createEmbeddedGateway({ runtimeDir }) : undefined;
    const gateway = c.preStart ? await preStarted(own ?? createRemoteGateway(gw.options.gateway as RemoteGatewayOptions), marker) : own;
    let failed: { error: NbrunError; nb: Notebook };
    try {
      failed = await runFailing(c.fixture, { ...gw.options, ...(gateway ? { gateway } : {}), env: { [MARKER_VAR]: marker }, ...c.options }, out);
    } finally {
      await gateway?.dispose();
    }
    if (gateway) {
      expect(await pollUntil(() => findMarkedKernels(marker).length === 0, 5000)).toBe(true);
      expect(readdirSync(runtimeDir)).toEqual([]);
    }
    const { error, nb } = failed;
    expect(error.code).toBe(c.code);
    expect(error.exitCode).toBe(c.exitCode);
    expect(error.message).not.toMatch(/\n/);
    const result = (error as NbrunError & { result?: RunResult }).result;
    expect(result?.status).toBe(c.status);
    expect(result?.outputPath).toBe(out);
    expect(runRecord(nb)).toMatchObject({ status: c.status, error: { code: c.code } });
    expectMarkedFailure(nb, c.failedId);
    expect(cellRecord(nb, c.failedId)).toMatchObject({ status: c.cellStatus });
    for (const id of c.ran) expect(countOf(nb, id), id).not.toBeNull();
    for (const id of c.notRun) {
      expect(countOf(nb, id), id).toBeNull();
      expect(outputsOf(nb, id), id).toEqual([]);
    }
    c.check(nb);
  });

  it('--allow-errors runs every cell and keeps the errors', async () => {
    const out = join(dir, `${gw.name}-allow-errors.ipynb`);
    const result = await runNotebook(fixturePath('error-stops-run.ipynb'), { ...gw.options, outputPath: out, allowErrors: true });
    expect(result.status).toBe('completed');
    const nb = readExecuted(out);
    expect(markerCells(nb)).toEqual([]);
    expect(summarize(outputsOf(nb, 'error-stops-run-1'))).toEqual(['error:ValueError:boom from cell 1']);
    expect(streamText(nb, 'error-stops-run-2')).toBe('after the error\n');
    expect(['error-stops-run-0', 'error-stops-run-1', 'error-stops-run-2'].map((id) => countOf(nb, id))).toEqual([1, 2, 3]);
  });

  // papermill: sys.exit() / sys.exit(0) end the notebook early without failing the run.
  it.each([
    { fixture: 'sysexit0.ipynb', evalue: '0' },
    { fixture: 'sysexit.ipynb', evalue: '' },
  ])('$fixture ends the run early and successfully (papermill)', async ({ fixture, evalue }) => {
    const stem = fixture.replace('.ipynb', '');
    const out = join(dir, `${gw.name}-${fixture}`);
    const result = await runNotebook(fixturePath(fixture), { ...gw.options, outputPath: out });
    expect(result.status).toBe('completed');
    const nb = readExecuted(out);
    expect(markerCells(nb)).toEqual([]);
    expect(countOf(nb, `${stem}-0`)).toBe(1);
    expect(countOf(nb, `${stem}-1`)).toBe(2);
    expect(outputsOf(nb, `${stem}-1`)[0]).toMatchObject({ output_type: 'error', ename: 'SystemExit', evalue });
    expect(countOf(nb, `${stem}-2`)).toBeNull();
    expect(outputsOf(nb, `${stem}-2`)).toEqual([]);
  });

  it('input() is answered from the given inputs, in order', async () => {
    const inputs = ['Ada', '36'];
    const out = join(dir, `${gw.name}-input-answered.ipynb`);
    const result = await runNotebook(fixturePath('input-prompt.ipynb'), { ...gw.options, outputPath: out, inputs });
    expect(result.status).toBe('completed');
    const nb = readExecuted(out);
    expect(streamText(nb, 'input-prompt-1')).toBe('hello Ada\n');
    expect(streamText(nb, 'input-prompt-2')).toMatch(/age 37\n$/);
    expect(inputs, 'the caller\'s array is not consumed').toEqual(['Ada', '36']);
  });

  it('an AbortSignal cancels the running cell, writes the partial notebook and leaves no kernel', async () => {
    const marker = newMarker();
    const out = join(dir, `${gw.name}-cancelled.ipynb`);
    const controller = new AbortController();
    let result: RunResult | undefined;
    let kernelsWhileRunning = -1;
    let savedWhileRunning = false;
    for await (const ev of streamNotebook(fixturePath('sleep-60s.ipynb'), {
      ...gw.options, outputPath: out, signal: controller.signal, env: { [MARKER_VAR]: marker }, autosaveIntervalMs: 200,
    })) {
      if (ev.type === 'output' && ev.index === 1 && !controller.signal.aborted) {
        kernelsWhileRunning = findMarkedKernels(marker).length;
        // The output file is saved while the long cell still runs (autosave), with its output so far.
        savedWhileRunning = await pollUntil(() => {
          try {
            return streamText(joinMultiline(readNotebookJson(out)), 'sleep-60s-1') === 'sleeping\n';
          } catch {
            return false;
          }
        }, 10_000);
        controller.abort();
      }
      if (ev.type === 'run-end') result = ev.result;
    }
    expect(savedWhileRunning).toBe(true);
    expect(result?.status).toBe('cancelled');
    expect(result?.error?.code).toBe('E_CANCELLED');
    const nb = readExecuted(out);
    expect(streamText(nb, 'sleep-60s-0')).toBe('started\n');
    expect(streamText(nb, 'sleep-60s-1')).toBe('sleeping\n');
    expect(countOf(nb, 'sleep-60s-2')).toBeNull();
    expect(cellRecord(nb, 'sleep-60s-1')).toMatchObject({ status: 'cancelled' });
    if (gw.name === 'embedded') {
      // The scan does see the run's kernel while it runs, so finding none after means it is gone.
      expect(kernelsWhileRunning).toBe(1);
      expect(await pollUntil(() => findMarkedKernels(marker).length === 0, 5000)).toBe(true);
    }
  });
});
