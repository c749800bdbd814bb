/**
 * The runner host (`nbrun-runner --host DIR`): one long-lived runner process that runs many
 * local jobs, each as a runner process would (`runRunner`: its own arguments, environment,
 * working directory, log, signals and exit code), so a service running many small notebooks
 * pays node's start and the runner's load once rather than per run.
 *
 * The local driver talks to it through files only:
 * - `DIR/queue-<pid>/<job id>.json` (written elsewhere, then renamed in): a job to start,
 *   `{ jobId, jobDir, args, env }`. The host takes it (removes the file) at once.
 * - in the job's folder, as for a runner process: `runner.pid` (the host's pid) once started,
 *   `runner.log`, `exit-code` once the job's kernel is gone; `cancel-requested` from the driver
 *   cancels the job as SIGTERM would, `cancel-kill` ends it as a second SIGTERM would (a final
 *   status from what is known, its kernels stopped).
 * - It leaves once idle ({@link HOST_IDLE_ENV}, default 60 s): it removes its empty queue folder
 *   first, which a driver's rename into it then fails on (the driver starts another host), so no
 *   job is ever left in a queue nobody reads. A SIGTERM/SIGINT cancels every job, then leaves.
 */
import { closeSync, openSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { mkdir, readFile, readdir, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT_CODES } from '@nbrun/core';
import { HOST_FILES, HOST_IDLE_ENV, type HostRequest } from './host-protocol.js';
import { runRunner } from './main.js';

interface HostedJob {
  jobDir: string;
  /** The job's SIGTERM/SIGINT handler (set by runRunner). */
  signal: ((sig: 'SIGTERM' | 'SIGINT') => void) | undefined;
  /** How many of the driver's markers were acted on (1: cancel, 2: kill). */
  marks: number;
  watcher: FSWatcher | undefined;
}

/** How long a job's run may wind down after a forced end stopped its kernels, before its exit code. */
const FORCED_WIND_DOWN_MS = 5000;

/** How often queue and markers are looked at anyway, in case a change went unseen. */
const POLL_MS = 1000;

function isRequest(v: unknown): v is HostRequest {
  const r = v as HostRequest;
  return typeof r?.jobId === 'string' && typeof r.jobDir === 'string' && Array.isArray(r.args) && r.args.every((a) => typeof a === 'string') &&
    typeof r.env === 'object' && r.env !== null;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Runs the host until it is idle (or signalled) and resolves to its exit code.
 * @example process.exitCode = await runHost('/state/local/.runner-host');
 */
export async function runHost(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const queue = join(dir, HOST_FILES.queue(process.pid));
  await mkdir(queue, { recursive: true, mode: 0o700 });
  const idleMs = (Number(env[HOST_IDLE_ENV]) > 0 ? Number(env[HOST_IDLE_ENV]) : 60) * 1000;
  const jobs = new Map<string, HostedJob>();
  const log = (line: string) => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let idleSince = Date.now();
  let stopping = false;
  let wake: () => void = () => undefined;
  // A change seen while the loop works is not lost: the loop then looks again at once.
  let changed = false;
  const kick = () => {
    changed = true;
    wake();
  };
  let queueWatch: FSWatcher | undefined;
  try {
    queueWatch = watch(queue, kick);
    queueWatch.on('error', () => undefined);
  } catch {
    // No inotify: the poll remains.
  }
  const onSignal = (sig: 'SIGTERM' | 'SIGINT') => {
    stopping = true;
    for (const job of jobs.values()) job.signal?.(sig);
    kick();
  };
  const onTerm = () => onSignal('SIGTERM');
  const onInt = () => onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  // A crash ends every job of the host ("gone without an exit code"): its cause goes to the host's log.
  const onCrash = (err: Error, origin: string) => log(`runner host ${process.pid} crashes (${origin}): ${err.stack ?? err.message}`);
  process.on('uncaughtExceptionMonitor', onCrash);
  log(`runner host ${process.pid} started (queue ${queue})`);

  const start = async (file: string) => {
    const path = join(queue, file);
    let request: unknown;
    try {
      request = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      log(`cannot read the request ${path}: ${(err as Error).message}`);
      await unlink(path).catch(() => undefined);
      return;
    }
    await unlink(path).catch(() => undefined);
    if (!isRequest(request)) {
      log(`ignored the request ${file}: not a job request`);
      return;
    }
    if (jobs.has(request.jobId)) return;
    runJob(request);
    log(`job ${request.jobId} started; ${jobs.size} running`);
  };

  const runJob = (request: HostRequest) => {
    const { jobId, jobDir } = request;
    let fd: number;
    try {
      fd = openSync(join(jobDir, HOST_FILES.log), 'a');
    } catch (err) {
      log(`job ${jobId}: cannot open its log: ${(err as Error).message}`);
      return;
    }
    const job: HostedJob = { jobDir, signal: undefined, marks: 0, watcher: undefined };
    jobs.set(jobId, job);
    const write = (text: string) => {
      try {
        writeSync(fd, text);
      } catch {
        // The job's folder was removed under it: its lines have nowhere to go.
      }
    };
    let ended = false;
    const end = async (code: number) => {
      if (ended) return;
      ended = true;
      job.watcher?.close();
      await writeFile(join(jobDir, `${HOST_FILES.exitCode}.tmp`), `${code}\n`)
        .then(() => rename(join(jobDir, `${HOST_FILES.exitCode}.tmp`), join(jobDir, HOST_FILES.exitCode)))
        .catch((err: Error) => log(`job ${jobId}: cannot write its exit code: ${err.message}`));
      closeSync(fd);
      jobs.delete(jobId);
      const { rss, heapUsed } = process.memoryUsage();
      const { user, system } = process.cpuUsage();
      const mib = (n: number) => (n / 2 ** 20).toFixed(1);
      log(`job ${jobId} ended (exit ${code}); ${jobs.size} running; rss ${mib(rss)} MiB, heap ${mib(heapUsed)} MiB; host CPU ${((user + system) / 1e6).toFixed(2)} s`);
      if (jobs.size === 0) idleSince = Date.now();
      kick();
    };
    try {
      job.watcher = watch(jobDir, (_event, name) => {
        if (!name || name === HOST_FILES.cancel || name === HOST_FILES.kill) void lookMarkers(job);
      });
      job.watcher.on('error', () => undefined);
    } catch {
      // The poll remains.
    }
    void writeFile(join(jobDir, HOST_FILES.runnerPid), `${process.pid}\n`).catch(() => undefined);
    const io = {
      stdout: { write },
      stderr: { write },
      env: request.env,
      cwd: jobDir,
      signals: (handler: (sig: 'SIGTERM' | 'SIGINT') => void) => {
        job.signal = handler;
        void lookMarkers(job); // cancelled before it started
        if (stopping) handler('SIGTERM');
        return () => {
          job.signal = undefined;
        };
      },
    };
    // A forced end (the grace is over) ends the job with the signal's code once its kernels are
    // stopped, and once what is left of its run has wound down (bounded): nothing of it writes
    // in its folder after its exit code, as nothing of a runner process does after its exit.
    let forced = false;
    const run: Promise<number> = runRunner(request.args, io, (code, stopKernels) => {
      forced = true;
      void stopKernels()
        .then(() => Promise.race([run.catch(() => undefined), new Promise((done) => setTimeout(done, FORCED_WIND_DOWN_MS))]))
        .finally(() => void end(code));
    });
    run.then(
      (code) => (forced ? undefined : end(code)),
      (err: unknown) => {
        if (forced) return;
        write(`nbrun-runner: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        return end(EXIT_CODES.internal);
      },
    );
  };

  try {
    for (;;) {
      changed = false;
      const files = await readdir(queue).catch(() => [] as string[]);
      for (const file of files.sort()) if (file.endsWith('.json')) await start(file);
      for (const job of jobs.values()) await lookMarkers(job);
      if (jobs.size === 0 && (stopping || Date.now() - idleSince >= idleMs || !(await exists(dir)))) {
        // Leave only with an empty queue: once the folder is gone, no driver can hand it a job.
        try {
          await rmdir(queue);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
          continue; // a job came in: start it
        }
      }
      if (changed) continue;
      await new Promise<void>((done) => {
        const timer = setTimeout(finish, POLL_MS);
        function finish() {
          clearTimeout(timer);
          done();
        }
        wake = finish;
      });
    }
  } finally {
    queueWatch?.close();
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('uncaughtExceptionMonitor', onCrash);
  }
  log(`runner host ${process.pid} leaves (${stopping ? 'signalled' : 'idle'})`);
  return EXIT_CODES.ok;

  /** Each marker is one SIGTERM: the first makes the runner cancel, the second ends it now. */
  async function lookMarkers(job: HostedJob): Promise<void> {
    const marks = (await exists(join(job.jobDir, HOST_FILES.kill))) ? 2 : (await exists(join(job.jobDir, HOST_FILES.cancel))) ? 1 : 0;
    while (job.marks < marks && job.signal) {
      job.marks++;
      job.signal('SIGTERM');
    }
  }
}
