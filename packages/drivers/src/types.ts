/**
 * The driver interface: one small contract every backend (local, docker, kubernetes,
 * kubeflow, ffdl) implements. A driver turns a {@link SubmitRequest} into a job and hands
 * back a {@link JobHandle}; `attach(jobId)` gives the same handle from another process,
 * through the local job registry ({@link JobRecord}).
 */
import type { TObject } from '@sinclair/typebox';
import type { JobSpec } from '@nbrun/runner/contract';

/**
 * Where a job is, in every driver's words. `unknown` when the backend cannot say (process gone without
 * status, container removed). The runner's own words (status.json: `completed`, `timed-out`…) map to
 * these in one place: `JOB_STATE_OF_RUNNER_STATE` of `@nbrun/runner/contract`.
 */
export type JobState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'unknown';

/** States a job never leaves. */
export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/**
 * True when a job in this state is finished.
 * @example if (isTerminalState((await job.status()).state)) await job.result('out')
 */
export function isTerminalState(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** GPUs for a job: a count, or every GPU of the node (`'all'`, docker only). */
export type GpuRequest = number | 'all';

/** Resources a job asks for; drivers that cannot honour one refuse it with a UsageError. */
export interface Resources {
  /** CPU cores, fractions allowed (`1.5`). */
  cpus?: number;
  /** Memory limit in bytes (parse `512m`/`2g` with `parseMemory`). */
  memoryBytes?: number;
  gpus?: GpuRequest;
}

/**
 * What to run: a notebook on this machine, the files it needs, and how to run it.
 * Drivers bundle it ({@link prepareJob}) before they talk to any backend, so a bad
 * dependency is refused before anything is submitted.
 *
 * @example
 * const request: SubmitRequest = {
 *   notebook: 'examples/helper-module/train.ipynb',
 *   dependencies: ['*.py', 'data/**'],
 *   parameters: { epochs: 2 },
 * };
 */
export interface SubmitRequest {
  /** Path of the notebook (relative to `cwd`). */
  notebook: string;
  /** Files it needs, relative to the notebook's folder: names, directories or globs (`*.py`, `utils/**`). */
  dependencies?: string[];
  /** Allow dependencies outside the notebook's folder (they go to the bundle's root under their base name). */
  allowOutside?: boolean;
  /** Parameters injected after the notebook's `parameters` cell. */
  parameters?: Record<string, unknown>;
  /** Kernelspec name; default the notebook's own. */
  kernel?: string;
  cellTimeoutSeconds?: number;
  runTimeoutSeconds?: number;
  startTimeoutSeconds?: number;
  /** Keep running after a cell error. */
  allowErrors?: boolean;
  /** The runner also logs the kernel's output (streams, errors), so `logs()` shows it. */
  logOutput?: boolean;
  /** Environment of the job's process (and so of its kernel). Never put secrets in values you log. */
  env?: Record<string, string>;
  /** Container image, for container backends. */
  image?: string;
  resources?: Resources;
  /** Name of the executed notebook in the results; default the runner's `output.ipynb`. */
  output?: string;
  /** Explicit job id (lowercase letters, digits, `-`); default `<notebook stem>-<8 hex>`. */
  jobId?: string;
  /** Base directory for relative paths; default `process.cwd()`. */
  cwd?: string;
  /** Include the runner's built `dist/` in the bundle (under `.nbrun-runner/`), for images without one. */
  includeRunner?: boolean;
  /**
   * Start the job as a standby (drivers with {@link Driver.holds} only): the runner and the job's
   * own kernel start now, the notebook runs once {@link JobHandle.release} is called.
   */
  hold?: boolean;
}

/** Options for {@link JobHandle.logs}. */
export interface LogsOptions {
  /** Keep yielding lines until the job ends (or `signal` aborts). */
  follow?: boolean;
  signal?: AbortSignal;
}

/** Options for {@link JobHandle.wait}. */
export interface WaitOptions {
  signal?: AbortSignal;
  /** How often to poll backends that cannot push state changes. Default 500 ms. */
  pollIntervalMs?: number;
}

/** Options for {@link JobHandle.cancel}. */
export interface CancelOptions {
  /** Seconds between SIGTERM (the runner saves its partial notebook) and SIGKILL. Default 10. */
  graceSeconds?: number;
}

/**
 * The runner's `status.json`, as far as drivers read it (its full schema is the runner's
 * `schemas/status.schema.json`; other fields are kept as they are).
 */
export interface RunnerStatus {
  /**
   * The runner's state (`RunnerState` of `@nbrun/runner/contract`: `completed`, `timed-out`…), read as
   * a job state through `JOB_STATE_OF_RUNNER_STATE`. A string: the file comes from outside.
   */
  state?: string;
  exitCode?: number | null;
  error?: { code?: string; message?: string };
  [key: string]: unknown;
}

/** A job's state as the backend reports it now. */
export interface JobStatus {
  id: string;
  driver: string;
  state: JobState;
  /** The runner's exit code, when it has ended. */
  exitCode?: number;
  /** One line saying why it failed (from status.json or the backend), when it did. */
  message?: string;
  /** ISO timestamps, when known. */
  startedAt?: string;
  finishedAt?: string;
}

/** What {@link JobHandle.result} downloaded. */
export interface JobResult {
  /** The directory the results were written to. */
  dir: string;
  /** The executed notebook inside `dir` (absent when the runner wrote none, e.g. it never started). */
  notebook?: string;
  /** Every file written, relative to `dir`. */
  files: string[];
  /** The parsed status.json, when there is one. */
  runnerStatus?: RunnerStatus;
  /** The job's final state. */
  status: JobStatus;
}

/**
 * A submitted job. Every method talks to the backend anew, so a handle from
 * {@link Driver.attach} in another process behaves the same as the one `submit` returned.
 */
export interface JobHandle {
  readonly id: string;
  readonly driver: string;
  /** The registry record (driver-specific `backend` data included). */
  readonly record: JobRecord;
  status(): Promise<JobStatus>;
  /** The job's log, one line per item (without the newline). */
  logs(options?: LogsOptions): AsyncIterable<string>;
  /** Resolves with the terminal status. Rejects with CancelledError when `signal` aborts. */
  wait(options?: WaitOptions): Promise<JobStatus>;
  /** Downloads the results (executed notebook, status.json, result files) into the directory `dest`. */
  result(dest: string): Promise<JobResult>;
  /**
   * The runner's status.json as it is now — also while the job runs (state `running`, the cells
   * done so far) — read where the job keeps it, without downloading the results; undefined
   * before the runner wrote one, or once the backend no longer has it.
   */
  runnerStatus?(): Promise<RunnerStatus | undefined>;
  /** Lets a job submitted with `hold` run its notebook (idempotent; nothing for a job not held). */
  release?(): Promise<void>;
  /**
   * Resolves once the ended job's processes are gone, or after `timeoutMs` (a local job has
   * ended at its final status, while its kernel still exits and its wrapper records the exit
   * code). Absent where an ended job leaves nothing running here.
   */
  settled?(timeoutMs: number): Promise<void>;
  /** Stops the job gracefully (the runner saves its partial notebook), forcibly after a grace period. */
  cancel(options?: CancelOptions): Promise<void>;
  /**
   * Frees what the backend keeps for the job (container, job directory, saved log); refuses
   * a running job (cancel it first). The registry record stays: `JobRegistry.remove` forgets it.
   */
  remove(): Promise<void>;
}

/** What a driver factory gets: the job registry and the environment (DOCKER_HOST, KUBECONFIG, …). */
export interface DriverContext {
  jobs: import('./job/records.js').JobRegistry;
  env: NodeJS.ProcessEnv;
  /**
   * `local`: hand jobs to one long-lived runner host rather than starting a runner process per
   * job (node's start and the runner's load paid once; `nbrun serve` does). Default false.
   */
  sharedRunner?: boolean;
}

/**
 * One backend. Implementations live in their own folder (`local/`, `docker/`, …) and are
 * listed in an explicit {@link import('./backends/registry.js').DriverRegistry}.
 *
 * @example
 * const driver = drivers.create('docker', { jobs: new JobRegistry(), env: process.env });
 * const job = await driver.submit({ notebook: 'train.ipynb' }, { network: 'none', stopTimeout: 30 });
 * console.log((await job.wait()).state);
 */
export interface Driver<Options = unknown> {
  readonly name: string;
  /** One line for `nbrun submit --help`. */
  readonly description: string;
  /**
   * JSON Schema of its options (camelCase properties, each with a `description`): the source of
   * the CLI flags (`stopTimeout` ↔ `--stop-timeout`) and of the REST API's validation.
   */
  readonly optionsSchema: TObject;
  /**
   * Checks the options against {@link optionsSchema} (a UsageError whose `hint.option` names a
   * bad one), bundles the request, submits it, records it in the job registry.
   */
  submit(request: SubmitRequest, options?: Options, signal?: AbortSignal): Promise<JobHandle>;
  /** Whether `submit` takes {@link SubmitRequest.hold}: a standby started ahead, run on release. */
  readonly holds?: boolean;
  /**
   * A handle on a job submitted earlier (maybe by another process): by id, from the job
   * registry, or from its record (a caller keeping records elsewhere, e.g. the scheduler).
   */
  attach(job: string | JobRecord): Promise<JobHandle>;
}

/**
 * A job as remembered in the local job registry (one JSON file per job). `backend` holds
 * what the driver needs to find the job again (pid and job dir, container id and engine
 * address, namespace and name…) — never secrets.
 */
export interface JobRecord {
  id: string;
  driver: string;
  /** Absolute path of the submitted notebook. */
  notebook: string;
  /** ISO time of submission. */
  createdAt: string;
  /** Last state seen (refreshed by status queries). */
  state?: JobState;
  /** File name of the executed notebook in the results. */
  output: string;
  /** The spec the runner got (parameters included), as far as the driver knows it. */
  spec: Partial<JobSpec>;
  backend: Record<string, unknown>;
}
