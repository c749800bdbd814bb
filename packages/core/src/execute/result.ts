/**
 * The result of a run, cells included. A leaf: errors.ts (an error keeps the result of the run
 * it ended) and execute/types.ts both import it, so neither imports the other in a cycle.
 */
import type { INotebookContent } from '@jupyterlab/nbformat';

export type Notebook = INotebookContent;

export type CellStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'timed-out' | 'cancelled';
export type RunStatus = 'completed' | 'failed' | 'timed-out' | 'kernel-died' | 'cancelled';

export interface CellResult {
  index: number;
  id?: string;
  status: CellStatus;
  executionCount: number | null;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
}

/**
 * A run's result, generic in its error so that this file needs no import of errors.ts (whose
 * NbrunError carries a RunResult): {@link RunResult} is `RunResultOf<NbrunError>`.
 */
export interface RunResultOf<E extends Error> {
  status: RunStatus;
  notebook: Notebook;
  kernelName: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  cells: CellResult[];
  parameters: Record<string, unknown>;
  inputPath?: string;
  /** Where the executed notebook was written; absent when nothing was written (no kernel started, or the write failed). */
  outputPath?: string;
  /** Index of the cell that failed the run, if any. */
  failedCell?: number;
  error?: E;
  warnings: string[];
}
