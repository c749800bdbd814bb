/**
 * Commands on submitted jobs, each working from any process through the local job
 * registry: `nbrun jobs`, `nbrun status JOB`, `nbrun logs JOB [--follow]`,
 * `nbrun fetch JOB [DEST]`, `nbrun cancel JOB`.
 */
import { copyFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT_CODES, UsageError } from '@nbrun/core';
import {
  JobRegistry, createDriverRegistry, isTerminalState, jobsDirectory, type Driver, type DriverRegistry, type JobHandle,
  type JobResult, type JobStatus,
} from '@nbrun/drivers';
import { flagBool, flagValue, parseArgs, parseSeconds, type FlagSpec } from '../args.js';
import type { Command, CommandIO } from '../command.js';

/** The job registry and the drivers for a command's environment. */
export interface JobsContext {
  jobs: JobRegistry;
  drivers: DriverRegistry;
  driver(name: string): Driver;
}

/**
 * Builds the registry/driver context from the command's environment (`NBRUN_STATE_DIR`…).
 * @example const ctx = jobsContext(io); const job = await attachJob(ctx, 'train-3f9a2c1d')
 */
export function jobsContext(io: CommandIO): JobsContext {
  const jobs = new JobRegistry(jobsDirectory(io.env));
  const drivers = createDriverRegistry();
  return { jobs, drivers, driver: (name) => drivers.create(name, { jobs, env: io.env }) };
}

/** A handle on a job by id, through the driver that submitted it. */
export async function attachJob(ctx: JobsContext, id: string): Promise<JobHandle> {
  const record = await ctx.jobs.get(id);
  return ctx.driver(record.driver).attach(id);
}

/** `JOB  STATE  exit N  message` on one line. */
export function formatStatus(status: JobStatus): string {
  const parts = [status.id, status.state];
  if (status.exitCode !== undefined) parts.push(`exit ${status.exitCode}`);
  if (status.message) parts.push(status.message);
  return parts.join('  ');
}

/** The exit code `nbrun` returns for a finished job: the runner's own code when known. */
export function exitCodeForJob(status: JobStatus): number {
  if (status.state === 'succeeded') return EXIT_CODES.ok;
  if (status.exitCode !== undefined && status.exitCode !== 0) return status.exitCode;
  if (status.state === 'cancelled') return EXIT_CODES.terminated;
  return EXIT_CODES.cellError;
}

/**
 * Downloads a job's results into `dir` and, when asked, copies the executed notebook to `output`.
 * @example const result = await fetchResults(job, 'results', 'out.ipynb', io)
 */
export async function fetchResults(job: JobHandle, dir: string, output: string | undefined, io?: CommandIO): Promise<JobResult> {
  const result = await job.result(dir);
  if (!io) return result;
  if (output) {
    if (!result.notebook) {
      throw new UsageError(`job '${job.id}' produced no executed notebook (state ${result.status.state}); see 'nbrun logs ${job.id}'`);
    }
    await copyFile(result.notebook, output);
    io.stderr.write(`nbrun: wrote ${output}\n`);
  }
  io.stderr.write(`nbrun: results of ${job.id} in ${result.dir}: ${result.files.join(', ') || '(none)'}\n`);
  return result;
}

/**
 * Prints a job's log lines; with `follow`, until the job ends or the command is interrupted.
 * @example await printLogs(job, io, true)
 */
export async function printLogs(job: JobHandle, out: NodeJS.WritableStream, signal: AbortSignal, follow: boolean): Promise<void> {
  for await (const line of job.logs({ follow, signal })) out.write(line + '\n');
}

function oneJobId(positionals: string[], command: string, extra = 0): string {
  const [id, ...rest] = positionals;
  if (!id) throw new UsageError(`nbrun ${command}: missing JOB id (list jobs with 'nbrun jobs')`);
  if (rest.length > extra) throw new UsageError(`nbrun ${command}: unexpected argument '${rest[extra]}'`);
  return id;
}

const jobsFlags: FlagSpec[] = [{ name: 'json' }, { name: 'refresh', negatable: true }];

async function runJobs(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, jobsFlags, 'jobs');
  if (args.positionals.length) throw new UsageError(`nbrun jobs: unexpected argument '${args.positionals[0]}'`);
  const ctx = jobsContext(io);
  const records = await ctx.jobs.list();
  const rows: { id: string; driver: string; state: string; created: string; notebook: string }[] = [];
  for (const r of records) {
    let state: string = r.state ?? 'unknown';
    // Refresh jobs not known to be finished; a backend that cannot answer keeps the last state.
    if (flagBool(args, 'refresh', true) && !isTerminalState(state as JobStatus['state'])) {
      state = await attachJob(ctx, r.id)
        .then((job) => job.status())
        .then((s) => s.state as string)
        .catch(() => `${state}?`);
    }
    rows.push({ id: r.id, driver: r.driver, state, created: r.createdAt, notebook: r.notebook });
  }
  if (flagBool(args, 'json')) {
    io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return EXIT_CODES.ok;
  }
  if (!rows.length) {
    io.stderr.write(`nbrun: no jobs in ${ctx.jobs.dir}\n`);
    return EXIT_CODES.ok;
  }
  const header = { id: 'JOB', driver: 'DRIVER', state: 'STATE', created: 'CREATED', notebook: 'NOTEBOOK' };
  const all = [header, ...rows];
  const w = (k: keyof typeof header) => Math.max(...all.map((r) => r[k].length));
  for (const r of all) {
    io.stdout.write(`${r.id.padEnd(w('id'))}  ${r.driver.padEnd(w('driver'))}  ${r.state.padEnd(w('state'))}  ${r.created.padEnd(w('created'))}  ${r.notebook}\n`);
  }
  return EXIT_CODES.ok;
}

async function runStatus(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, [{ name: 'json' }], 'status');
  const job = await attachJob(jobsContext(io), oneJobId(args.positionals, 'status'));
  const status = await job.status();
  io.stdout.write(flagBool(args, 'json') ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status) + '\n');
  return EXIT_CODES.ok;
}

async function runLogs(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, [{ name: 'follow', short: 'f' }], 'logs');
  const job = await attachJob(jobsContext(io), oneJobId(args.positionals, 'logs'));
  await printLogs(job, io.stdout, io.signal, flagBool(args, 'follow'));
  return EXIT_CODES.ok;
}

async function runFetch(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, [{ name: 'output', short: 'o', arity: 1 }], 'fetch');
  const id = oneJobId(args.positionals, 'fetch', 1);
  const dest = resolve(io.cwd, args.positionals[1] ?? `${id}-results`);
  const output = flagValue(args, 'output');
  const job = await attachJob(jobsContext(io), id);
  const before = await job.status();
  if (!isTerminalState(before.state)) io.stderr.write(`nbrun: job ${id} is ${before.state}: fetching its partial results\n`);
  const result = await fetchResults(job, dest, output ? resolve(io.cwd, output) : undefined, io);
  io.stdout.write(formatStatus(result.status) + '\n');
  return EXIT_CODES.ok;
}

async function runCancel(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, [{ name: 'grace', arity: 1 }], 'cancel');
  const job = await attachJob(jobsContext(io), oneJobId(args.positionals, 'cancel'));
  const grace = parseSeconds(flagValue(args, 'grace'), 'grace', 'cancel');
  await job.cancel(grace === undefined ? {} : { graceSeconds: grace });
  io.stdout.write(formatStatus(await job.status()) + '\n');
  return EXIT_CODES.ok;
}

async function runRemove(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, [{ name: 'force' }], 'rm');
  if (!args.positionals.length) throw new UsageError("nbrun rm: missing JOB id (list jobs with 'nbrun jobs')");
  const ctx = jobsContext(io);
  for (const id of args.positionals) {
    const job = await attachJob(ctx, id);
    if (flagBool(args, 'force') && !isTerminalState((await job.status()).state)) await job.cancel();
    await job.remove();
    await ctx.jobs.remove(id);
    io.stdout.write(`${id}\n`);
  }
  return EXIT_CODES.ok;
}

export const removeCommand: Command = {
  usage: `Usage: nbrun rm JOB... [--force]

Removes each job's backend leftovers (local job directory, docker container and
saved log) and its registry record. A running job is refused unless --force,
which cancels it first. Fetch results you want to keep before.
`,
  run: runRemove,
};

export const jobsCommand: Command = {
  usage: `Usage: nbrun jobs [--json] [--no-refresh]

Lists the jobs in the local job registry ($NBRUN_STATE_DIR/jobs, else
$XDG_STATE_HOME/nbrun/jobs, else ~/.local/state/nbrun/jobs), newest first.
Unfinished jobs are asked for their state unless --no-refresh.
`,
  run: runJobs,
};

export const statusCommand: Command = {
  usage: `Usage: nbrun status JOB [--json]

Prints 'JOB STATE [exit N] [message]'; STATE is pending, running, succeeded,
failed, cancelled or unknown.
`,
  run: runStatus,
};

export const logsCommand: Command = {
  usage: `Usage: nbrun logs JOB [-f|--follow]

Prints the runner's log lines; --follow keeps printing until the job ends.
`,
  run: runLogs,
};

export const fetchCommand: Command = {
  usage: `Usage: nbrun fetch JOB [DEST] [-o|--output NOTEBOOK]

Downloads the job's results (executed notebook, status.json, files) into DEST
(default ./JOB-results); --output also copies the executed notebook to NOTEBOOK.
A finished docker job's container is removed afterwards (unless submitted with --keep).
`,
  run: runFetch,
};

export const cancelCommand: Command = {
  usage: `Usage: nbrun cancel JOB [--grace SECONDS]

Sends SIGTERM (the runner saves the partial notebook), then SIGKILL after the
grace period (default 10 s).
`,
  run: runCancel,
};
