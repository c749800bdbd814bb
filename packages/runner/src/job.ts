/**
 * One job, start to end: results opened and `running` written → input fetched → spec
 * completed from the input's nbrun-job.json → notebook run → executed notebook and final
 * status written (on success, failure and signals). This file only orchestrates.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CancelledError, NbrunError, NotebookReadError, OutputWriteError, VERSION, createEmbeddedGateway, exitCodeFor, readNotebook, streamNotebook,
  type Gateway, type Output, type RemoteGatewayOptions, type RunEvent, type RunOptions, type RunResult,
} from '@nbrun/core';
import { writeFileAtomic } from '@nbrun/core/notebook';
import { BundleError } from './errors.js';
import { fetchInput } from './input/fetch.js';
import { resolveEntry } from './input/safe-path.js';
import { inputLimitsOf, mergeSpecs, parseSpecText, platformDefaults, type SpecLayer } from './load-spec.js';
import { createLogger, formatDuration, outputLines, type Logger } from './log.js';
import { createRedactor, redactUrl, type Redactor } from './redact.js';
import { openResults, type ResultSink } from './results/sink.js';
import { DEFAULT_OUTPUT_NAME, JOB_SPEC_FILE_NAME, STATUS_FILE_NAME, validateJobSpec, type JobSpec } from './spec.js';
import { HOLD_FILE_ENV, kernelNameOf, StandbyGateway, waitForFile } from './standby.js';
import { cellsOf, failedCellOf, stateFor } from './outcome.js';
import type { JobStatus, StatusCell } from './status.js';

export interface JobOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Log lines (stdout). */
  write: (text: string) => void;
  /** The one-line fatal error (stderr). */
  writeError: (text: string) => void;
  /** Parent of the job's work dir. Default `$NBRUN_WORK_DIR`, else the OS temp dir. */
  workDir?: string;
  keepWorkDir?: boolean;
  /** Aborted on SIGTERM/SIGINT; `signalName` says which. */
  signal?: AbortSignal;
  signalName?: () => 'SIGTERM' | 'SIGINT' | undefined;
}

/**
 * A job run by `nbrun-runner`. `run()` resolves to the exit code and never throws;
 * `abandon()` writes a final status from what is known when the grace period is over.
 *
 * @example
 * const job = new Job({ explicit, flags: { notebook: 'nb.ipynb' } }, { env: process.env, cwd: process.cwd(), write, writeError });
 * process.exitCode = await job.run();
 */
export class Job {
  private spec: Partial<JobSpec>;
  private readonly redact: Redactor;
  private log: Logger;
  private sink: ResultSink | undefined;
  private workDir: string | undefined;
  private status: JobStatus;
  private readonly liveCells = new Map<number, StatusCell>();
  private notebookReady = false;
  private publishing: Promise<void> | undefined;
  private publishAgain = false;
  private finished = false;
  /** Resolves once the run's kernel has exited (set when the result is known, before the final status). */
  private kernelGone: Promise<void> | undefined;
  /** The embedded gateway of this job's kernels (none for a remote gateway): its base environment is the job's. */
  private kernels: Gateway | undefined;

  constructor(
    private readonly layers: { explicit?: SpecLayer; flags: Partial<JobSpec> },
    private readonly options: JobOptions,
  ) {
    this.spec = mergeSpecs(layers.explicit?.spec, layers.flags);
    this.redact = createRedactor(options.env);
    const token = this.spec.gateway?.tokenEnv ? options.env[this.spec.gateway.tokenEnv] : undefined;
    this.redact.add(token);
    this.log = this.makeLogger();
    const now = new Date().toISOString();
    this.status = { state: 'running', exitCode: null, cells: [], startedAt: now, updatedAt: now, nbrunVersion: VERSION };
  }

  private makeLogger(): Logger {
    return createLogger({
      format: this.spec.logFormat ?? 'text',
      write: this.options.write,
      redact: this.redact,
      ...(this.spec.jobId ? { jobId: this.spec.jobId } : {}),
    });
  }

  /** Runs the job; resolves to the process exit code. */
  async run(): Promise<number> {
    const t0 = performance.now();
    let result: RunResult | undefined;
    let error: unknown;
    try {
      result = await this.execute();
      error = result.error;
    } catch (err) {
      error = err;
      result = (err as { result?: RunResult }).result;
    }
    return this.finish(error, result, performance.now() - t0);
  }

  private async execute(): Promise<RunResult> {
    const { env, cwd, signal } = this.options;
    const where = platformDefaults(this.spec, env);
    const base = this.options.workDir ?? (env.NBRUN_WORK_DIR || tmpdir());
    await mkdir(base, { recursive: true });
    this.workDir = await mkdtemp(join(resolve(cwd, base), 'nbrun-job-'));
    const bundleDir = join(this.workDir, 'bundle');
    this.sink = await openResults(where.results, join(this.workDir, 'results'), env, cwd);
    this.updateStatus({ ...this.describeSpec(), state: 'running' });
    this.log.line('job-start', `job started: notebook ${this.spec.notebook ?? '(from the input)'}, input ${redactUrl(where.input)}, results ${redactUrl(this.sink.location)}`, {
      notebook: this.spec.notebook, input: redactUrl(where.input), results: redactUrl(this.sink.location), version: VERSION,
    });
    await this.writeStatus();

    const tf = performance.now();
    const fetched = await fetchInput(where.input, bundleDir, {
      env, cwd, ...(signal ? { signal } : {}), exclude: [this.workDir, ...(this.sink.local ? [this.sink.dir] : [])],
      limits: inputLimitsOf(this.spec, env),
    });
    this.log.line('input-ready', `input ready: ${fetched.kind}${fetched.files !== undefined ? `, ${fetched.files} files` : ''} in ${formatDuration(performance.now() - tf)}`, {
      kind: fetched.kind, files: fetched.files, durationMs: Math.round(performance.now() - tf),
    });

    await this.applyBundleSpec(bundleDir, where);
    const spec = validateJobSpec({ ...this.spec, input: where.input, results: this.spec.results ?? where.results }, 'job spec');
    this.spec = spec;
    const notebookPath = resolveEntry(bundleDir, spec.notebook, 'job spec notebook');
    if (!existsSync(notebookPath)) {
      const found = await findNotebooks(bundleDir);
      throw new NotebookReadError(
        spec.notebook,
        `notebook '${spec.notebook}' is not in the input ${redactUrl(where.input)} ` +
          `(${found.length ? `notebooks there: ${found.slice(0, 10).join(', ')}${found.length > 10 ? ', …' : ''}` : 'no notebooks there'})`,
      );
    }
    const kernelCwd = spec.cwd ? resolveEntry(bundleDir, spec.cwd, 'job spec cwd', true) : bundleDir;
    if (!(await stat(kernelCwd).then((st) => st.isDirectory(), () => false))) {
      throw new BundleError(`job spec: cwd '${spec.cwd}' is not a directory in the input ${redactUrl(where.input)}`);
    }
    const outputName = spec.output ?? DEFAULT_OUTPUT_NAME;
    const outputPath = join(this.sink!.dir, outputName);
    this.updateStatus(this.describeSpec());
    await this.writeStatus();

    const runOptions: RunOptions = {
      cwd: kernelCwd,
      outputPath,
      // The runner reads the notebook it wrote, never result.notebook: large outputs stay on disk.
      largeOutputs: 'file',
      parameters: spec.parameters ?? {},
      env: {
        ...spec.env,
        ...(this.sink!.local ? { NBRUN_RESULT_DIR: this.sink!.dir } : {}),
        ...(spec.jobId ? { NBRUN_JOB_ID: spec.jobId } : {}),
      },
      autosaveIntervalMs: (spec.autosaveSeconds ?? 5) * 1000,
      ...(spec.kernel ? { kernelName: spec.kernel } : {}),
      ...(spec.cellTimeoutSeconds ? { cellTimeoutMs: spec.cellTimeoutSeconds * 1000 } : {}),
      ...(spec.runTimeoutSeconds ? { runTimeoutMs: spec.runTimeoutSeconds * 1000 } : {}),
      ...(spec.startTimeoutSeconds ? { startTimeoutMs: spec.startTimeoutSeconds * 1000 } : {}),
      ...(spec.allowErrors ? { allowErrors: true } : {}),
      ...(spec.gateway ? { gateway: this.gatewayOptions(spec) } : {}),
      ...(signal ? { signal } : {}),
    };
    const holdFile = env[HOLD_FILE_ENV];
    let kernels: Gateway | undefined;
    if (!spec.gateway && !holdFile) {
      // The job's environment is its kernels' base: in a runner process it is the process's own;
      // a runner host runs several jobs, each with its own.
      kernels = this.kernels = createEmbeddedGateway({ env });
      runOptions.gateway = kernels;
    } else if (holdFile && !spec.gateway) {
      // A standby: this job's own kernel starts now, the run when the hold file appears.
      const kernelName = await kernelNameOf(notebookPath, spec.kernel);
      const standby = this.kernels = new StandbyGateway({ kernelName, cwd: kernelCwd, env: runOptions.env!, startTimeoutMs: runOptions.startTimeoutMs ?? 60_000 }, env);
      this.log.line('standby', `standby: kernel ${kernelName} starting ahead; the run starts when released`, { kernel: kernelName });
      // What the run reads first is loaded now (the notebook validator is compiled on first use:
      // ~0.2 s of CPU in a fresh process); the run reads the notebook again once released.
      await readNotebook(notebookPath).catch(() => undefined);
      try {
        await waitForFile(holdFile, signal);
      } catch (err) {
        await standby.dispose();
        throw err;
      }
      this.log.line('released', 'released: the run starts', {});
      runOptions.gateway = kernels = standby;
    }
    // Progress goes out on core's `saved` event: after every autosave (cells ended, long cells' output) and at the end.
    const stream = streamNotebook(notebookPath, runOptions);
    try {
      for (;;) {
        const next = await stream.next();
        if (next.done) {
          await kernels?.dispose();
          return next.value;
        }
        this.onEvent(next.value);
        if (next.value.type === 'run-end') {
          // The notebook is final and written: the final status goes out now, while the kernel's
          // process exits (the rest of the stream); the runner ends once it is gone (finish()).
          this.kernelGone = (async () => {
            try {
              while (!(await stream.next()).done);
            } finally {
              await kernels?.dispose();
            }
          })().catch(() => undefined);
          return next.value.result;
        }
      }
    } catch (err) {
      await kernels?.dispose();
      throw err;
    }
  }

  /** The input's own nbrun-job.json is the lowest layer: explicit spec and flags override it. */
  private async applyBundleSpec(bundleDir: string, where: { results: string }): Promise<void> {
    const path = join(bundleDir, JOB_SPEC_FILE_NAME);
    if (!existsSync(path)) return;
    const source = `input's ${JOB_SPEC_FILE_NAME}`;
    const bundled = parseSpecText(await readFile(path, 'utf8'), source);
    const before = this.spec;
    this.spec = mergeSpecs(bundled, this.layers.explicit?.spec, this.layers.flags);
    if (bundled.gateway?.tokenEnv) this.redact.add(this.options.env[this.spec.gateway?.tokenEnv ?? '']);
    if (this.spec.logFormat !== before.logFormat || this.spec.jobId !== before.jobId) this.log = this.makeLogger();
    // The bundle may name the results only when nothing else (flags, spec, $RESULT_DIR) did.
    if (bundled.results && before.results === undefined && !this.options.env.RESULT_DIR && bundled.results !== where.results) {
      this.sink?.close();
      this.sink = await openResults(bundled.results, join(this.workDir!, 'results'), this.options.env, this.options.cwd);
      this.log.line('results', `results go to ${redactUrl(this.sink.location)} (from ${source})`, { results: redactUrl(this.sink.location) });
    }
  }

  private gatewayOptions(spec: JobSpec): RemoteGatewayOptions {
    const gw = spec.gateway!;
    const token = gw.tokenEnv ? this.options.env[gw.tokenEnv] : undefined;
    if (gw.tokenEnv && !token) {
      this.log.line('warning', `warning: gateway.tokenEnv names $${gw.tokenEnv}, which is not set; connecting without a token`, { code: 'gateway-token' });
    }
    return {
      url: gw.url,
      ...(token ? { token } : {}),
      ...(gw.requestTimeoutSeconds ? { requestTimeoutMs: gw.requestTimeoutSeconds * 1000 } : {}),
    };
  }

  private onEvent(ev: RunEvent): void {
    switch (ev.type) {
      case 'run-start':
        this.updateStatus({ kernel: ev.kernelName });
        this.log.line('run-start', `running ${ev.codeCellCount} code cells (${ev.cellCount} cells) on kernel ${ev.kernelName}`, {
          kernel: ev.kernelName, cellCount: ev.cellCount, codeCellCount: ev.codeCellCount,
        });
        break;
      case 'kernel-ready':
        this.log.line('kernel-ready', `kernel ${ev.kernelName} ready (${ev.language}, ${ev.implementation})`, {
          kernel: ev.kernelName, language: ev.language, implementation: ev.implementation,
        });
        break;
      case 'cell-start':
        this.liveCells.set(ev.index, { index: ev.index, ...(ev.id ? { id: ev.id } : {}), status: 'running', executionCount: null });
        this.log.line('cell-start', `cell ${ev.index}${ev.id ? ` (${ev.id})` : ''} started`, { index: ev.index, id: ev.id });
        break;
      case 'cell-end':
        this.liveCells.set(ev.index, {
          index: ev.index, ...(ev.id ? { id: ev.id } : {}), status: ev.status, executionCount: ev.executionCount, durationMs: Math.round(ev.durationMs),
        });
        this.log.line(
          'cell-end',
          `cell ${ev.index}${ev.executionCount !== null ? ` [${ev.executionCount}]` : ''} ${ev.status} in ${formatDuration(ev.durationMs)}`,
          { index: ev.index, id: ev.id, executionCount: ev.executionCount, status: ev.status, durationMs: Math.round(ev.durationMs) },
        );
        break;
      case 'output':
        if (this.spec.logOutput) {
          // A stream message logs the text it added (event.text), not the whole output again
          // (every line so far at each message, and spilled text read back from disk).
          const logged = ev.text !== undefined ? ({ output_type: 'stream', name: (ev.output as { name?: string }).name, text: ev.text } as Output) : ev.output;
          const { stream, lines } = outputLines(logged);
          for (const l of lines) this.log.line('output', `cell ${ev.index} ${stream}| ${l}`, { index: ev.index, stream, text: l });
        }
        break;
      case 'warning':
        this.log.line('warning', `warning: ${ev.message}`, { code: ev.code });
        break;
      case 'saved':
        this.notebookReady = true;
        void this.publishProgress();
        break;
      default:
        break;
    }
  }

  /**
   * After each autosave: status.json gets the cells so far, and for S3 both files are
   * uploaded. Never two at once; the latest state always goes out; nothing after the end.
   */
  private async publishProgress(): Promise<void> {
    if (this.publishing) {
      this.publishAgain = true;
      return this.publishing;
    }
    const name = this.spec.output ?? DEFAULT_OUTPUT_NAME;
    this.publishing = (async () => {
      do {
        this.publishAgain = false;
        if (this.finished) return;
        this.updateStatus({ cells: [...this.liveCells.values()].sort((a, b) => a.index - b.index) });
        try {
          if (this.notebookReady) await this.sink!.publish(name);
          if (!this.finished) await this.writeStatus();
        } catch (err) {
          this.log.line('warning', `warning: ${(err as Error).message}`, { code: 'upload' });
        }
      } while (this.publishAgain);
    })();
    try {
      await this.publishing;
    } finally {
      this.publishing = undefined;
    }
  }

  /** Waits for a progress upload in flight, at most `ms` (a hung upload must not block the exit). */
  private async settleProgress(ms: number): Promise<void> {
    if (!this.publishing) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.publishing, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  private describeSpec(): Partial<JobStatus> {
    const s = this.spec;
    return {
      ...(s.jobId ? { jobId: s.jobId } : {}),
      ...(s.notebook ? { notebook: s.notebook } : {}),
      output: s.output ?? DEFAULT_OUTPUT_NAME,
      ...(s.kernel ? { kernel: s.kernel } : {}),
      parameters: s.parameters ?? {},
    };
  }

  private updateStatus(patch: Partial<JobStatus>): void {
    this.status = { ...this.status, ...patch, updatedAt: new Date().toISOString() };
  }

  private async writeStatus(): Promise<void> {
    if (!this.sink) return;
    // A fixed key order, cells last, so a person reading the file sees the outcome first.
    const { state, exitCode, jobId, notebook, output, kernel, parameters, error, failedCell, signal, startedAt, updatedAt, endedAt, durationMs, nbrunVersion, cells } = this.status;
    const ordered = { state, exitCode, jobId, notebook, output, kernel, error, failedCell, signal, startedAt, updatedAt, endedAt, durationMs, nbrunVersion, parameters, cells };
    // Rewritten at every step: atomic for readers, not flushed to disk each time.
    await writeFileAtomic(join(this.sink.dir, STATUS_FILE_NAME), this.redact(JSON.stringify(ordered, null, 2)) + '\n', { sync: false });
    await this.sink.publish(STATUS_FILE_NAME);
  }

  private async finish(error: unknown, result: RunResult | undefined, durationMs: number): Promise<number> {
    if (this.finished) return this.status.exitCode ?? exitCodeFor(error);
    this.finished = true;
    await this.settleProgress(10_000);
    const signal = this.options.signalName?.();
    const { state, exitCode } = stateFor(error, error !== undefined || signal ? signal : undefined);
    const verb = signal === 'SIGTERM' ? 'terminated' : 'interrupted';
    const name = this.spec.output ?? DEFAULT_OUTPUT_NAME;
    const saved = this.sink !== undefined && (this.notebookReady || existsSync(join(this.sink.dir, name)));
    // A signal explains whatever error it caused (an aborted download, a cancelled cell).
    const err =
      error === undefined
        ? undefined
        : signal
          ? new CancelledError(`${verb} by ${signal}${saved ? '; partial notebook saved' : ''}`)
          : error instanceof NbrunError
            ? error
            : new NbrunError('E_INTERNAL', String((error as Error)?.message ?? error));
    const message = err?.message;
    const failedCell = error !== undefined ? failedCellOf(error, result) : undefined;
    const cells = result ? cellsOf(result) : [...this.liveCells.values()].sort((a, b) => a.index - b.index);
    this.updateStatus({
      state,
      exitCode,
      ...(result?.kernelName ? { kernel: result.kernelName } : {}),
      ...(result ? { parameters: result.parameters } : {}),
      ...(err ? { error: { code: err.code, message: message! } } : {}),
      ...(failedCell ? { failedCell } : {}),
      ...(err && signal ? { signal } : {}),
      cells,
      endedAt: new Date().toISOString(),
      durationMs: Math.round(durationMs),
    });
    let finalExit = exitCode;
    try {
      if (this.sink && !this.sink.local && (this.notebookReady || existsSync(join(this.sink.dir, name)))) await this.sink.publish(name);
    } catch (writeErr) {
      finalExit = this.writeFailed(writeErr, finalExit);
    }
    this.logSummary(cells, message, finalExit);
    if (err && err.code !== 'E_INTERNAL' && !signal) this.options.writeError(`nbrun-runner: ${this.redact(err.message)}\n`);
    else if (err && err.code === 'E_INTERNAL') this.options.writeError(`nbrun-runner: internal error: ${this.redact(String((error as Error)?.stack ?? error))}\n`);
    // The final status goes last: once it is final, the job's log is complete (the local driver's
    // log follow ends there, while the kernel still exits), but for the line saying it failed.
    finalExit = await this.writeFinalStatus(finalExit);
    // The kernel shuts down after the final status: never left behind (its cwd is in the work dir).
    await this.kernelGone;
    await this.cleanup();
    return finalExit;
  }

  /** Writes the final status; a failure is one line on stderr and an exit code (`exitCode`, unless it already says a failure). */
  private async writeFinalStatus(exitCode: number): Promise<number> {
    try {
      await this.writeStatus();
      return exitCode;
    } catch (writeErr) {
      return this.writeFailed(writeErr, exitCode);
    }
  }

  private writeFailed(writeErr: unknown, exitCode: number): number {
    this.options.writeError(`nbrun-runner: ${this.redact((writeErr as Error).message)}\n`);
    return exitCode === 0 ? exitCodeFor(writeErr instanceof NbrunError ? writeErr : new OutputWriteError('', String(writeErr))) : exitCode;
  }

  private logSummary(cells: StatusCell[], message: string | undefined, exitCode: number): void {
    const done = cells.filter((c) => c.status === 'completed').length;
    // Markdown cells (and skip-execution ones) are `skipped`: count only cells meant to run.
    const due = cells.filter((c) => c.status !== 'skipped').length;
    const name = this.spec.output ?? DEFAULT_OUTPUT_NAME;
    const written = this.sink && (this.sink.local ? existsSync(join(this.sink.dir, name)) : this.notebookReady);
    const where = written ? join(redactUrl(this.sink!.location), name) : undefined;
    this.log.line(
      'job-end',
      `job ${this.status.state} in ${formatDuration(this.status.durationMs)}: ${done}/${due} cells completed` +
        `${message ? `; ${message}` : ''}${where ? `; output ${where}` : ''}; exit ${exitCode}`,
      {
        state: this.status.state, exitCode, durationMs: this.status.durationMs, cellsCompleted: done, cells: due,
        ...(this.status.error ? { error: this.status.error } : {}), ...(this.status.failedCell ? { failedCell: this.status.failedCell } : {}),
        ...(where ? { output: where } : {}),
      },
    );
  }

  /**
   * Reports a job that cannot start (invalid spec or flags): writes an `invalid` status
   * where the results would go (best effort), prints the one-line error, returns exit 2.
   */
  async reportInvalid(error: NbrunError): Promise<number> {
    const { state, exitCode } = stateFor(error);
    try {
      const where = platformDefaults(this.spec, this.options.env);
      this.workDir = await mkdtemp(join(this.options.workDir ?? (this.options.env.NBRUN_WORK_DIR || tmpdir()), 'nbrun-job-'));
      this.sink = await openResults(where.results, join(this.workDir, 'results'), this.options.env, this.options.cwd);
      this.updateStatus({ state, exitCode, error: { code: error.code, message: error.message }, endedAt: new Date().toISOString(), durationMs: 0 });
    } catch {
      // The spec may be too broken to say where results go; the line on stderr is what matters.
    }
    this.finished = true;
    // The line, then the final status (once it is final, the log is complete).
    this.options.writeError(`nbrun-runner: ${this.redact(error.message)}\n`);
    await this.writeStatus().catch(() => undefined);
    await this.cleanup();
    return exitCode;
  }

  /**
   * The grace period is over and the run has not ended: writes a final status from the
   * cells seen so far (the autosaved notebook is already in place), uploads what it can,
   * and resolves to the exit code for the signal.
   */
  async abandon(signal: 'SIGTERM' | 'SIGINT'): Promise<number> {
    // Already ending (a second signal during the final writes): exit with the signal's code, never 0.
    if (this.finished) return this.status.exitCode ?? stateFor(undefined, signal).exitCode;
    this.finished = true;
    await this.settleProgress(2_000);
    const { state, exitCode } = stateFor(undefined, signal);
    this.updateStatus({
      state, exitCode, signal,
      error: { code: 'E_CANCELLED', message: `${signal === 'SIGTERM' ? 'terminated' : 'interrupted'} by ${signal}; the run did not stop within the grace period (last autosave kept)` },
      cells: [...this.liveCells.values()].sort((a, b) => a.index - b.index),
      endedAt: new Date().toISOString(),
      durationMs: Math.round(Date.now() - Date.parse(this.status.startedAt)),
    });
    // The exit code stays the signal's: a failed write is only reported.
    try {
      if (this.sink && !this.sink.local && this.notebookReady) await this.sink.publish(this.spec.output ?? DEFAULT_OUTPUT_NAME);
    } catch (err) {
      this.writeFailed(err, exitCode);
    }
    this.logSummary(this.status.cells, this.status.error?.message, exitCode);
    await this.writeFinalStatus(exitCode);
    await this.cleanup();
    return exitCode;
  }

  /**
   * Stops this job's kernels at once (a runner host's forced end of one job: a runner process
   * exits instead, and its kernels go with its process group).
   */
  async stopKernels(): Promise<void> {
    await this.kernels?.dispose().catch(() => undefined);
  }

  private async cleanup(): Promise<void> {
    this.sink?.close();
    if (this.workDir && !this.options.keepWorkDir) await rm(this.workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Notebooks in the top two levels of a folder, for the message when the named one is missing. */
async function findNotebooks(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries
    .map((e) => e.replace(/\\/g, '/'))
    .filter((e) => e.endsWith('.ipynb') && e.split('/').length <= 2 && !e.includes('.ipynb_checkpoints'))
    .sort();
}
