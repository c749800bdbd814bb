/**
 * `nbrun submit NOTEBOOK --driver local|docker|kubernetes|kubeflow|pytorchjob|ffdl …`: bundle a notebook with its files and
 * run it as a job; prints the job id. With `--wait`, follows the log, downloads the
 * result and exits with the job's exit code.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { EXIT_CODES, UsageError } from '@nbrun/core';
import { parseCpus, parseGpus, parseMemory, splitDependencyList, type JobHandle, type SubmitRequest } from '@nbrun/drivers';
import { flagBool, flagValue, flagValues, parseArgs, parseSeconds, type FlagSpec, type ParsedArgs } from '../args.js';
import { driverFlagHelp, driverFlags, driverFlagSpecs, driverOptionsFromArgs } from '../driver-flags.js';
import type { Command, CommandIO } from '../command.js';
import { parseAssignment } from '../gateway-args.js';
import { collectParameters, parameterFlags } from '../parameters-args.js';
import { exitCodeForJob, fetchResults, formatStatus, jobsContext, printLogs } from './jobs.js';

const commonFlags: FlagSpec[] = [
  { name: 'driver', short: 'd', arity: 1 },
  { name: 'deps', arity: 1, multiple: true },
  { name: 'allow-outside' },
  { name: 'kernel', short: 'k', arity: 1 },
  { name: 'image', arity: 1 },
  { name: 'cpus', arity: 1 },
  { name: 'memory', arity: 1 },
  { name: 'gpus', arity: 1 },
  { name: 'env', short: 'e', arity: 1, multiple: true },
  { name: 'execution-timeout', arity: 1 },
  { name: 'run-timeout', arity: 1 },
  { name: 'start-timeout', arity: 1 },
  { name: 'allow-errors' },
  { name: 'log-output' },
  { name: 'job-id', arity: 1 },
  { name: 'include-runner' },
  { name: 'wait', short: 'w' },
  { name: 'output', short: 'o', arity: 1 },
  { name: 'results', arity: 1 },
  ...parameterFlags,
];

function usageText(): string {
  return `Usage: nbrun submit NOTEBOOK [--driver NAME] [options]

Bundles NOTEBOOK with the files it needs and runs it as a job on a backend.
Prints the job id; follow it with 'nbrun status|logs|fetch|cancel JOB'.

Options:
  -d, --driver NAME            backend: local (default), docker, kubernetes, kubeflow, pytorchjob, ffdl
      --deps LIST              files the notebook needs, relative to its folder:
                               names, folders or globs ('*.py', 'utils/**'),
                               comma-separated; repeatable. Checked before submitting.
      --allow-outside          allow --deps outside the notebook's folder
  -p, --parameter NAME VALUE   parameter, value inferred (True/False, None, int, float, else string)
  -r, --parameter-raw NAME VALUE  parameter, value kept as a string
  -y, --parameters-yaml YAML   parameters as a YAML mapping
  -f, --parameters-file FILE   parameters from a YAML or JSON file
  -k, --kernel NAME            kernelspec (default: the notebook's)
      --image IMAGE            container image (docker default: nbrun-runner:latest)
      --cpus N                 CPU cores (fractions allowed)
      --memory SIZE            memory limit, e.g. 512m, 2g
      --gpus N|all             GPUs (docker: HostConfig.DeviceRequests like docker run --gpus)
  -e, --env NAME=VALUE         environment variable of the job (repeatable)
      --execution-timeout SEC  per-cell timeout
      --run-timeout SEC        whole-run timeout
      --start-timeout SEC      kernel start timeout
      --allow-errors           keep running after a cell error
      --log-output             the job's log also shows the kernel's output
      --job-id ID              job id (default: NOTEBOOK's name + 8 hex digits)
      --include-runner         put the built runner in the bundle (images without one)
  -w, --wait                   follow the log, download the result, exit with the job's code
  -o, --output PATH            with --wait: where the executed notebook goes
                               (default: NOTEBOOK's name with .out.ipynb, next to it)
      --results DIR            with --wait: where all result files go (default: a temp dir)
Driver options (as JSON, e.g. in a schedule: the same names in camelCase, --stop-timeout → stopTimeout):
${driverFlagHelp(driverFlags())}

Exit codes: 0 submitted (or, with --wait, succeeded), 1 the notebook failed,
2 usage or bundle error (missing or unsafe --deps), 8 backend error (no Docker
engine, image missing), 143 job cancelled; with --wait, the job's own exit code.
`;
}

function numberOf(args: ParsedArgs, name: string, parse: (v: string, flag: string) => number): number | undefined {
  const v = flagValue(args, name);
  return v === undefined ? undefined : parse(v, `--${name}`);
}

/** The submit request the flags describe. */
async function requestFromArgs(args: ParsedArgs, notebook: string, io: CommandIO): Promise<SubmitRequest> {
  const parameters = await collectParameters(args, io.cwd);
  const env: Record<string, string> = {};
  for (const [kv] of flagValues(args, 'env')) {
    const [k, v] = parseAssignment(kv!, 'env', 'submit');
    env[k] = v;
  }
  const gpus = flagValue(args, 'gpus');
  const resources = {
    ...(flagValue(args, 'cpus') !== undefined ? { cpus: numberOf(args, 'cpus', parseCpus) } : {}),
    ...(flagValue(args, 'memory') !== undefined ? { memoryBytes: numberOf(args, 'memory', parseMemory) } : {}),
    ...(gpus !== undefined ? { gpus: parseGpus(gpus) } : {}),
  };
  const request: SubmitRequest = {
    notebook,
    cwd: io.cwd,
    dependencies: flagValues(args, 'deps').flatMap(([list]) => splitDependencyList(list!)),
    allowOutside: flagBool(args, 'allow-outside'),
    ...(parameters ? { parameters } : {}),
    ...(Object.keys(env).length ? { env } : {}),
    ...(Object.keys(resources).length ? { resources } : {}),
    includeRunner: flagBool(args, 'include-runner'),
    allowErrors: flagBool(args, 'allow-errors'),
    logOutput: flagBool(args, 'log-output'),
  };
  const kernel = flagValue(args, 'kernel');
  if (kernel) request.kernel = kernel;
  const image = flagValue(args, 'image');
  if (image) request.image = image;
  const jobId = flagValue(args, 'job-id');
  if (jobId) request.jobId = jobId;
  const cell = parseSeconds(flagValue(args, 'execution-timeout'), 'execution-timeout', 'submit');
  if (cell) request.cellTimeoutSeconds = cell;
  const run = parseSeconds(flagValue(args, 'run-timeout'), 'run-timeout', 'submit');
  if (run) request.runTimeoutSeconds = run;
  const start = parseSeconds(flagValue(args, 'start-timeout'), 'start-timeout', 'submit');
  if (start) request.startTimeoutSeconds = start;
  return request;
}

/** Default executed-notebook path: `dir/name.out.ipynb` next to the notebook. */
function defaultOutput(notebook: string): string {
  return join(dirname(notebook), `${basename(notebook, extname(notebook))}.out.ipynb`);
}

async function waitForJob(job: JobHandle, args: ParsedArgs, notebook: string, io: CommandIO): Promise<number> {
  const output = resolve(io.cwd, flagValue(args, 'output') ?? defaultOutput(notebook));
  const resultsFlag = flagValue(args, 'results');
  const resultsDir = resultsFlag ? resolve(io.cwd, resultsFlag) : await mkdtemp(join(tmpdir(), `nbrun-${job.id}-`));
  // The log ends with the job; a signal to nbrun cancels the job (its partial notebook is kept).
  const follow = new AbortController();
  const onSignal = () => follow.abort();
  io.signal.addEventListener('abort', onSignal, { once: true });
  try {
    await printLogs(job, io.stderr, follow.signal, true);
  } finally {
    io.signal.removeEventListener('abort', onSignal);
  }
  if (io.signal.aborted) {
    io.stderr.write(`nbrun: cancelling job ${job.id}\n`);
    await job.cancel();
  }
  const status = await job.wait();
  io.stderr.write(`nbrun: job ${formatStatus(status)}\n`);
  const result = await fetchResults(job, resultsDir, undefined, resultsFlag ? io : undefined);
  if (result.notebook) {
    await copyFile(result.notebook, output);
    io.stderr.write(`nbrun: wrote ${output}\n`);
  } else {
    io.stderr.write(`nbrun: job ${job.id} wrote no executed notebook (see 'nbrun logs ${job.id}')\n`);
  }
  // Without --results the other result files were only a way to the notebook.
  if (!resultsFlag) await rm(resultsDir, { recursive: true, force: true });
  return exitCodeForJob(result.status);
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const flags = driverFlags();
  const args = parseArgs(argv, [...commonFlags, ...driverFlagSpecs(flags)], 'submit');
  const [notebook, ...extra] = args.positionals;
  if (!notebook) throw new UsageError("nbrun submit: missing NOTEBOOK (see 'nbrun submit --help')");
  if (extra.length) throw new UsageError(`nbrun submit: unexpected argument '${extra[0]}' (comma-separate --deps, or repeat it)`);
  const wait = flagBool(args, 'wait');
  if (!wait && (flagValue(args, 'output') || flagValue(args, 'results'))) {
    throw new UsageError('nbrun submit: --output/--results need --wait (or fetch later: nbrun fetch JOB DEST --output PATH)');
  }
  const ctx = jobsContext(io);
  const driverName = flagValue(args, 'driver') ?? 'local';
  const driver = ctx.driver(driverName);
  const options = driverOptionsFromArgs(driverName, args, flags);
  const request = await requestFromArgs(args, notebook, io);
  const job = await driver.submit(request, options, io.signal);
  io.stdout.write(job.id + '\n');
  if (!wait) return EXIT_CODES.ok;
  return waitForJob(job, args, resolve(io.cwd, notebook), io);
}

export const submitCommand: Command = {
  get usage() {
    return usageText();
  },
  run,
};
