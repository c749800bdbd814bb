/**
 * `nbrun schedule create|list|show|next|pause|resume|delete|run`: schedules on an `nbrun serve`
 * service, through its REST API.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { EXIT_CODES, UsageError } from '@nbrun/core';
import { createBundle, driverNames, driverOptionsSchema, splitDependencyList } from '@nbrun/drivers';
import type { Schedule, ScheduleCreate, ServiceClient } from '@nbrun/scheduler/client';
import { flagBool, flagValue, flagValues, parseArgs, parseSeconds, type FlagSpec, type ParsedArgs } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { driverOptionFlags, driverOptionHelp, driverOptionsFromArgs, peekDriver } from '../driver-option-args.js';
import { exitCodesHelp } from '../exit-codes.js';
import { collectParameters, parameterFlags } from '../parameters-args.js';
import { SERVER_FLAGS_HELP, jsonParameters, printTable, serverFlags, serviceClient } from '../server-args.js';
import { followRun } from './runs.js';

const createFlags: FlagSpec[] = [
  { name: 'cron', arity: 1 },
  { name: 'tz', arity: 1 },
  { name: 'every', arity: 1 },
  { name: 'name', arity: 1 },
  { name: 'deps', arity: 1, multiple: true },
  { name: 'allow-outside' },
  { name: 'driver', short: 'd', arity: 1 },
  { name: 'image', arity: 1 },
  { name: 'kernel', short: 'k', arity: 1 },
  { name: 'catchup', arity: 1 },
  { name: 'concurrency', arity: 1 },
  { name: 'max-concurrency', arity: 1 },
  { name: 'retries', arity: 1 },
  { name: 'retry-backoff', arity: 1 },
  { name: 'start-at', arity: 1 },
  { name: 'end-at', arity: 1 },
  { name: 'deadline', arity: 1 },
  { name: 'keep-runs', arity: 1 },
  { name: 'tag', arity: 1, multiple: true },
  { name: 'paused' },
  { name: 'execution-timeout', arity: 1 },
  { name: 'run-timeout', arity: 1 },
  { name: 'idempotency-key', arity: 1 },
  { name: 'json' },
  ...parameterFlags,
  ...serverFlags,
];

const DURATION = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?$/i;
const UNIT_SECONDS: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3600, d: 86400 };

/**
 * `10m` → 600, `1h` → 3600, `90` → 90 (seconds).
 * @example parseEvery('10m') // 600
 */
export function parseEvery(value: string): number {
  const m = DURATION.exec(value.trim());
  const seconds = m ? Math.round(Number(m[1]) * UNIT_SECONDS[(m[2] ?? 's').toLowerCase()]!) : NaN;
  if (!Number.isFinite(seconds) || seconds < 1) {
    throw new UsageError(`nbrun schedule create: --every must be a duration like 30s, 10m, 2h or 1d (at least 1 second), got '${value}'`, { hint: { option: 'trigger.intervalSeconds' } });
  }
  return seconds;
}

function integerFlag(args: ParsedArgs, name: string, min: number): number | undefined {
  const v = flagValue(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`nbrun schedule create: --${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

function oneOfFlag<T extends string>(args: ParsedArgs, name: string, values: readonly T[]): T | undefined {
  const v = flagValue(args, name);
  if (v === undefined) return undefined;
  if (!values.includes(v as T)) throw new UsageError(`nbrun schedule create: --${name} must be one of ${values.join(', ')}, got '${v}'`);
  return v as T;
}

/** A short description of a schedule's trigger. */
export function describeTrigger(s: Pick<Schedule, 'trigger'>): string {
  const t = s.trigger;
  if (!t) return 'on demand';
  if ('cron' in t) return `cron '${t.cron}' ${t.timezone ?? 'UTC'}`;
  const n = t.intervalSeconds;
  const unit = n % 86400 === 0 ? `${n / 86400}d` : n % 3600 === 0 ? `${n / 3600}h` : n % 60 === 0 ? `${n / 60}m` : `${n}s`;
  return `every ${unit}`;
}

function printSchedule(s: Schedule, io: CommandIO, json: boolean): void {
  if (json) {
    io.stdout.write(JSON.stringify(s, null, 2) + '\n');
    return;
  }
  io.stdout.write(`${s.id}  ${s.name}  ${describeTrigger(s)}${s.paused ? '  (paused)' : ''}\n`);
  if (s.nextRuns.length) io.stdout.write(`next: ${s.nextRuns.join(', ')}\n`);
}

async function create(argv: string[], io: CommandIO): Promise<number> {
  const driver = peekDriver(argv) ?? 'local';
  const schema = driverOptionsSchema(driver);
  const optionFlags = driverOptionFlags(schema, createFlags);
  const args = parseArgs(argv, [...createFlags, ...optionFlags], 'schedule create');
  const [notebook, ...extra] = args.positionals;
  if (!notebook) throw new UsageError("nbrun schedule create: missing NOTEBOOK (see 'nbrun schedule --help')");
  if (extra.length) throw new UsageError(`nbrun schedule create: unexpected argument '${extra[0]}' (comma-separate --deps, or repeat it)`);
  const cron = flagValue(args, 'cron');
  const every = flagValue(args, 'every');
  const tz = flagValue(args, 'tz');
  if (cron && every) throw new UsageError('nbrun schedule create: give --cron or --every, not both');
  if (tz && !cron) throw new UsageError('nbrun schedule create: --tz goes with --cron');
  const path = resolve(io.cwd, notebook);
  const parameters = jsonParameters(await collectParameters(args, io.cwd), 'schedule create');
  const retries = integerFlag(args, 'retries', 0);
  const backoff = parseSeconds(flagValue(args, 'retry-backoff'), 'retry-backoff', 'schedule create');
  const keepRuns = integerFlag(args, 'keep-runs', 1);
  const maxConcurrency = integerFlag(args, 'max-concurrency', 1);
  const deadline = integerFlag(args, 'deadline', 0);
  const cell = parseSeconds(flagValue(args, 'execution-timeout'), 'execution-timeout', 'schedule create');
  const run = parseSeconds(flagValue(args, 'run-timeout'), 'run-timeout', 'schedule create');
  const options = driverOptionsFromArgs(args, schema, optionFlags);
  const tags = flagValues(args, 'tag').map(([t]) => t!);
  const input: ScheduleCreate = {
    name: flagValue(args, 'name') ?? path.replace(/^.*\//, '').replace(/\.ipynb$/i, ''),
    trigger: cron ? { cron, ...(tz ? { timezone: tz } : {}) } : every ? { intervalSeconds: parseEvery(every) } : null,
    driver: { name: driver, options, ...(flagValue(args, 'image') ? { image: flagValue(args, 'image')! } : {}) },
    ...(parameters ? { parameters } : {}),
    ...(flagValue(args, 'kernel') ? { kernel: flagValue(args, 'kernel')! } : {}),
    ...(oneOfFlag(args, 'catchup', ['latest', 'all', 'none'] as const) ? { catchup: oneOfFlag(args, 'catchup', ['latest', 'all', 'none'] as const)! } : {}),
    ...(oneOfFlag(args, 'concurrency', ['forbid', 'allow', 'queue', 'replace'] as const)
      ? { concurrencyPolicy: oneOfFlag(args, 'concurrency', ['forbid', 'allow', 'queue', 'replace'] as const)! }
      : {}),
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    ...(retries !== undefined ? { retries: { max: retries, ...(backoff !== undefined ? { backoffSeconds: backoff } : {}) } } : {}),
    ...(flagValue(args, 'start-at') ? { startAt: flagValue(args, 'start-at')! } : {}),
    ...(flagValue(args, 'end-at') ? { endAt: flagValue(args, 'end-at')! } : {}),
    ...(deadline !== undefined ? { startingDeadlineSeconds: deadline } : {}),
    ...(keepRuns !== undefined ? { retention: { maxRuns: keepRuns } } : {}),
    ...(tags.length ? { tags } : {}),
    ...(flagBool(args, 'paused') ? { paused: true } : {}),
    ...(cell ? { cellTimeoutSeconds: cell } : {}),
    ...(run ? { runTimeoutSeconds: run } : {}),
  };
  // The bundle is made and checked exactly as 'nbrun submit' makes it (missing or unsafe --deps refused here).
  const bundle = await createBundle({
    notebook: path,
    dependencies: flagValues(args, 'deps').flatMap(([list]) => splitDependencyList(list!)),
    allowOutside: flagBool(args, 'allow-outside'),
    spec: {},
  });
  const api = serviceClient(args, io, 'schedule create');
  const schedule = await api.createSchedule(input, { bundle: await bundle.zip(), notebookName: bundle.notebookEntry }, {
    idempotencyKey: flagValue(args, 'idempotency-key') ?? randomUUID(),
  });
  printSchedule(schedule, io, flagBool(args, 'json'));
  return EXIT_CODES.ok;
}

function oneId(args: ParsedArgs, sub: string): string {
  const [id, ...rest] = args.positionals;
  if (!id) throw new UsageError(`nbrun schedule ${sub}: missing schedule ID (list them with 'nbrun schedule list')`);
  if (rest.length) throw new UsageError(`nbrun schedule ${sub}: unexpected argument '${rest[0]}'`);
  return id;
}

async function list(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, [{ name: 'tag', arity: 1 }, { name: 'limit', arity: 1 }, { name: 'json' }, ...serverFlags], 'schedule list');
  if (args.positionals.length) throw new UsageError(`nbrun schedule list: unexpected argument '${args.positionals[0]}'`);
  const api = serviceClient(args, io, 'schedule list');
  const limit = flagValue(args, 'limit') ? Number(flagValue(args, 'limit')) : undefined;
  const items: Schedule[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.listSchedules({ ...(flagValue(args, 'tag') ? { tag: flagValue(args, 'tag')! } : {}), ...(cursor ? { cursor } : {}), limit: Math.min(limit ?? 200, 200) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && (limit === undefined || items.length < limit));
  if (flagBool(args, 'json')) {
    io.stdout.write(JSON.stringify(items, null, 2) + '\n');
    return EXIT_CODES.ok;
  }
  if (!items.length) {
    io.stderr.write(`nbrun: no schedules on ${api.url}\n`);
    return EXIT_CODES.ok;
  }
  printTable(io.stdout, [
    ['ID', 'NAME', 'TRIGGER', 'NEXT', 'LAST RUN', 'PAUSED'],
    ...items.map((s) => [s.id, s.name, describeTrigger(s), s.nextRuns[0] ?? '-', s.lastRun ? `${s.lastRun.id} ${s.lastRun.state}` : '-', s.paused ? 'yes' : 'no']),
  ]);
  return EXIT_CODES.ok;
}

async function simple(sub: string, argv: string[], io: CommandIO, act: (api: ServiceClient, id: string, args: ParsedArgs) => Promise<number>, extraFlags: FlagSpec[] = []): Promise<number> {
  const args = parseArgs(argv, [...extraFlags, ...serverFlags], `schedule ${sub}`);
  return act(serviceClient(args, io, `schedule ${sub}`), oneId(args, sub), args);
}

async function runSchedule(argv: string[], io: CommandIO): Promise<number> {
  const flags: FlagSpec[] = [...parameterFlags, { name: 'follow' }, { name: 'idempotency-key', arity: 1 }, { name: 'json' }];
  return simple('run', argv, io, async (api, id, args) => {
    const parameters = jsonParameters(await collectParameters(args, io.cwd), 'schedule run');
    const run = await api.runNow(id, { ...(parameters ? { parameters } : {}), idempotencyKey: flagValue(args, 'idempotency-key') ?? randomUUID() });
    io.stdout.write(flagBool(args, 'json') ? JSON.stringify(run, null, 2) + '\n' : `${run.id}  ${run.state}\n`);
    return flagBool(args, 'follow') ? followRun(api, run.id, io) : EXIT_CODES.ok;
  }, flags);
}

const SUBCOMMANDS: Record<string, (argv: string[], io: CommandIO) => Promise<number>> = {
  create,
  list,
  show: (argv, io) =>
    simple('show', argv, io, async (api, id) => {
      io.stdout.write(JSON.stringify(await api.getSchedule(id), null, 2) + '\n');
      return EXIT_CODES.ok;
    }),
  next: (argv, io) =>
    simple('next', argv, io, async (api, id, args) => {
      const count = flagValue(args, 'count') ? Number(flagValue(args, 'count')) : 5;
      const next = await api.nextRuns(id, count);
      if (!next.items.length) io.stderr.write(`nbrun: schedule ${id} has no coming runs (paused, ended or on demand)\n`);
      for (const t of next.items) io.stdout.write(`${t.utc}  ${t.local} ${next.timezone}\n`);
      return EXIT_CODES.ok;
    }, [{ name: 'count', short: 'n', arity: 1 }]),
  pause: (argv, io) =>
    simple('pause', argv, io, async (api, id) => {
      printSchedule(await api.pauseSchedule(id), io, false);
      return EXIT_CODES.ok;
    }),
  resume: (argv, io) =>
    simple('resume', argv, io, async (api, id) => {
      printSchedule(await api.resumeSchedule(id), io, false);
      return EXIT_CODES.ok;
    }),
  delete: (argv, io) =>
    simple('delete', argv, io, async (api, id) => {
      await api.deleteSchedule(id);
      io.stdout.write(`${id}\n`);
      return EXIT_CODES.ok;
    }),
  run: runSchedule,
};

function usageText(): string {
  let driverHelp: string;
  try {
    driverHelp = driverNames()
      .map((d) => {
        const lines = driverOptionHelp(driverOptionsSchema(d.name));
        return `  --driver ${d.name}${lines.length ? '\n' + lines.join('\n') : ' (no options)'}`;
      })
      .join('\n');
  } catch {
    driverHelp = '';
  }
  return `Usage: nbrun schedule create NOTEBOOK (--cron EXPR [--tz ZONE] | --every DURATION) [options]
       nbrun schedule list [--tag TAG] [--limit N] [--json]
       nbrun schedule show|pause|resume|delete ID
       nbrun schedule next ID [-n COUNT]
       nbrun schedule run ID [-p NAME VALUE …] [--follow]

Schedules on an 'nbrun serve' service. 'create' bundles NOTEBOOK with its files as
'nbrun submit' does (same --deps checks) and sends it; without --cron or --every the
schedule runs on demand only ('nbrun schedule run ID').

Create options:
      --cron EXPR              five-field cron ('0 6 * * *'); day-of-month and day-of-week OR-ed
      --tz ZONE                IANA time zone of --cron (default UTC)
      --every DURATION         fixed interval of elapsed time: 30s, 10m, 2h, 1d
      --name NAME              default: the notebook's file name without .ipynb
      --deps LIST              files the notebook needs (as nbrun submit); repeatable
      --allow-outside          allow --deps outside the notebook's folder
  -p, --parameter NAME VALUE   parameter, value inferred (True/False, None, int, float, else string)
  -r, --parameter-raw NAME VALUE  parameter, value kept as a string
  -y, --parameters-yaml YAML   parameters as a YAML mapping
  -f, --parameters-file FILE   parameters from a YAML or JSON file
  -d, --driver NAME            where runs go: local (default), docker, kubernetes, kubeflow, pytorchjob, ffdl
      --image IMAGE            container image of the runs (docker and the cluster drivers; default nbrun-runner:latest)
  -k, --kernel NAME            kernelspec (default: the notebook's)
      --catchup latest|all|none  ticks missed while the service was down (default latest)
      --concurrency forbid|allow|queue|replace  a tick while a run is active (default forbid)
      --max-concurrency N      with --concurrency allow
      --retries N              retries of a failed or lost run (default 0)
      --retry-backoff SEC      delay before the first retry, doubling (default 60)
      --start-at TIME          no tick before (ISO 8601); --end-at TIME: none after
      --deadline SEC           a tick not started within SEC is recorded as missed (default 86400)
      --keep-runs N            finished runs kept (default 100)
      --tag TAG                label (repeatable); --paused: create it paused
      --execution-timeout SEC  per-cell timeout; --run-timeout SEC: whole-run timeout
      --idempotency-key KEY    the same key creates one schedule only (default: a fresh one)
      --json                   print the schedule as JSON
${SERVER_FLAGS_HELP}

Driver options (after --driver NAME):
${driverHelp}

${exitCodesHelp(
  {
    1: "with 'run --follow': the run failed",
    2: 'invalid input: bad cron, zone, option, parameter, or a --deps problem (the server names the field)',
    8: 'the service is unreachable, refused the token, or failed',
    143: "with 'run --follow': the run was cancelled",
  },
  [0, 1, 2, 8, 70, 130, 143],
)}
`;
}

export const scheduleCommand: Command = {
  get usage() {
    return usageText();
  },
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const f = sub ? SUBCOMMANDS[sub] : undefined;
    if (!f) {
      throw new UsageError(`nbrun schedule: ${sub ? `unknown sub-command '${sub}'` : 'missing sub-command'} (create, list, show, next, pause, resume, delete, run)`);
    }
    return f(rest, io);
  },
};
