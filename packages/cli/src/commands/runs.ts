/**
 * `nbrun runs list|show|logs|fetch|cancel`: runs on an `nbrun serve` service, through its REST API.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EXIT_CODES, UsageError } from '@nbrun/core';
import type { Run, RunState, ServiceClient } from '@nbrun/scheduler/client';
import { flagBool, flagValue, parseArgs, type ParsedArgs } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { exitCodesHelp } from '../exit-codes.js';
import { SERVER_FLAGS_HELP, printTable, serverFlags, serviceClient } from '../server-args.js';

const STATES: readonly RunState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'skipped', 'missed', 'lost'];

/** The exit code for a run's final state: as 'nbrun submit --wait' answers for a job. */
export function exitCodeForRun(state: string | undefined, exitCode?: number | null): number {
  if (state === 'succeeded') return EXIT_CODES.ok;
  if (state === 'cancelled') return EXIT_CODES.terminated;
  if (exitCode !== undefined && exitCode !== null && exitCode !== 0) return exitCode;
  return EXIT_CODES.cellError;
}

/** `ID  STATE  exit N  error` on one line. */
export function formatRun(run: Run): string {
  const parts: string[] = [run.id, run.state];
  if (run.exitCode !== null && run.exitCode !== undefined) parts.push(`exit ${run.exitCode}`);
  if (run.error) parts.push(run.error.message);
  return parts.join('  ');
}

/**
 * Prints a run's log as it grows until the run ends; resolves to the exit code of its final state.
 * Ctrl-C stops following (the run goes on).
 */
export async function followRun(api: ServiceClient, id: string, io: CommandIO): Promise<number> {
  const lines = api.followLog(id, io.signal);
  let next = await lines.next();
  while (!next.done) {
    io.stdout.write(next.value + '\n');
    next = await lines.next();
  }
  if (io.signal.aborted) return EXIT_CODES.interrupted;
  const run = await api.getRun(id);
  io.stderr.write(`nbrun: run ${formatRun(run)}\n`);
  return exitCodeForRun(run.state, run.exitCode);
}

function oneId(args: ParsedArgs, sub: string, extra = 0): string {
  const [id, ...rest] = args.positionals;
  if (!id) throw new UsageError(`nbrun runs ${sub}: missing run ID (list them with 'nbrun runs list')`);
  if (rest.length > extra) throw new UsageError(`nbrun runs ${sub}: unexpected argument '${rest[extra]}'`);
  return id;
}

function duration(run: Run): string {
  if (!run.startedAt) return '-';
  const ms = (run.finishedAt ? Date.parse(run.finishedAt) : Date.now()) - Date.parse(run.startedAt);
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 60_000)}m`;
}

async function list(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, [{ name: 'schedule', arity: 1 }, { name: 'state', arity: 1 }, { name: 'limit', short: 'n', arity: 1 }, { name: 'json' }, ...serverFlags], 'runs list');
  if (args.positionals.length) throw new UsageError(`nbrun runs list: unexpected argument '${args.positionals[0]}'`);
  const state = flagValue(args, 'state');
  if (state && !STATES.includes(state as RunState)) throw new UsageError(`nbrun runs list: --state must be one of ${STATES.join(', ')}, got '${state}'`);
  const limitText = flagValue(args, 'limit') ?? '50';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError(`nbrun runs list: --limit must be an integer from 1 to 500, got '${limitText}'`);
  const api = serviceClient(args, io, 'runs list');
  const page = await api.listRuns({ limit, ...(state ? { state: state as RunState } : {}), ...(flagValue(args, 'schedule') ? { schedule: flagValue(args, 'schedule')! } : {}) });
  if (flagBool(args, 'json')) {
    io.stdout.write(JSON.stringify(page.items, null, 2) + '\n');
    return EXIT_CODES.ok;
  }
  if (!page.items.length) {
    io.stderr.write(`nbrun: no runs on ${api.url}\n`);
    return EXIT_CODES.ok;
  }
  printTable(io.stdout, [
    ['ID', 'SCHEDULE', 'NAME', 'TRIGGER', 'STATE', 'SCHEDULED FOR', 'DURATION', 'EXIT'],
    ...page.items.map((r) => [r.id, r.scheduleId ?? '-', r.name ?? '-', r.trigger, r.state, r.scheduledFor, duration(r), r.exitCode === null ? '-' : String(r.exitCode)]),
  ]);
  return EXIT_CODES.ok;
}

async function show(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, serverFlags, 'runs show');
  const api = serviceClient(args, io, 'runs show');
  io.stdout.write(JSON.stringify(await api.getRun(oneId(args, 'show')), null, 2) + '\n');
  return EXIT_CODES.ok;
}

async function logs(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, [{ name: 'follow', short: 'f' }, ...serverFlags], 'runs logs');
  const api = serviceClient(args, io, 'runs logs');
  const id = oneId(args, 'logs');
  if (flagBool(args, 'follow')) return followRun(api, id, io);
  io.stdout.write(await api.runLog(id));
  return EXIT_CODES.ok;
}

async function fetchOutput(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, [{ name: 'output', short: 'o', arity: 1 }, ...serverFlags], 'runs fetch');
  const api = serviceClient(args, io, 'runs fetch');
  const id = oneId(args, 'fetch', 1);
  const run = await api.getRun(id);
  const out = await api.runOutput(id);
  if (!out) throw new UsageError(`nbrun runs fetch: run ${id} has no executed notebook (state ${run.state}); see 'nbrun runs logs ${id}'`);
  const dir = resolve(io.cwd, args.positionals[1] ?? '.');
  const flag = flagValue(args, 'output');
  // The server names the file; only its last part is used, so it cannot point elsewhere.
  const target = flag ? resolve(io.cwd, flag) : join(dir, basename(out.name) || `${id}.ipynb`);
  await mkdir(resolve(target, '..'), { recursive: true });
  await writeFile(target, out.data);
  const status = await api.runStatus(id);
  if (status && !flag) await writeFile(join(dir, `${id}.status.json`), JSON.stringify(status, null, 2) + '\n');
  if (run.state === 'queued' || run.state === 'running') io.stderr.write(`nbrun: run ${id} is ${run.state}: this is its partial notebook\n`);
  io.stderr.write(`nbrun: wrote ${target}\n`);
  io.stdout.write(formatRun(run) + '\n');
  return EXIT_CODES.ok;
}

async function cancel(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, serverFlags, 'runs cancel');
  const api = serviceClient(args, io, 'runs cancel');
  io.stdout.write(formatRun(await api.cancelRun(oneId(args, 'cancel'))) + '\n');
  return EXIT_CODES.ok;
}

const SUBCOMMANDS: Record<string, (argv: string[], io: CommandIO) => Promise<number>> = { list, show, logs, fetch: fetchOutput, cancel };

export const runsCommand: Command = {
  usage: `Usage: nbrun runs list [--schedule ID] [--state STATE] [-n N] [--json]
       nbrun runs show ID
       nbrun runs logs ID [-f]
       nbrun runs fetch ID [DIR] [-o FILE]
       nbrun runs cancel ID

Runs on an 'nbrun serve' service, newest first. 'logs -f' follows the log until the
run ends and exits with the run's code. 'fetch' writes the executed notebook (partial
for a failed or cancelled run) into DIR (default .) under its name, and the runner's
status as ID.status.json; -o FILE writes the notebook there instead.

Options:
      --schedule ID            only this schedule's runs
      --state STATE            ${STATES.join(', ')}
  -n, --limit N                at most N runs (default 50)
  -f, --follow                 with 'logs': follow until the run ends
${SERVER_FLAGS_HELP}

${exitCodesHelp(
    {
      1: "with 'logs -f': the run failed (or its notebook's own exit code)",
      2: 'invalid input, or no such run',
      8: 'the service is unreachable, refused the token, or failed',
      130: "with 'logs -f': interrupted (the run goes on)",
      143: "with 'logs -f': the run was cancelled",
    },
    [0, 1, 2, 8, 70, 130, 143],
  )}
`,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const f = sub ? SUBCOMMANDS[sub] : undefined;
    if (!f) throw new UsageError(`nbrun runs: ${sub ? `unknown sub-command '${sub}'` : 'missing sub-command'} (list, show, logs, fetch, cancel)`);
    return f(rest, io);
  },
};
