/**
 * `nbrun-runner`'s command: parses flags, reads the spec, runs the job, and turns
 * SIGTERM/SIGINT into cancellation with a bounded grace period.
 */
import { EXIT_CODES, NbrunError, UsageError, VERSION } from '@nbrun/core';
import { RUNNER_USAGE, parseRunnerArgs } from './args.js';
import { Job } from './job.js';
import { readExplicitSpec, splitNotebookPath, type SpecLayer } from './load-spec.js';
import type { JobSpec } from './spec.js';

/** The process the runner talks to (real streams in production, captured ones in tests). */
export interface RunnerIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Subscribes to the signals that cancel the job; returns the unsubscribe. Default: this
   * process's SIGTERM/SIGINT (a runner host passes each job's own).
   */
  signals: (handler: (sig: 'SIGTERM' | 'SIGINT') => void) => () => void;
}

/** The process's own SIGTERM/SIGINT. */
function processSignals(handler: (sig: 'SIGTERM' | 'SIGINT') => void): () => void {
  const onTerm = () => handler('SIGTERM');
  const onInt = () => handler('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return () => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  };
}

/** Default seconds between SIGTERM/SIGINT and a forced exit (docker stop kills at 10 s). */
export const DEFAULT_GRACE_SECONDS = 8;

/**
 * Runs `nbrun-runner` with these arguments and resolves to the exit code. While it runs,
 * the first SIGTERM/SIGINT cancels the job (the kernel is interrupted, the partial
 * notebook and a `terminated`/`cancelled` status are written); if that takes longer
 * than the grace period, or a second signal comes, `onForcedExit` is called with the
 * exit code after a final status is written from what is known, and with a function that
 * stops the job's kernels (a process that exits need not: its process group goes).
 *
 * @example process.exitCode = await runRunner(process.argv.slice(2));
 */
export async function runRunner(
  argv: string[],
  io: Partial<RunnerIO> = {},
  onForcedExit: (code: number, stopKernels: () => Promise<void>) => void = (code) => process.exit(code),
): Promise<number> {
  const full: RunnerIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    signals: io.signals ?? processSignals,
  };
  let flags: Partial<JobSpec> = {};
  let explicit: SpecLayer | undefined;
  let parsed: ReturnType<typeof parseRunnerArgs> | undefined;
  const controller = new AbortController();
  let received: 'SIGTERM' | 'SIGINT' | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let job: Job | undefined;
  const forceExit = async (sig: 'SIGTERM' | 'SIGINT') => {
    const code = job ? await job.abandon(sig) : sig === 'SIGINT' ? EXIT_CODES.interrupted : EXIT_CODES.terminated;
    const stopping = job;
    onForcedExit(code, async () => stopping?.stopKernels());
  };
  const onSignal = (sig: 'SIGTERM' | 'SIGINT') => {
    if (received) {
      clearTimeout(graceTimer);
      void forceExit(sig);
      return;
    }
    received = sig;
    controller.abort(new Error(sig));
    const graceSeconds = parsed?.settings.graceSeconds ?? (Number(full.env.NBRUN_GRACE_SECONDS) || DEFAULT_GRACE_SECONDS);
    // setTimeout holds at most 2^31-1 ms (above, it fires at once).
    graceTimer = setTimeout(() => void forceExit(sig), Math.min(graceSeconds * 1000, 2 ** 31 - 1));
  };
  const unsubscribe = full.signals(onSignal);
  const jobOptions = {
    env: full.env,
    cwd: full.cwd,
    write: (t: string) => void full.stdout.write(t),
    writeError: (t: string) => void full.stderr.write(t),
    signal: controller.signal,
    signalName: () => received,
  };
  try {
    try {
      parsed = parseRunnerArgs(argv);
      if (parsed.settings.help) {
        full.stdout.write(RUNNER_USAGE);
        return EXIT_CODES.ok;
      }
      if (parsed.settings.version) {
        full.stdout.write(`nbrun-runner ${VERSION}\n`);
        return EXIT_CODES.ok;
      }
      flags = splitNotebookPath(parsed.overrides);
      explicit = await readExplicitSpec(parsed.settings.specFile, full.env);
    } catch (err) {
      if (!(err instanceof NbrunError)) throw err;
      job = new Job({ flags: safeFlags(flags) }, jobOptions);
      return await job.reportInvalid(err);
    }
    job = new Job({ ...(explicit ? { explicit } : {}), flags }, {
      ...jobOptions,
      ...(parsed.settings.workDir ? { workDir: parsed.settings.workDir } : {}),
      keepWorkDir: parsed.settings.keepWorkDir,
    });
    return await job.run();
  } catch (err) {
    full.stderr.write(`nbrun-runner: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return err instanceof UsageError ? EXIT_CODES.usage : EXIT_CODES.internal;
  } finally {
    clearTimeout(graceTimer);
    unsubscribe();
  }
}

/** Only the flags that say where results go survive an invalid command line. */
function safeFlags(flags: Partial<JobSpec>): Partial<JobSpec> {
  return { ...(flags.results ? { results: flags.results } : {}), ...(flags.logFormat ? { logFormat: flags.logFormat } : {}), ...(flags.jobId ? { jobId: flags.jobId } : {}) };
}
