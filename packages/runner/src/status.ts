/**
 * `status.json`: what a platform (or a driver) reads to know how a job went. Written at
 * start (`running`) and at the end, always atomically. Its JSON Schema is published as
 * `schemas/status.schema.json` (generated from {@link STATUS_SCHEMA}).
 */
import {
  CancelledError, CellExecutionError, CellTimeoutError, EXIT_CODES, KernelDiedError, NbrunError, RunTimeoutError,
  exitCodeFor, type RunResult,
} from '@nbrun/core';

/** Where a job is, or how it ended. */
export type JobState =
  | 'running'
  | 'completed'
  | 'failed'
  | 'timed-out'
  | 'kernel-died'
  | 'terminated'
  | 'cancelled'
  | 'invalid';

/** The cell that stopped the run. */
export interface StatusFailedCell {
  index: number;
  id?: string;
  executionCount?: number | null;
  ename?: string;
  evalue?: string;
}

/** Timing and outcome of one code cell. */
export interface StatusCell {
  index: number;
  id?: string;
  status: string;
  executionCount: number | null;
  durationMs?: number;
}

/**
 * The content of status.json.
 * @example
 * const status = JSON.parse(await readFile('results/status.json', 'utf8')) as JobStatus;
 * if (status.state !== 'completed') console.error(status.error?.message);
 */
export interface JobStatus {
  state: JobState;
  /** The process exit code; null while running. */
  exitCode: number | null;
  jobId?: string;
  /** The notebook path inside the input. */
  notebook?: string;
  /** File name of the executed notebook in the result location. */
  output?: string;
  kernel?: string;
  parameters?: Record<string, unknown>;
  error?: { code: string; message: string };
  failedCell?: StatusFailedCell;
  cells: StatusCell[];
  /** The signal that ended the job (SIGTERM, SIGINT). */
  signal?: string;
  startedAt: string;
  /** Last time this file was written. */
  updatedAt: string;
  endedAt?: string;
  durationMs?: number;
  nbrunVersion: string;
}

/** The status file's JSON Schema (draft-07), published as `schemas/status.schema.json`. */
export const STATUS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://nbrun.dev/schemas/status.schema.json',
  title: 'nbrun job status',
  description: 'status.json written by nbrun-runner next to the executed notebook.',
  type: 'object',
  additionalProperties: false,
  required: ['state', 'exitCode', 'cells', 'startedAt', 'updatedAt', 'nbrunVersion'],
  properties: {
    state: { enum: ['running', 'completed', 'failed', 'timed-out', 'kernel-died', 'terminated', 'cancelled', 'invalid'] },
    exitCode: { type: ['integer', 'null'] },
    jobId: { type: 'string' },
    notebook: { type: 'string' },
    output: { type: 'string' },
    kernel: { type: 'string' },
    parameters: { type: 'object' },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
    failedCell: {
      type: 'object',
      additionalProperties: false,
      required: ['index'],
      properties: {
        index: { type: 'integer', minimum: 0 },
        id: { type: 'string' },
        executionCount: { type: ['integer', 'null'] },
        ename: { type: 'string' },
        evalue: { type: 'string' },
      },
    },
    cells: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['index', 'status', 'executionCount'],
        properties: {
          index: { type: 'integer', minimum: 0 },
          id: { type: 'string' },
          status: { type: 'string' },
          executionCount: { type: ['integer', 'null'] },
          durationMs: { type: 'number', minimum: 0 },
        },
      },
    },
    signal: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'number', minimum: 0 },
    nbrunVersion: { type: 'string' },
  },
} as const;

/**
 * The final state and exit code for how a run ended (`error` undefined: success).
 * A signal wins over the error it caused: SIGTERM → `terminated`/143, SIGINT → `cancelled`/130.
 *
 * @example stateFor(new RunTimeoutError(60_000)) // { state: 'timed-out', exitCode: 4 }
 */
export function stateFor(error: unknown, signal?: 'SIGTERM' | 'SIGINT'): { state: JobState; exitCode: number } {
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
