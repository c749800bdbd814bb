/**
 * `status.json`: what a platform (or a driver) reads to know how a job went. Written at
 * start (`running`) and at the end, always atomically. Its JSON Schema is published as
 * `schemas/status.schema.json` (generated from {@link STATUS_SCHEMA}).
 */

/** Every state status.json may hold: `running` while the runner works, then how the run ended. */
export const RUNNER_STATES = ['running', 'completed', 'failed', 'timed-out', 'kernel-died', 'terminated', 'cancelled', 'invalid'] as const;

/** Where a job is, or how it ended, in the runner's words (status.json's `state`). */
export type RunnerState = (typeof RUNNER_STATES)[number];
/** The runner's state: the name @nbrun/runner's main entry has always exported ({@link RunnerState}). */
export type JobState = RunnerState;

/**
 * What each runner state means for a job as drivers report it (`JobStatus.state` of
 * @nbrun/drivers: `succeeded`, not `completed`; a timeout or a dead kernel is a failure;
 * SIGTERM is a cancel). The one mapping between the two vocabularies.
 * @example JOB_STATE_OF_RUNNER_STATE['timed-out'] // 'failed'
 */
export const JOB_STATE_OF_RUNNER_STATE = {
  running: 'running',
  completed: 'succeeded',
  failed: 'failed',
  'timed-out': 'failed',
  'kernel-died': 'failed',
  terminated: 'cancelled',
  cancelled: 'cancelled',
  invalid: 'failed',
} as const satisfies Record<RunnerState, 'running' | 'succeeded' | 'failed' | 'cancelled'>;

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
  state: RunnerState;
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
    state: { enum: RUNNER_STATES },
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
