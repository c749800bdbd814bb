/** `nbrun run INPUT [OUTPUT]`: execute a notebook and write the executed copy. */
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  EXIT_CODES, UsageError, serializeNotebook, streamNotebook, prepareNotebook, writeNotebook,
  type NbrunError, type RunOptions, type RunResult,
} from '@nbrun/core';
import { flagBool, flagValue, flagValues, parseArgs, parseSeconds, type FlagSpec } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { gatewayFlags, gatewayFromArgs, kernelEnvFromArgs } from '../gateway-args.js';
import { collectParameters, parameterFlags } from '../parameters-args.js';
import { OutputLogger, ProgressBar } from '../progress.js';
import { exitCodesHelp, signalExitCode } from '../exit-codes.js';

const flags: FlagSpec[] = [
  { name: 'kernel', short: 'k', arity: 1 },
  { name: 'cwd', arity: 1 },
  { name: 'execution-timeout', arity: 1 },
  { name: 'start-timeout', arity: 1 },
  { name: 'run-timeout', arity: 1 },
  { name: 'allow-errors' },
  { name: 'log-output' },
  { name: 'progress', negatable: true },
  { name: 'input', arity: 1, multiple: true },
  { name: 'autosave-interval', arity: 1 },
  { name: 'prepare-only' },
  ...gatewayFlags,
  ...parameterFlags,
];

const usage = `Usage: nbrun run INPUT [OUTPUT] [options]

Executes the notebook INPUT and writes the executed notebook to OUTPUT
(default: INPUT's name with .out.ipynb, next to it; '-' writes to stdout).

Options:
  -k, --kernel NAME            kernelspec to use (default: the notebook's, else python3)
      --cwd DIR                working directory of the kernel (default: INPUT's folder)
      --execution-timeout SEC  per-cell timeout; the kernel is interrupted and the run fails
      --start-timeout SEC      kernel start timeout (default 60)
      --run-timeout SEC        whole-run timeout
      --allow-errors           keep going after a cell error (exit 0)
      --input VALUE            answer for an input() call (repeat for several)
      --log-output             stream cell outputs to stderr as they arrive
      --no-progress            no progress bar (it is shown only on a terminal anyway)
      --autosave-interval SEC  save OUTPUT at most this often while running (default 5)
  -p, --parameter NAME VALUE   parameter, value inferred (True/False, None, int, float, else string)
  -r, --parameter-raw NAME VALUE  parameter, value kept as a string
  -y, --parameters-yaml YAML   parameters as a YAML mapping
  -f, --parameters-file FILE   parameters from a YAML or JSON file
      --prepare-only           write the parameterized notebook without executing it
      --gateway-url URL        run on a Jupyter Server / Kernel Gateway / Enterprise Gateway
                               (env NBRUN_GATEWAY_URL); default: kernels on this machine
      --gateway-token TOKEN    gateway token (env NBRUN_GATEWAY_TOKEN)
      --gateway-header 'Name: value'  extra HTTP header for the gateway (repeatable)
      --kernel-env NAME=VALUE  environment variable for the kernel (repeatable)

${exitCodesHelp()}
`;

/** Default output path: `dir/name.out.ipynb`. */
export function defaultOutputPath(input: string): string {
  const ext = extname(input);
  const stem = basename(input, ext === '.ipynb' ? ext : '');
  return join(dirname(input), `${stem}.out.ipynb`);
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, flags, 'run');
  const [input, output, ...extra] = args.positionals;
  if (!input) throw new UsageError("nbrun run: missing INPUT notebook (see 'nbrun run --help')");
  if (extra.length) throw new UsageError(`nbrun run: unexpected argument '${extra[0]}'`);
  const inputPath = resolve(io.cwd, input);
  const toStdout = output === '-';
  const outputPath = toStdout ? undefined : resolve(io.cwd, output ?? defaultOutputPath(input));
  const parameters = await collectParameters(args, io.cwd);
  const cellTimeout = parseSeconds(flagValue(args, 'execution-timeout'), 'execution-timeout', 'run');
  const startTimeout = parseSeconds(flagValue(args, 'start-timeout'), 'start-timeout', 'run');
  const runTimeout = parseSeconds(flagValue(args, 'run-timeout'), 'run-timeout', 'run');
  const autosave = flagValue(args, 'autosave-interval');
  const autosaveSec = autosave === undefined ? undefined : Number(autosave);
  if (autosaveSec !== undefined && (!Number.isFinite(autosaveSec) || autosaveSec < 0)) {
    throw new UsageError(`nbrun run: --autosave-interval must be a number of seconds >= 0, got '${autosave}'`);
  }
  const gateway = gatewayFromArgs(args, io.env, 'run');
  const env = kernelEnvFromArgs(args, 'run');
  const kernelName = flagValue(args, 'kernel');
  const cwd = flagValue(args, 'cwd');
  const inputs = flagValues(args, 'input').map(([v]) => v!);

  if (flagBool(args, 'prepare-only')) {
    const nb = await prepareNotebook(inputPath, {
      parameters: parameters ?? {},
      ...(kernelName ? { kernelName } : {}),
      ...(gateway ? { gateway } : {}),
      onWarning: (message) => io.stderr.write(`nbrun: warning: ${message}\n`),
    });
    if (toStdout) io.stdout.write(serializeNotebook(nb));
    else await writeNotebook(outputPath!, nb);
    if (!toStdout) io.stderr.write(`nbrun: wrote ${outputPath} (parameterized, not executed)\n`);
    return EXIT_CODES.ok;
  }

  const options: RunOptions = {
    ...(kernelName ? { kernelName } : {}),
    ...(cwd ? { cwd: resolve(io.cwd, cwd) } : {}),
    ...(cellTimeout ? { cellTimeoutMs: cellTimeout * 1000 } : {}),
    ...(startTimeout ? { startTimeoutMs: startTimeout * 1000 } : {}),
    ...(runTimeout ? { runTimeoutMs: runTimeout * 1000 } : {}),
    ...(flagBool(args, 'allow-errors') ? { allowErrors: true } : {}),
    ...(parameters ? { parameters } : {}),
    ...(inputs.length ? { inputs } : {}),
    // The executed notebook is only written, never read back here: large outputs stay on disk.
    ...(outputPath ? { outputPath, largeOutputs: 'file' as const } : {}),
    ...(autosaveSec !== undefined ? { autosaveIntervalMs: autosaveSec * 1000 } : {}),
    ...(gateway ? { gateway } : {}),
    ...(env ? { env } : {}),
    signal: io.signal,
  };

  const logOutput = flagBool(args, 'log-output');
  const showProgress = !logOutput && flagBool(args, 'progress', true) && Boolean(io.stderr.isTTY);
  const bar = showProgress ? new ProgressBar(io.stderr) : undefined;
  const logger = logOutput ? new OutputLogger(io.stderr) : undefined;
  let result: RunResult | undefined;
  const events = streamNotebook(inputPath, options);
  for await (const ev of events) {
    bar?.handle(ev);
    logger?.handle(ev);
    if (!bar && !logger && ev.type === 'warning') io.stderr.write(`nbrun: warning: ${ev.message}\n`);
    if (ev.type === 'run-end') result = ev.result;
  }
  if (!result) throw new UsageError('nbrun run: the run ended without a result');
  if (toStdout) io.stdout.write(serializeNotebook(result.notebook));
  const where = outputPath ?? 'stdout';
  const secs = (result.durationMs / 1000).toFixed(1);
  if (!result.error) {
    io.stderr.write(`nbrun: ${input}: ${result.status} in ${secs} s, wrote ${where}\n`);
    return EXIT_CODES.ok;
  }
  const err: NbrunError = result.error;
  writeKernelStderr(io.stderr, err);
  io.stderr.write(`nbrun: ${input}: ${err.message}${result.outputPath || toStdout ? ` (output written to ${where})` : ''}\n`);
  if (err.code === 'E_CANCELLED' && io.signalName()) return signalExitCode(io.signalName());
  return err.exitCode;
}

/** A kernel that failed to start: what it said last, before the one-line error (which stays the last line). */
function writeKernelStderr(stderr: NodeJS.WritableStream, err: NbrunError): void {
  const text = (err as NbrunError & { kernelStderr?: string }).kernelStderr;
  if (!text) return;
  stderr.write(`nbrun: the kernel's last stderr lines:\n${text.split('\n').map((line) => `  | ${line}`).join('\n')}\n`);
}

export const runCommand: Command = { usage, run };
