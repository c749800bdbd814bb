/** How a run's end (its error, a signal, its result) becomes what status.json says. */
import {
  CancelledError, CellExecutionError, CellTimeoutError, EXIT_CODES, KernelDiedError, NbrunError, RunTimeoutError,
  exitCodeFor, type RunResult,
} from '@nbrun/core';
import type { RunnerState, StatusCell, StatusFailedCell } from './status.js';

/**
 * The final state and exit code for how a run ended (`error` undefined: success).
 * A signal wins over the error it caused: SIGTERM → `terminated`/143, SIGINT → `cancelled`/130.
 *
 * @example stateFor(new RunTimeoutError(60_000)) // { state: 'timed-out', exitCode: 4 }
 */
export function stateFor(error: unknown, signal?: 'SIGTERM' | 'SIGINT'): { state: RunnerState; exitCode: number } {
  if (signal === 'SIGTERM') return { state: 'terminated', exitCode: EXIT_CODES.terminated };
  if (signal === 'SIGINT') return { state: 'cancelled', exitCode: EXIT_CODES.interrupted };
  if (error === undefined) return { state: 'completed', exitCode: EXIT_CODES.ok };
  const exitCode = exitCodeFor(error);
  if (error instanceof CancelledError) return { state: 'cancelled', exitCode };
  if (error instanceof RunTimeoutError || error instanceof CellTimeoutError) return { state: 'timed-out', exitCode };
  if (error instanceof KernelDiedError) return { state: 'kernel-died', exitCode };
  if (error instanceof NbrunError && error.code === 'E_KERNEL_START_TIMEOUT') return { state: 'timed-out', exitCode };
  if (exitCode === EXIT_CODES.usage) return { state: 'invalid', exitCode };
  return { state: 'failed', exitCode };
}

/**
 * The failing cell of a run, from the error and the partial result.
 * @example failedCellOf(err, err.result)
 */
export function failedCellOf(error: unknown, result?: RunResult): StatusFailedCell | undefined {
  const cell = (error as { cell?: { cellIndex: number; cellId?: string; executionCount?: number | null } } | undefined)?.cell;
  const index = cell?.cellIndex ?? result?.failedCell;
  if (index === undefined) return undefined;
  const fromResult = result?.cells.find((c) => c.index === index);
  const out: StatusFailedCell = { index };
  const id = cell?.cellId ?? fromResult?.id;
  if (id !== undefined) out.id = id;
  const count = cell?.executionCount ?? fromResult?.executionCount;
  if (count !== undefined) out.executionCount = count;
  if (error instanceof CellExecutionError) {
    out.ename = error.ename;
    out.evalue = error.evalue;
  }
  return out;
}

/**
 * Per-cell entries of the status, one per cell of the notebook as run (with the injected
 * parameters cell, before nbrun's error-marker cells are added to the output); markdown
 * and raw cells are `skipped`.
 */
export function cellsOf(result: RunResult | undefined): StatusCell[] {
  return (result?.cells ?? []).map((c) => ({
    index: c.index,
    ...(c.id !== undefined ? { id: c.id } : {}),
    status: c.status,
    executionCount: c.executionCount,
    ...(c.durationMs !== undefined ? { durationMs: Math.round(c.durationMs) } : {}),
  }));
}
