/**
 * The `local` driver: the runner as a detached process on this machine, in its own job
 * directory (`<state dir>/local/<job id>/`: `input/` the unpacked bundle, `results/`,
 * `runner.log`, `runner.pid`, `exit-code`, and `cancel-requested` once the user cancelled).
 * A small `sh` wrapper records the runner's exit code, so any later process can tell how
 * the job ended.
 *
 * With a shared runner (`DriverContext.sharedRunner`, as `nbrun serve` runs it), jobs are handed
 * instead to one long-lived, detached runner host (`nbrun-runner --host`, in
 * `<state dir>/local/.runner-host/`) that runs each as a runner process would, with the same
 * files in the same job directory: node's start and the runner's load are paid once, not per
 * job. It outlives the process that handed it the jobs, and leaves once idle.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { access, cp, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '@nbrun/core';
import { DEFAULT_OUTPUT_NAME, HOST_FILES, JOB_SPEC_FILE_NAME, STATUS_FILE_NAME, type HostRequest, type JobSpec } from '@nbrun/runner/contract';
import { writeBundleFiles } from '../../bundle/bundle.js';
import { BackendError } from '../../errors.js';
import { prepareJob } from '../../job/prepare.js';
import { failureMessage, readRunnerStatus, stateFromRunner } from '../../job/runner-status.js';
import { DirectoryWatch, pollUntilTerminal, sleep } from '../../job/wait.js';
import { listFiles } from '../../job/files.js';
import { checkJobId, type JobRegistry } from '../../job/records.js';
import { locateRunner, type RunnerCommand } from '../../job/runner-location.js';
import { checkOptions } from '../../options/schema.js';
import { localOptionsSchema, type LocalDriverOptions } from './schema.js';
import type {
  CancelOptions, Driver, DriverContext, JobHandle, JobRecord, JobResult, JobStatus, LogsOptions, RunnerStatus, SubmitRequest, WaitOptions,
} from '../../types.js';

/** What {@link LocalDriver.launch} runs. */
export interface LocalLaunchOptions {
  /** Job id (lowercase letters, digits, `-`). */
  jobId: string;
  /** Job directory; default `<state dir>/local/<job id>`. */
  jobDir?: string;
  /** Arguments after the runner program. */
  args?: string[];
  /** Environment on top of the driver's (wins over the MODEL_DIR/RESULT_DIR defaults). */
  env?: Record<string, string>;
  /** What to record as the notebook, for `nbrun jobs`. */
  notebook?: string;
  /** The spec to record, when known. */
  spec?: Partial<JobSpec>;
  /** File name of the executed notebook in the results dir. Default `output.ipynb`. */
  output?: string;
}

/** What the local driver keeps in a job record's `backend`. */
interface LocalBackend {
  jobDir: string;
  /** pid of the wrapper (leader of the job's process group), or of the runner host running the job. */
  pid: number;
  /** The job runs in a runner host (shared by many jobs: never signalled, cancelled through files). */
  host?: true;
}

// The wrapper: run the runner, record its pid and exit code. The runner's own SIGTERM
// handling saves the partial notebook; the wrapper just waits.
const WRAPPER = 'node_bin="$1"; shift; "$node_bin" "$@" & echo $! > runner.pid; wait $!; echo $? > exit-code.tmp; mv exit-code.tmp exit-code';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How often a watched job is looked at anyway, in case a change went unseen. */
const FALLBACK_POLL_MS = 1000;

/** Written in the job directory by `cancel`: the user asked the job to stop. */
const CANCEL_MARKER = HOST_FILES.cancel;

/** Written in the job directory by `cancel` of a host's job after the grace: end it now. */
const KILL_MARKER = HOST_FILES.kill;

/** The runner hosts' folder, in the local jobs' folder (job ids never start with a dot). */
const HOST_DIR = '.runner-host';

/** Written in the job directory by `release`: a standby job (submitted with `hold`) runs its notebook. */
const RELEASE_FILE = 'release';

/** How long `remove` waits for an ended job's process (its kernel exiting: at most 2 × 3 s grace). */
const REMOVE_WAIT_MS = 10_000;

/** The runner has written its result: a final state, with its end time. */
function isFinal(status: RunnerStatus | undefined): status is RunnerStatus & { endedAt: string } {
  return status !== undefined && typeof status.state === 'string' && status.state !== 'running' && typeof status.endedAt === 'string';
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function readInt(path: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

class LocalJobHandle implements JobHandle {
  readonly driver = 'local';
  constructor(
    readonly record: JobRecord,
    private readonly jobs: JobRegistry,
  ) {}

  get id(): string {
    return this.record.id;
  }
  private get backend(): LocalBackend {
    return this.record.backend as unknown as LocalBackend;
  }
  private get resultsDir(): string {
    return join(this.backend.jobDir, 'results');
  }
  private get logFile(): string {
    return join(this.backend.jobDir, LOCAL_JOB_FILES.log);
  }

  async status(): Promise<JobStatus> {
    return (await this.look()).status;
  }

  /**
   * The job's status, and whether its process is gone. The runner writes its final status.json
   * once the executed notebook is written, before its kernel's process has exited: from then on
   * the job has ended (its result is what that file says, also if the runner is killed while the
   * kernel exits), while its process (and log) ends a moment later.
   */
  private async look(): Promise<{ status: JobStatus; exited: boolean }> {
    const { jobDir } = this.backend;
    const { alive, exitCode } = await this.probe();
    const runnerStatus = await readRunnerStatus(this.resultsDir);
    const cancelled = await exists(join(jobDir, CANCEL_MARKER));
    const base = { id: this.id, driver: this.driver };
    const final = isFinal(runnerStatus);
    let status: JobStatus;
    if (final && (exitCode === undefined || exitCode === 137)) {
      // Ended: the runner wrote its result and waits for its kernel's exit (or was killed during it).
      const state = stateFromRunner(undefined, runnerStatus);
      status = { ...base, state, finishedAt: runnerStatus.endedAt };
      const code = typeof runnerStatus.exitCode === 'number' ? runnerStatus.exitCode : exitCode;
      if (code !== undefined) status.exitCode = code;
      if (state === 'failed') status.message = failureMessage(runnerStatus) ?? `the job failed (see 'nbrun logs ${this.id}')`;
    } else if (exitCode !== undefined) {
      let state = stateFromRunner(exitCode, runnerStatus);
      // SIGKILL (137) is a cancellation only when the user cancelled; otherwise the runner
      // was killed (out of memory, `kill -9`): a failure.
      if (exitCode === 137 && !cancelled) state = 'failed';
      const finishedAt = (await stat(join(jobDir, LOCAL_JOB_FILES.exitCode)).catch(() => undefined))?.mtime.toISOString();
      status = { ...base, state, exitCode, finishedAt };
      if (state === 'failed') {
        status.message = exitCode === 137
          ? `the runner was killed (SIGKILL, exit 137; out of memory?) (see 'nbrun logs ${this.id}')`
          : failureMessage(runnerStatus) ?? `runner exited with code ${exitCode} (see 'nbrun logs ${this.id}')`;
      }
    } else if (alive) {
      status = { ...base, state: (await readInt(join(jobDir, LOCAL_JOB_FILES.runnerPid))) ? 'running' : 'pending' };
    } else if (cancelled) {
      status = { ...base, state: 'cancelled', message: 'cancelled; the runner was killed before it recorded an exit code' };
    } else {
      // Killed without the wrapper noticing (SIGKILL of the group, machine reboot).
      const state = runnerStatus ? stateFromRunner(undefined, runnerStatus) : 'failed';
      status = { ...base, state: state === 'running' || state === 'unknown' ? 'failed' : state, message: 'the runner process is gone without an exit code (killed?)' };
    }
    status.startedAt = this.record.createdAt;
    if (status.state !== this.record.state) {
      this.record.state = status.state;
      await this.jobs.update(this.id, { state: status.state }).catch(() => undefined);
    }
    return { status, exited: exitCode !== undefined || !alive };
  }

  /**
   * Whether the wrapper lives, and its exit code. Liveness is decided once, BEFORE reading the
   * exit code: the wrapper writes `exit-code` before it exits, so a wrapper seen alive with no
   * exit code yet is running, and one seen gone has left its exit code (if it could). Asking
   * twice, around the read, let a wrapper that exited in between look killed ('failed', no exit code).
   */
  private async probe(): Promise<{ alive: boolean; exitCode: number | undefined }> {
    const alive = isAlive(this.backend.pid);
    return { alive, exitCode: await readInt(join(this.backend.jobDir, LOCAL_JOB_FILES.exitCode)) };
  }

  /** Whether the job's process is gone (as {@link look}'s `exited`, without reading its status). */
  private async exited(): Promise<boolean> {
    const { alive, exitCode } = await this.probe();
    return exitCode !== undefined || !alive;
  }

  async *logs(options: LogsOptions = {}): AsyncIterable<string> {
    let offset = 0;
    let pending = '';
    const decoder = new TextDecoder();
    // Following wakes when the log grows, the runner's status changes or the wrapper writes its
    // exit code; the timeout only backs up a missed event.
    const watch = options.follow
      ? new DirectoryWatch([this.backend.jobDir, this.resultsDir], [LOCAL_JOB_FILES.log, LOCAL_JOB_FILES.exitCode, STATUS_FILE_NAME])
      : undefined;
    try {
      for (;;) {
        // Read the state before the file, so the last lines written before the end are not missed.
        // The log is complete once the runner's status is final (it logs its end, then writes that
        // status; the kernel's exit after it logs nothing), or once the process is gone.
        const finished = !options.follow || (await this.exited()) || isFinal(await readRunnerStatus(this.resultsDir));
        const chunk = await readFrom(this.logFile, offset);
        offset += chunk.length;
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) yield line;
        if (finished && chunk.length === 0) break;
        if (options.signal?.aborted) return;
        if (chunk.length === 0) await watch!.next(watch!.watching ? FALLBACK_POLL_MS : 200, options.signal);
      }
    } finally {
      watch?.close();
    }
    if (pending) yield pending;
  }

  async wait(options: WaitOptions = {}): Promise<JobStatus> {
    // The runner's final status.json (results/) and the wrapper's `exit-code` (the job directory)
    // are watched (not the log, which grows line by line), with a slow poll behind them for a
    // wrapper killed before it could write one.
    const watch = new DirectoryWatch([this.backend.jobDir, this.resultsDir], [LOCAL_JOB_FILES.exitCode, STATUS_FILE_NAME]);
    try {
      const interval = options.pollIntervalMs ?? (watch.watching ? FALLBACK_POLL_MS : 250);
      return await pollUntilTerminal(() => this.status(), { ...options, pollIntervalMs: interval }, (ms, signal) => watch.next(ms, signal));
    } finally {
      watch.close();
    }
  }

  runnerStatus(): Promise<RunnerStatus | undefined> {
    return readRunnerStatus(this.resultsDir);
  }

  async release(): Promise<void> {
    await writeFile(join(this.backend.jobDir, RELEASE_FILE), `${new Date().toISOString()}\n`).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // the job directory is gone: nothing to release
    });
  }

  async result(dest: string): Promise<JobResult> {
    const status = await this.status();
    const target = resolve(dest);
    await mkdir(target, { recursive: true });
    if (target !== resolve(this.resultsDir)) {
      await cp(this.resultsDir, target, { recursive: true, force: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw new BackendError('local', `cannot copy results of job '${this.id}' to ${target}: ${err.message}`, undefined, { cause: err });
      });
    }
    const files = await listFiles(target);
    const runnerStatus = await readRunnerStatus(target);
    const notebook = files.includes(this.record.output) ? join(target, this.record.output) : undefined;
    return { dir: target, notebook, files, runnerStatus, status };
  }

  async cancel(options: CancelOptions = {}): Promise<void> {
    const grace = (options.graceSeconds ?? 10) * 1000;
    const { jobDir, pid } = this.backend;
    if (this.backend.host) {
      // A runner host runs other jobs too: it is told through files, never signalled. The first
      // marker cancels as SIGTERM would; after the grace, the second ends the job at once.
      // Ending: its exit code is there, or its final status (it ends on its own: only its kernel
      // still exits), or its folder is gone (removed once it ended) — no marker is written then.
      const ending = async () => (await this.exited()) || isFinal(await readRunnerStatus(this.resultsDir)) || !(await exists(jobDir));
      if (await ending()) return;
      await writeFile(join(jobDir, CANCEL_MARKER), `${new Date().toISOString()}\n`).catch(() => undefined);
      for (const deadline = Date.now() + grace; Date.now() < deadline && !(await ending()); ) await sleep(100);
      if (await ending()) return;
      await writeFile(join(jobDir, KILL_MARKER), `${new Date().toISOString()}\n`).catch(() => undefined);
      for (const deadline = Date.now() + REMOVE_WAIT_MS; Date.now() < deadline && !(await ending()); ) await sleep(50);
      return;
    }
    const runnerPid = await readInt(join(jobDir, LOCAL_JOB_FILES.runnerPid));
    if (!isAlive(pid)) return;
    // Recorded first, so that a runner killed by the grace's SIGKILL reads as cancelled, not failed.
    await writeFile(join(jobDir, CANCEL_MARKER), `${new Date().toISOString()}\n`).catch(() => undefined);
    // SIGTERM to the runner only: it saves the partial notebook and stops its kernel.
    if (runnerPid) signal(runnerPid, 'SIGTERM');
    else signal(-pid, 'SIGTERM');
    const deadline = Date.now() + grace;
    while (Date.now() < deadline && isAlive(pid)) await sleep(100);
    // Whatever is left of the job's process group (kernel included) goes now.
    if (isAlive(pid) || (runnerPid && isAlive(runnerPid))) signal(-pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }

  /** Whether the job's process lives: its wrapper, or in a runner host, the job until its exit code. */
  private async running(): Promise<boolean> {
    return this.backend.host ? !(await this.exited()) : isAlive(this.backend.pid);
  }

  async settled(timeoutMs: number): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && (await this.running()); ) await sleep(50);
  }

  async remove(): Promise<void> {
    // Ended, its kernel still exiting: bounded by the kernel's shutdown grace (then it is killed).
    if ((await this.running()) && isFinal(await readRunnerStatus(this.resultsDir))) await this.settled(REMOVE_WAIT_MS);
    if (await this.running()) throw new UsageError(`job '${this.id}' is still running (cancel it first: nbrun cancel ${this.id})`);
    await rm(this.backend.jobDir, { recursive: true, force: true });
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

async function readFrom(path: string, offset: number): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return new Uint8Array(0);
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) return new Uint8Array(0);
    const buf = new Uint8Array(Math.min(size - offset, 1 << 20));
    const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Runs jobs as detached `nbrun-runner` processes on this machine.
 *
 * @example
 * const driver = new LocalDriver({ jobs: new JobRegistry(), env: process.env });
 * const job = await driver.submit({ notebook: 'train.ipynb', dependencies: ['*.py'] });
 * await job.wait();
 * await job.result('out');
 */
export class LocalDriver implements Driver<LocalDriverOptions> {
  readonly name = 'local';
  readonly description = 'the runner as a detached process on this machine';
  readonly optionsSchema = localOptionsSchema;
  readonly holds = true;
  private readonly jobs: JobRegistry;
  private readonly env: NodeJS.ProcessEnv;
  private readonly sharedRunner: boolean;

  constructor(context: DriverContext) {
    this.jobs = context.jobs;
    this.env = context.env;
    this.sharedRunner = context.sharedRunner === true;
  }

  async submit(request: SubmitRequest, options: LocalDriverOptions = {}): Promise<JobHandle> {
    checkOptions(this.name, this.optionsSchema, options);
    for (const [field, value] of [['image', request.image], ['gpus', request.resources?.gpus], ['cpus', request.resources?.cpus], ['memoryBytes', request.resources?.memoryBytes]] as const) {
      if (value !== undefined) throw new UsageError(`${field} is not supported by driver local (use driver docker)`, { hint: { option: field } });
    }
    const runner = locateRunner(this.env);
    const prepared = await prepareJob(request, { runnerDist: runner.dist, jobs: this.jobs });
    const jobDir = join(this.jobsRoot, prepared.id);
    const inputDir = join(jobDir, 'input');
    await mkdir(jobDir, { recursive: true });
    await writeBundleFiles(prepared.bundle.files, inputDir);
    return this.launch({
      jobId: prepared.id,
      jobDir,
      args: ['--spec', join(inputDir, JOB_SPEC_FILE_NAME)],
      // The runner of a standby starts the kernel, then waits for `release` to write this file.
      env: request.hold ? { ...request.env, NBRUN_HOLD_FILE: join(jobDir, RELEASE_FILE) } : request.env,
      notebook: prepared.notebook,
      spec: prepared.bundle.spec,
      output: prepared.output,
    });
  }

  private get jobsRoot(): string {
    return join(dirname(this.jobs.dir), 'local');
  }

  /**
   * Starts `nbrun-runner ARGS` as a detached job with its own directory, log and exit code,
   * recorded in the registry like a submitted job. `submit` uses it after unpacking the
   * bundle; platform test servers use it to run a container's command for real (e.g. with
   * `NBRUN_JOB_SPEC` pointing the runner at a bundle in a bucket).
   * `MODEL_DIR`/`RESULT_DIR` default to `<job dir>/input` and `<job dir>/results`.
   *
   * @example
   * const job = await driver.launch({ jobId: 'k8s-job-1', env: { NBRUN_JOB_SPEC: JSON.stringify({ input: 's3://b/bundle.zip', results: 's3://b/out/' }) } });
   * await job.wait();
   */
  async launch(options: LocalLaunchOptions): Promise<JobHandle> {
    checkJobId(options.jobId);
    if (await this.jobs.has(options.jobId)) throw new UsageError(`job '${options.jobId}' already exists in ${this.jobs.dir}`);
    const runner = locateRunner(this.env);
    const jobDir = options.jobDir ?? join(this.jobsRoot, options.jobId);
    const resultsDir = join(jobDir, 'results');
    await mkdir(resultsDir, { recursive: true });
    const env = { ...this.env, ...runner.env, MODEL_DIR: join(jobDir, 'input'), RESULT_DIR: resultsDir, ...options.env };
    const host = this.sharedRunner;
    let pid: number;
    if (host) pid = await this.handToHost(runner, { jobId: options.jobId, jobDir, args: options.args ?? [], env: stringsOf(env) });
    else pid = this.spawnWrapped(runner, jobDir, options.args ?? [], env);
    const record: JobRecord = {
      id: options.jobId,
      driver: this.name,
      notebook: options.notebook ?? '',
      createdAt: new Date().toISOString(),
      state: 'pending',
      output: options.output ?? DEFAULT_OUTPUT_NAME,
      spec: options.spec ?? {},
      backend: { jobDir, pid, ...(host ? { host: true } : {}) } satisfies LocalBackend,
    };
    await this.jobs.save(record);
    return new LocalJobHandle(record, this.jobs);
  }

  /** Starts the runner for a job as its own detached process (in the `sh` wrapper); returns the wrapper's pid. */
  private spawnWrapped(runner: RunnerCommand, jobDir: string, args: string[], env: NodeJS.ProcessEnv): number {
    const log = openSync(join(jobDir, LOCAL_JOB_FILES.log), 'a');
    let pid: number;
    try {
      const child = spawn('/bin/sh', ['-c', WRAPPER, 'nbrun-job', process.execPath, ...runner.nodeArgs, ...args], {
        cwd: jobDir,
        detached: true,
        stdio: ['ignore', log, log],
        env,
      });
      if (child.pid === undefined) {
        throw new BackendError('local', `cannot start the runner (${runner.description})`);
      }
      pid = child.pid;
      child.unref();
    } finally {
      closeSync(log);
    }
    return pid;
  }

  /**
   * Hands a job to the runner host (started if none runs): its request is written aside, then
   * renamed into the host's queue folder. A host leaves only once it removed its empty queue
   * folder, so the rename either lands where a living host reads, or fails (ENOENT) and the job
   * goes to a new host. Returns the pid of the host that has it.
   */
  private async handToHost(runner: RunnerCommand, request: HostRequest): Promise<number> {
    const dir = join(this.jobsRoot, HOST_DIR);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // It holds the job's environment (the service's credentials among it): for this user only.
    const aside = join(dir, `.${request.jobId}.${process.pid}.tmp`);
    await writeFile(aside, JSON.stringify(request), { mode: 0o600 });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const pid = await hostStarts.take(dir, async () => (await currentHost(dir)) ?? (await this.startHost(dir, runner)));
        try {
          await rename(aside, join(dir, HOST_FILES.queue(pid), HOST_FILES.request(request.jobId)));
          return pid;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          // That host left between our look and the rename: the next attempt starts another.
          await rm(join(dir, HOST_POINTER), { force: true });
        }
      }
      throw new BackendError('local', `cannot hand job '${request.jobId}' to a runner host (see ${join(dir, HOST_LOG)})`);
    } finally {
      await rm(aside, { force: true });
    }
  }

  /** Starts a runner host, detached (it outlives this process), with its queue folder ready. */
  private async startHost(dir: string, runner: RunnerCommand): Promise<number> {
    const log = openSync(join(dir, HOST_LOG), 'a');
    let pid: number | undefined;
    try {
      const child = spawn(process.execPath, [...runner.nodeArgs, '--host', dir], {
        cwd: dir,
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...this.env, ...runner.env },
      });
      pid = child.pid;
      child.on('error', () => undefined);
      child.unref();
    } finally {
      closeSync(log);
    }
    if (pid === undefined) throw new BackendError('local', `cannot start the runner host (${runner.description})`);
    // The host makes it too; made here, a job can be handed over before the host has loaded.
    await mkdir(join(dir, HOST_FILES.queue(pid)), { recursive: true, mode: 0o700 });
    const pointer = join(dir, HOST_POINTER);
    await writeFile(`${pointer}.${pid}.tmp`, `${JSON.stringify({ pid })}\n`);
    await rename(`${pointer}.${pid}.tmp`, pointer);
    return pid;
  }

  async attach(job: string | JobRecord): Promise<JobHandle> {
    const record = typeof job === 'string' ? await this.jobs.get(job) : job;
    if (record.driver !== this.name) throw new UsageError(`job '${record.id}' belongs to driver '${record.driver}', not '${this.name}'`);
    return new LocalJobHandle(record, this.jobs);
  }
}

/** In the runner hosts' folder: the current host (`{ "pid": N }`) and the hosts' log. */
const HOST_POINTER = 'host.json';
const HOST_LOG = 'host.log';

/** One host start at a time per folder in this process: jobs submitted together share one host. */
const hostStarts = {
  turns: new Map<string, Promise<unknown>>(),
  async take<T>(dir: string, fn: () => Promise<T>): Promise<T> {
    const before = this.turns.get(dir) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const settled = mine.catch(() => undefined);
    this.turns.set(dir, settled);
    try {
      return await mine;
    } finally {
      if (this.turns.get(dir) === settled) this.turns.delete(dir);
    }
  },
};

/** The current runner host's pid, if it lives and reads its queue. */
async function currentHost(dir: string): Promise<number | undefined> {
  let pid: unknown;
  try {
    pid = (JSON.parse(await readFile(join(dir, HOST_POINTER), 'utf8')) as { pid?: unknown }).pid;
  } catch {
    return undefined;
  }
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  // A pid reused by another program after the host was killed: its stale queue is read by nobody.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline !== undefined && !cmdline.split('\0').includes('--host')) return undefined;
  return (await exists(join(dir, HOST_FILES.queue(pid)))) ? pid : undefined;
}

/** The variables of an environment that have a value. */
function stringsOf(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** File names in a local job directory (documented for people who look inside). */
export const LOCAL_JOB_FILES = { log: HOST_FILES.log, exitCode: HOST_FILES.exitCode, runnerPid: HOST_FILES.runnerPid, cancelRequested: CANCEL_MARKER, release: RELEASE_FILE, status: STATUS_FILE_NAME } as const;
