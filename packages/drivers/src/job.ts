/**
 * What every driver does the same way: name a job, turn a request into a job spec and a
 * bundle (before any backend is contacted), read the runner's status, wait by polling.
 */
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { CancelledError, EXIT_CODES, UsageError } from '@nbrun/core';
import { DEFAULT_OUTPUT_NAME, STATUS_FILE_NAME, type JobSpec } from '@nbrun/runner';
import { createBundle, type Bundle } from './bundle/bundle.js';
import { checkJobId, type JobRegistry } from './registry/jobs.js';
import { isTerminalState, type JobState, type JobStatus, type RunnerStatus, type SubmitRequest, type WaitOptions } from './types.js';

/**
 * A new job id: the notebook's name made DNS-safe (≤ 40 chars) and 8 random hex digits.
 * @example createJobId('My Train.ipynb') // 'my-train-3f9a2c1d'
 */
export function createJobId(notebook: string): string {
  const stem = basename(notebook, extname(notebook))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${stem || 'job'}-${randomBytes(4).toString('hex')}`;
}

/**
 * The runner's job spec for a request (without `notebook`, `input` and `results`, which
 * the bundle and the driver fill in).
 * @example buildJobSpec({ notebook: 'a.ipynb', parameters: { n: 1 } }, 'a-1234abcd')
 */
export function buildJobSpec(request: SubmitRequest, jobId: string): Omit<JobSpec, 'notebook'> {
  const spec: Omit<JobSpec, 'notebook'> = { jobId };
  if (request.output) spec.output = request.output;
  if (request.parameters && Object.keys(request.parameters).length) spec.parameters = request.parameters;
  if (request.kernel) spec.kernel = request.kernel;
  if (request.cellTimeoutSeconds) spec.cellTimeoutSeconds = request.cellTimeoutSeconds;
  if (request.runTimeoutSeconds) spec.runTimeoutSeconds = request.runTimeoutSeconds;
  if (request.startTimeoutSeconds) spec.startTimeoutSeconds = request.startTimeoutSeconds;
  if (request.allowErrors) spec.allowErrors = true;
  if (request.logOutput) spec.logOutput = true;
  return spec;
}

/** A request checked and bundled, ready for a backend. */
export interface PreparedJob {
  id: string;
  /** Absolute path of the notebook. */
  notebook: string;
  bundle: Bundle;
  /** File name of the executed notebook in the results. */
  output: string;
}

/**
 * Checks a request and builds its bundle: a missing or unsafe dependency throws a
 * BundleError here, before anything is submitted.
 * @example const job = await prepareJob({ notebook: 'nb/train.ipynb', dependencies: ['*.py'] })
 */
export async function prepareJob(
  request: SubmitRequest,
  options: { runnerDist?: { dir: string; entry: string }; jobs?: JobRegistry } = {},
): Promise<PreparedJob> {
  const notebook = resolve(request.cwd ?? process.cwd(), request.notebook);
  if (extname(notebook) !== '.ipynb') throw new UsageError(`'${request.notebook}' is not a notebook (.ipynb)`);
  const id = checkJobId(request.jobId ?? createJobId(notebook));
  if (await options.jobs?.has(id)) {
    throw new UsageError(`job '${id}' already exists in ${options.jobs!.dir} (pick another jobId)`, { hint: { option: 'jobId' } });
  }
  for (const [name, value] of Object.entries(request.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`env '${name}': not an environment variable name`, { hint: { option: 'env' } });
    if (typeof value !== 'string') throw new UsageError(`env ${name}: the value must be a string`, { hint: { option: 'env' } });
  }
  if (request.includeRunner && !options.runnerDist) {
    throw new UsageError("includeRunner: the runner is not built (run 'pnpm -r build' first)", { hint: { option: 'includeRunner' } });
  }
  const bundle = await createBundle({
    notebook,
    dependencies: request.dependencies,
    allowOutside: request.allowOutside,
    spec: buildJobSpec(request, id),
    runnerDist: request.includeRunner ? options.runnerDist : undefined,
  });

  return { id, notebook, bundle, output: bundle.spec.output ?? DEFAULT_OUTPUT_NAME };
}

/**
 * Reads `status.json` from a results directory, if there is one.
 * @example const s = await readRunnerStatus('/tmp/job/results')
 */
export async function readRunnerStatus(resultsDir: string): Promise<RunnerStatus | undefined> {
  try {
    return JSON.parse(await readFile(join(resultsDir, STATUS_FILE_NAME), 'utf8')) as RunnerStatus;
  } catch {
    return undefined;
  }
}

/**
 * The job state that a runner's exit code and status file mean. The exit code wins
 * (0 succeeded, 143/130/137 cancelled, else failed); without one, status.json decides.
 * @example stateFromRunner(143) // 'cancelled'
 */
export function stateFromRunner(exitCode: number | undefined, status?: RunnerStatus): JobState {
  const code = exitCode ?? (typeof status?.exitCode === 'number' ? status.exitCode : undefined);
  if (code !== undefined) {
    if (code === 0) return 'succeeded';
    if (code === EXIT_CODES.terminated || code === EXIT_CODES.interrupted || code === 137) return 'cancelled';
    return 'failed';
  }
  switch (status?.state) {
    case undefined:
      return 'unknown';
    case 'running':
      return 'running';
    case 'completed':
      return 'succeeded';
    case 'terminated':
    case 'cancelled':
      return 'cancelled';
    default:
      return 'failed';
  }
}

/**
 * The one-line failure message a status file carries, if any.
 * @example failureMessage({ state: 'failed', error: { code: 'E_CELL_ERROR', message: 'cell 2 failed: ZeroDivisionError' } })
 */
export function failureMessage(status: RunnerStatus | undefined): string | undefined {
  return status?.error?.message ?? status?.error?.code;
}

/**
 * Asks `status` until the job reaches a terminal state: every `pollIntervalMs`, or as soon
 * as `changed` (e.g. {@link DirectoryWatch.next}) says something may have changed.
 * @example const final = await pollUntilTerminal(() => job.status(), { signal })
 */
export async function pollUntilTerminal(
  status: () => Promise<JobStatus>,
  options: WaitOptions = {},
  changed: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
): Promise<JobStatus> {
  const interval = options.pollIntervalMs ?? 500;
  for (;;) {
    if (options.signal?.aborted) throw new CancelledError('stopped waiting for the job (it keeps running)');
    const s = await status();
    if (isTerminalState(s.state)) return s;
    await changed(interval, options.signal);
  }
}

/**
 * Wakes its waiter when anything in the watched directories changes (a file written,
 * renamed, removed), and at the latest after the waiter's timeout: `fs.watch` may miss
 * events (network filesystems) or be unavailable, so the timeout is the fallback poll.
 * Changes between two waits are not lost: the next wait returns at once.
 *
 * @example
 * const watch = new DirectoryWatch([jobDir]);
 * try { while (!(await done())) await watch.next(1000, signal); } finally { watch.close(); }
 */
export class DirectoryWatch {
  private readonly watchers: FSWatcher[] = [];
  private dirty = false;
  private wake?: () => void;

  constructor(dirs: string[]) {
    for (const dir of dirs) {
      try {
        this.watchers.push(watch(dir, { persistent: false }, () => this.changed()).on('error', () => undefined));
      } catch {
        // Not there yet, or no watching here: the timeout polls instead.
      }
    }
  }

  /** Whether at least one directory is watched (else every wait is a plain sleep). */
  get watching(): boolean {
    return this.watchers.length > 0;
  }

  private changed(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Resolves at the next change (at once if one came since the last call), after `ms`, or when `signal` aborts. */
  async next(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.dirty) {
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = onAbort;
      if (signal?.aborted) controller.abort();
      await sleep(ms, controller.signal);
      this.wake = undefined;
      signal?.removeEventListener('abort', onAbort);
    }
    this.dirty = false;
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    this.wake?.();
  }
}

/**
 * Resolves after `ms`, or early when `signal` aborts.
 * @example await sleep(200, signal)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise) => {
    if (signal?.aborted) return resolvePromise();
    const onAbort = () => {
      clearTimeout(timer);
      resolvePromise();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Every file below a directory, as `/`-separated relative paths.
 * @example await listFiles('/tmp/results') // ['output.ipynb', 'status.json']
 */
export async function listFiles(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  let dirents;
  try {
    dirents = await readdir(join(dir, base), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const d of dirents) {
    const rel = base ? `${base}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (d.isFile()) out.push(rel);
  }
  return out.sort();
}
