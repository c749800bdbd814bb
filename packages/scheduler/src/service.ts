/**
 * The scheduler service's interface: what the REST API, the CLI and tests call. Every
 * semantic check (cron, zone, driver options, parameters) happens behind it, so each
 * surface gets the same validation and the same {@link SchedulerError}s.
 */
import { NbrunError, type ErrorCode } from '@nbrun/core';
import type { ObjectStore } from '@nbrun/drivers/store';
import type { Clock } from './clock.js';
import type { OneOffRun, Run, RunState, Schedule, ScheduleCreate, SchedulePatch, Trigger } from './model.js';

/** A notebook and its files, already checked (no '..', no absolute paths, no links) by whoever decoded them. */
export interface Snapshot {
  /** The notebook's file name, e.g. `report.ipynb`. */
  notebookName: string;
  /** The .ipynb bytes. */
  notebook: Buffer;
  /** Its files by relative path (`utils/helpers.py`). */
  files: Map<string, Buffer>;
}

/** HTTP status a {@link SchedulerError} maps to. */
export type SchedulerErrorStatus = 400 | 404 | 409 | 413 | 422 | 503;

/** Codes of {@link SchedulerError}, one per status. */
export type SchedulerErrorCode = Extract<ErrorCode, 'E_INVALID' | 'E_NOT_FOUND' | 'E_CONFLICT' | 'E_TOO_LARGE' | 'E_UNAVAILABLE' | 'E_NOTEBOOK_JSON' | 'E_NOTEBOOK_INVALID' | 'E_PARAMETERS'>;

const STATUS_BY_CODE: Record<SchedulerErrorCode, SchedulerErrorStatus> = {
  E_INVALID: 400,
  E_NOTEBOOK_JSON: 400,
  E_NOTEBOOK_INVALID: 400,
  E_PARAMETERS: 400,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_TOO_LARGE: 413,
  E_UNAVAILABLE: 503,
};

/**
 * A request the service refuses: `status` is the HTTP status, `code` stable, `field` the
 * request field to blame (`trigger.cron`, `driver.options.network`), `message` one line.
 *
 * @example throw new SchedulerError(404, 'E_NOT_FOUND', `no schedule '${id}'`)
 */
export class SchedulerError extends NbrunError {
  readonly status: SchedulerErrorStatus;
  declare readonly code: SchedulerErrorCode;
  readonly field?: string;
  constructor(status: SchedulerErrorStatus, code: SchedulerErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(code, message, {
      ...(options?.cause !== undefined ? { cause: options.cause } : {}),
      ...(options?.field ? { hint: { option: options.field } } : {}),
    });
    this.status = status;
    if (options?.field) this.field = options.field;
  }

  /** 400 with field: the usual bad-input error. */
  static invalid(field: string | undefined, message: string, cause?: unknown): SchedulerError {
    return new SchedulerError(400, 'E_INVALID', message, { ...(field ? { field } : {}), ...(cause !== undefined ? { cause } : {}) });
  }

  static notFound(what: 'schedule' | 'run', id: string): SchedulerError {
    return new SchedulerError(404, 'E_NOT_FOUND', `no ${what} '${id}'`);
  }

  /** The status for a code (the REST API maps other NbrunErrors with it too). */
  static statusOf(code: string): SchedulerErrorStatus | undefined {
    return (STATUS_BY_CODE as Record<string, SchedulerErrorStatus>)[code];
  }
}

/** Query of {@link SchedulerService.listSchedules}; `cursor` is the `nextCursor` of the previous page. */
export interface ListSchedulesQuery {
  limit?: number;
  cursor?: string;
  tag?: string;
}

/** Query of {@link SchedulerService.listRuns}: newest first. */
export interface ListRunsQuery {
  scheduleId?: string;
  state?: RunState;
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when there are more. */
  nextCursor?: string;
}

/** What a request with an `Idempotency-Key` created: the answer's status and the resource, to answer a replay with. */
export interface IdempotentResult {
  status: number;
  resource: { kind: 'schedule' | 'run'; id: string };
}

/** A remembered `Idempotency-Key`: the request it came with and, once done, what it created. */
export interface IdempotencyRecord {
  fingerprint: string;
  /** Absent while the first request is still creating (here or on another instance). */
  result?: IdempotentResult;
}

/**
 * Where `Idempotency-Key`s are kept: the scheduler's database (so a restart, or another
 * instance on the same PostgreSQL, answers a retry with the same resource).
 */
export interface IdempotencyStore {
  /** How long a key is remembered, in ms. */
  readonly retentionMs: number;
  /**
   * Takes the key for this request (undefined: go on and create), or returns the record of an
   * earlier request with it. A key older than the retention, or left in progress for longer than
   * a request can take (its instance died), is taken over.
   */
  reserve(scope: string, key: string, fingerprint: string): Promise<IdempotencyRecord | undefined>;
  /** Records what the request that reserved the key created. */
  complete(scope: string, key: string, result: IdempotentResult): Promise<void>;
  /** Forgets a reserved key whose request failed (a retry may use it again). */
  release(scope: string, key: string): Promise<void>;
}

export interface SchedulerService {
  /** Durable `Idempotency-Key`s (the REST API keeps them in memory when a service has none). */
  readonly idempotency?: IdempotencyStore;
  createSchedule(input: ScheduleCreate, snapshot: Snapshot): Promise<Schedule>;
  listSchedules(q: ListSchedulesQuery): Promise<Page<Schedule>>;
  getSchedule(id: string): Promise<Schedule>;
  /** Changes fields; a new snapshot replaces the notebook and files for later runs. */
  updateSchedule(id: string, patch: SchedulePatch, snapshot?: Snapshot): Promise<Schedule>;
  /** Deletes the schedule, its runs and their artifacts (active runs are cancelled). */
  deleteSchedule(id: string): Promise<void>;
  pauseSchedule(id: string): Promise<Schedule>;
  resumeSchedule(id: string): Promise<Schedule>;
  /** The next `count` fire times strictly after `after` (default now); also a cron preview. SchedulerError 400 for a bad trigger. */
  nextFireTimes(trigger: Trigger, count: number, after?: Date): Date[];
  /** A manual run now (never skipped: it queues). */
  runNow(scheduleId: string, opts?: { parameters?: Record<string, unknown> }): Promise<Run>;
  /** A one-off run of a notebook (trigger 'api'). */
  createRun(input: OneOffRun, snapshot: Snapshot): Promise<Run>;
  listRuns(q: ListRunsQuery): Promise<Page<Run>>;
  getRun(id: string): Promise<Run>;
  /** Cancels a queued or running run (through its driver); a finished run is returned as it is. */
  cancelRun(id: string): Promise<Run>;
  /** The run's log, line by line; with `follow`, until the run ends (or `signal` aborts). */
  runLog(id: string, opts?: { follow?: boolean; signal?: AbortSignal }): AsyncIterable<string>;
  /** The executed notebook (partial too, for a failed or cancelled run), once there is one. */
  runOutput(id: string): Promise<{ path: string; name: string } | undefined>;
  /** The runner's status.json, once there is one. */
  runStatus(id: string): Promise<Record<string, unknown> | undefined>;
  /** Applies migrations, re-attaches running runs, starts the timers. */
  start(): Promise<void>;
  /** Stops the timers and waits for in-flight bookkeeping; running jobs keep running (re-attached at the next start). */
  close(): Promise<void>;
}

/** Options of {@link openScheduler}. */
export interface OpenSchedulerOptions {
  /** Where the SQLite database (by default) and the artifacts live. */
  stateDir: string;
  /** A SQLite file path or a `postgres://` URL; default `<stateDir>/nbrun.db`. */
  database?: string;
  /**
   * Where artifacts go (default `<stateDir>/artifacts`): a directory, or an object store every
   * instance shares — `s3://bucket/prefix` (endpoint `$NBRUN_S3_ENDPOINT`, credentials from `env`)
   * or an opened one (closed with the service). The state dir then keeps only a cache.
   */
  store?: string | ObjectStore;
  /** Runs active at once, service-wide. Default 4. */
  maxConcurrent?: number;
  /** The time source (tests pass a ManualClock). */
  clock?: Clock;
  /** Environment of the drivers (DOCKER_HOST, KUBECONFIG…); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Local runs go to one long-lived runner host rather than a runner process each (node's start
   * and the runner's load paid once: ~0.25 s of CPU per run). Default true, unless
   * `NBRUN_SHARED_RUNNER=0` in `env`.
   */
  sharedRunner?: boolean;
  /** Names this instance in leases; default host:pid:random. */
  instanceId?: string;
}
