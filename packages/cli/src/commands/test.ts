/** `nbrun test [PATHS...]`: run notebooks as tests, one line per notebook, JUnit XML for CI. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { EXIT_CODES, UsageError } from '@nbrun/core';
import { writeFileAtomic } from '@nbrun/core/notebook';
import { flagBool, flagValue, parseArgs, parseSeconds, type FlagSpec } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { gatewayFlags, gatewayFromArgs, kernelEnvFromArgs } from '../gateway-args.js';
import { findNotebooks } from '../test-runner/discover.js';
import { renderJUnit } from '../test-runner/junit.js';
import { runSuite, type NotebookOutcome } from '../test-runner/run-suite.js';
import { exitCodesHelp, signalExitCode } from '../exit-codes.js';

const flags: FlagSpec[] = [
  { name: 'jobs', short: 'j', arity: 1 },
  { name: 'timeout', arity: 1 },
  { name: 'execution-timeout', arity: 1 },
  { name: 'start-timeout', arity: 1 },
  { name: 'kernel', short: 'k', arity: 1 },
  { name: 'allow-errors' },
  { name: 'junit', arity: 1 },
  { name: 'overwrite' },
  { name: 'reuse-kernels' },
  { name: 'prestart', negatable: true },
  ...gatewayFlags,
];

const usage = `Usage: nbrun test [PATHS...] [options]

Runs each notebook as a test: it passes when every cell runs without error. PATHS are
notebooks, folders (searched recursively) or globs; default: the current folder.
Searches skip .ipynb_checkpoints, node_modules, hidden folders and *.out.ipynb.
Prints one line per notebook (PASS, FAIL, TIMEOUT, SKIP) and last 'N passed, N failed'
(', N skipped' when some were skipped).

Options:
  -j, --jobs N                 notebooks run at once (default: number of CPUs)
      --timeout SEC            per-notebook timeout (metadata nbrun.test.timeout wins)
      --execution-timeout SEC  per-cell timeout (metadata execution.timeout wins)
      --start-timeout SEC      kernel start timeout (default 60)
  -k, --kernel NAME            kernel for every notebook (default: each notebook's)
      --allow-errors           cell errors do not fail a notebook (metadata wins)
      --junit FILE             write JUnit XML results to FILE
      --overwrite              save each executed notebook over its input (atomically)
      --reuse-kernels          restart and reuse kernels across notebooks of the same
                               kernel and folder (default: a fresh kernel per notebook)
      --no-prestart            do not start the next notebooks' kernels ahead of time
      --gateway-url URL        run on a Jupyter Server / Kernel Gateway / Enterprise Gateway
      --gateway-token TOKEN    gateway token (env NBRUN_GATEWAY_TOKEN)
      --gateway-header 'Name: value'  extra HTTP header for the gateway (repeatable)
      --kernel-env NAME=VALUE  environment variable for the kernels (repeatable)

Notebook metadata:
  nbrun.test.skip          true or a reason: do not run (SKIP)
  nbrun.test.timeout       seconds for the whole notebook
  nbrun.test.allow_errors  true: cell errors do not fail it
  nbrun.test.kernel        kernelspec name
  execution.timeout        nbmake: seconds per cell
  execution.allow_errors   nbmake: as nbrun.test.allow_errors

${exitCodesHelp({
  0: 'all passed (or skipped)',
  1: 'a notebook failed or timed out',
  2: 'usage error (bad option, no notebooks found)',
}, [0, 1, 2, 70, 129, 130, 143])}
`;

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The line printed for one notebook.
 * @example outcomeLine({ status: 'pass', display: 'a.ipynb', durationMs: 1200, path: '/x/a.ipynb' }) // 'PASS a.ipynb (1.2 s)'
 */
export function outcomeLine(o: NotebookOutcome): string {
  switch (o.status) {
    case 'pass':
      return `PASS ${o.display} (${formatSeconds(o.durationMs)})`;
    case 'skip':
      return `SKIP ${o.display}${o.message ? `: ${o.message}` : ''}`;
    case 'timeout':
      return `TIMEOUT ${o.display}: ${o.message ?? 'timed out'} (${formatSeconds(o.durationMs)})`;
    case 'fail':
      return `FAIL ${o.display}: ${o.message ?? 'failed'}${o.durationMs ? ` (${formatSeconds(o.durationMs)})` : ''}`;
  }
}

/**
 * The last line: `N passed, N failed` and `, N skipped` when some were.
 * @example summaryLine(outcomes) // '5 passed, 3 failed, 1 skipped'
 */
export function summaryLine(outcomes: readonly NotebookOutcome[]): string {
  const passed = outcomes.filter((o) => o.status === 'pass').length;
  const failed = outcomes.filter((o) => o.status === 'fail' || o.status === 'timeout').length;
  const skipped = outcomes.filter((o) => o.status === 'skip').length;
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

function parseJobs(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`nbrun test: --jobs must be a positive integer, got '${value}'`);
  return n;
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, flags, 'test');
  const jobs = parseJobs(flagValue(args, 'jobs'));
  const timeoutSec = parseSeconds(flagValue(args, 'timeout'), 'timeout', 'test');
  const cellTimeoutSec = parseSeconds(flagValue(args, 'execution-timeout'), 'execution-timeout', 'test');
  const startTimeoutSec = parseSeconds(flagValue(args, 'start-timeout'), 'start-timeout', 'test');
  const junit = flagValue(args, 'junit');
  const kernelName = flagValue(args, 'kernel');
  const gateway = gatewayFromArgs(args, io.env, 'test');
  const env = kernelEnvFromArgs(args, 'test');
  const paths = await findNotebooks(args.positionals, io.cwd);

  const startedAt = new Date();
  const suite = await runSuite(paths, io.cwd, {
    jobs,
    ...(timeoutSec !== undefined ? { timeoutSec } : {}),
    ...(cellTimeoutSec !== undefined ? { cellTimeoutSec } : {}),
    ...(startTimeoutSec !== undefined ? { startTimeoutSec } : {}),
    ...(kernelName ? { kernelName } : {}),
    allowErrors: flagBool(args, 'allow-errors'),
    overwrite: flagBool(args, 'overwrite'),
    reuseKernels: flagBool(args, 'reuse-kernels'),
    prestart: flagBool(args, 'prestart', true),
    ...(gateway ? { gateway } : {}),
    ...(env ? { env } : {}),
    signal: io.signal,
    onOutcome: (o) => io.stdout.write(outcomeLine(o) + '\n'),
  });
  if (junit) await writeFileAtomic(resolve(io.cwd, junit), renderJUnit(suite.outcomes, startedAt, suite.durationMs));
  io.stdout.write(summaryLine(suite.outcomes) + '\n');
  if (suite.cancelled) return signalExitCode(io.signalName());
  return suite.outcomes.some((o) => o.status === 'fail' || o.status === 'timeout') ? EXIT_CODES.cellError : EXIT_CODES.ok;
}

export const testCommand: Command = { usage, run };
