/**
 * Runs notebooks as tests: reads each one and its test settings, runs the runnable ones
 * through the core's runNotebook, a bounded number at once (p-queue), with kernels
 * from a {@link KernelPool}, and reports one outcome per notebook as it ends.
 */
import { dirname, relative, sep } from 'node:path';
import {
  CellExecutionError, NbrunError, readNotebook, resolveGateway, runNotebook,
  type Gateway, type Notebook, type RemoteGatewayOptions, type RunOptions, type RunResult,
} from '@nbrun/core';
import { kernelNameFor } from '@nbrun/core/kernel';
import { stripAnsi } from '@nbrun/core/testing';
import PQueue from 'p-queue';
import { KernelPool } from './kernel-pool.js';
import { readTestSettings, type NotebookTestSettings } from './settings.js';

export type OutcomeStatus = 'pass' | 'fail' | 'timeout' | 'skip';

export interface NotebookOutcome {
  /** Absolute path. */
  path: string;
  /** Path as shown to the user (relative to the working directory, `/`-separated). */
  display: string;
  status: OutcomeStatus;
  durationMs: number;
  /** One line: why it failed, timed out or was skipped. */
  message?: string;
  /** The traceback (ANSI colours stripped), for JUnit. */
  details?: string;
  ename?: string;
  code?: string;
  /** Index of the failing cell. */
  cellIndex?: number;
}

export interface SuiteOptions {
  /** Notebooks run at once. */
  jobs: number;
  /** Default whole-notebook timeout (seconds); metadata `nbrun.test.timeout` wins. */
  timeoutSec?: number;
  /** Default per-cell timeout (seconds); metadata `execution.timeout` wins. */
  cellTimeoutSec?: number;
  startTimeoutSec?: number;
  /** Forces the kernel of every notebook. */
  kernelName?: string;
  /** Default for allowing cell errors; metadata wins. */
  allowErrors?: boolean;
  /** Write each executed notebook over its input (atomically). */
  overwrite?: boolean;
  reuseKernels?: boolean;
  prestart?: boolean;
  gateway?: Gateway | RemoteGatewayOptions;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Called as each notebook ends (in completion order). */
  onOutcome?: (outcome: NotebookOutcome) => void;
}

export interface SuiteResult {
  /** In path order. */
  outcomes: NotebookOutcome[];
  durationMs: number;
  /** Kernels started and restarts done (for `--verbose`-style reports and tests). */
  kernelsStarted: number;
  kernelsRestarted: number;
  cancelled: boolean;
}

interface Planned {
  path: string;
  display: string;
  notebook?: Notebook;
  settings?: NotebookTestSettings;
  kernelName?: string;
  problem?: NbrunError;
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return (rel.startsWith('..') ? path : rel).split(sep).join('/');
}

const firstLine = (s: string) => stripAnsi(s).split('\n', 1)[0] ?? '';

/** The outcome of a finished run. */
function outcomeOf(plan: Planned, result: RunResult): NotebookOutcome {
  const base = { path: plan.path, display: plan.display, durationMs: result.durationMs };
  const err = result.error;
  if (!err) return { ...base, status: 'pass' };
  const cell = (err as { cell?: { cellIndex: number } }).cell;
  const at = cell ? `cell ${cell.cellIndex}: ` : '';
  if (err instanceof CellExecutionError) {
    return {
      ...base,
      status: 'fail',
      message: `${at}${err.ename}: ${firstLine(err.evalue)}`,
      details: [`${at}${err.ename}: ${stripAnsi(err.evalue)}`, ...err.traceback.map(stripAnsi)].join('\n'),
      ename: err.ename,
      code: err.code,
      ...(cell ? { cellIndex: cell.cellIndex } : {}),
    };
  }
  // A notebook stopped by a signal: a failure saying so (and where), with the results so far.
  const message = err.code === 'E_CANCELLED' ? err.message : `${at}${err.message.replace(/^cell \d+ /, '')}`;
  return {
    ...base,
    status: result.status === 'timed-out' ? 'timeout' : 'fail',
    message,
    details: message,
    code: err.code,
    ...(cell ? { cellIndex: cell.cellIndex } : {}),
  };
}

/**
 * Runs the notebooks at `paths` (absolute) as a suite.
 * @example const { outcomes } = await runSuite(await findNotebooks(['examples'], cwd), cwd, { jobs: 2 });
 */
export async function runSuite(paths: readonly string[], cwd: string, options: SuiteOptions): Promise<SuiteResult> {
  const t0 = performance.now();
  const plans: Planned[] = [];
  for (const path of paths) {
    const plan: Planned = { path, display: displayPath(path, cwd) };
    try {
      plan.notebook = await readNotebook(path);
      plan.settings = readTestSettings(plan.notebook);
      plan.kernelName = kernelNameFor(plan.notebook, options.kernelName ?? plan.settings.kernelName);
    } catch (err) {
      plan.problem = err instanceof NbrunError ? err : new NbrunError('E_INTERNAL', String(err), { cause: err });
    }
    plans.push(plan);
  }

  const { gateway: base, owned } = resolveGateway(options.gateway);
  const pool = new KernelPool(base, {
    reuse: options.reuseKernels ?? false,
    prestart: options.prestart ?? true,
    maxSpare: Math.max(1, options.jobs),
  });
  const startOptions = (plan: Planned) => ({ kernelName: plan.kernelName!, cwd: dirname(plan.path), ...(options.env ? { env: options.env } : {}) });
  const byPath = new Map<string, NotebookOutcome>();
  const report = (o: NotebookOutcome) => {
    byPath.set(o.path, o);
    options.onOutcome?.(o);
  };
  const runnable: Planned[] = [];
  for (const plan of plans) {
    if (plan.problem) report({ path: plan.path, display: plan.display, status: 'fail', durationMs: 0, message: plan.problem.message, details: plan.problem.message, code: plan.problem.code });
    else if (plan.settings!.skip !== undefined) report({ path: plan.path, display: plan.display, status: 'skip', durationMs: 0, ...(plan.settings!.skip ? { message: plan.settings!.skip } : {}) });
    else {
      runnable.push(plan);
      pool.expect(startOptions(plan));
    }
  }

  const queue = new PQueue({ concurrency: Math.max(1, options.jobs) });
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    queue.clear();
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const plan of runnable) {
      void queue.add(async () => {
        const s = plan.settings!;
        const timeoutSec = s.timeoutSec ?? options.timeoutSec;
        const cellTimeoutSec = s.cellTimeoutSec ?? options.cellTimeoutSec;
        const runOptions: RunOptions = {
          kernelName: plan.kernelName!,
          inputPath: plan.path,
          cwd: dirname(plan.path),
          gateway: pool,
          ...(timeoutSec !== undefined ? { runTimeoutMs: timeoutSec * 1000 } : {}),
          ...(cellTimeoutSec !== undefined ? { cellTimeoutMs: cellTimeoutSec * 1000 } : {}),
          ...(options.startTimeoutSec !== undefined ? { startTimeoutMs: options.startTimeoutSec * 1000 } : {}),
          ...((s.allowErrors ?? options.allowErrors) ? { allowErrors: true } : {}),
          ...(options.overwrite ? { outputPath: plan.path } : {}),
          ...(options.env ? { env: options.env } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        };
        let result: RunResult;
        try {
          // A failed run rejects with its result attached: that is an outcome, not a crash.
          result = await runNotebook(plan.notebook!, runOptions).catch((err: unknown) => {
            const failed = err instanceof NbrunError ? err.result : undefined;
            if (failed) return failed;
            throw err;
          });
        } catch (err) {
          const e = err instanceof NbrunError ? err : new NbrunError('E_INTERNAL', String(err), { cause: err });
          pool.unexpect(startOptions(plan));
          report({ path: plan.path, display: plan.display, status: 'fail', durationMs: 0, message: e.message, details: e.message, code: e.code });
          return;
        }
        if (result.error?.code === 'E_CANCELLED') cancelled = true;
        report(outcomeOf(plan, result));
      });
    }
    // onIdle, not the tasks' promises: tasks dropped by clear() (cancellation) never settle.
    await queue.onIdle();
    // Stopped by a signal: the notebooks never started are reported too (JUnit lists every one).
    for (const plan of runnable) {
      if (!byPath.has(plan.path)) report({ path: plan.path, display: plan.display, status: 'skip', durationMs: 0, message: 'not run: the suite was cancelled' });
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await pool.dispose();
    if (owned) await base.dispose().catch(() => undefined);
  }
  return {
    outcomes: plans.flatMap((p) => byPath.get(p.path) ?? []),
    durationMs: performance.now() - t0,
    kernelsStarted: pool.started,
    kernelsRestarted: pool.restarted,
    cancelled,
  };
}
