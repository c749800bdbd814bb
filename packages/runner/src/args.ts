/**
 * `nbrun-runner` command-line flags: they name the common job spec fields and the
 * runner's own settings (work dir, grace period). Flags override the spec.
 */
import { UsageError } from '@nbrun/core';
import { inferParameterValue } from '@nbrun/core/parameters';
import type { JobSpec } from './spec.js';

/** Settings of the runner process itself (not part of a job). */
export interface RunnerSettings {
  specFile?: string;
  workDir?: string;
  keepWorkDir: boolean;
  /** Seconds between SIGTERM/SIGINT and a forced exit. */
  graceSeconds?: number;
  help: boolean;
  version: boolean;
}

/** What the command line says. */
export interface ParsedRunnerArgs {
  settings: RunnerSettings;
  /** Spec fields given as flags (a partial spec). */
  overrides: Partial<JobSpec>;
}

export const RUNNER_USAGE = `Usage: nbrun-runner [--spec FILE] [options]

Runs one notebook job: fetches the input, runs the notebook, writes the executed
notebook and status.json to the result location. The job spec comes from --spec FILE,
else $NBRUN_JOB_SPEC (JSON text), else the input's own nbrun-job.json; flags override it.

Job options (override the spec):
  --notebook PATH           notebook inside the input
  --input SRC               directory, .zip/.tar.gz/.tgz, http(s):// URL, s3://bucket/key
                            (default: $MODEL_DIR, else the current directory)
  --results DEST            directory or s3://bucket/prefix
                            (default: $RESULT_DIR, else ./results)
  --output NAME             executed notebook's file name (default output.ipynb)
  -p, --parameter NAME VALUE   parameter, VALUE inferred as papermill and nbrun -p do:
                            True/False, None, integers, floats (1.0 stays a float),
                            else the string
  -r, --raw-parameter NAME VALUE  parameter kept as a string
  --kernel NAME             kernelspec name
  --cwd PATH                kernel working directory inside the input
  --env NAME=VALUE          environment variable for the kernel (repeatable)
  --cell-timeout SECONDS    per-cell timeout
  --run-timeout SECONDS     whole-run timeout
  --start-timeout SECONDS   kernel start timeout
  --allow-errors            keep running after a failing cell
  --gateway-url URL         run on a remote Jupyter gateway instead of local kernels
  --gateway-token-env NAME  environment variable holding the gateway token
  --log-output              print the kernel's output too
  --log-format text|json    log line format (default text)
  --job-id ID               id copied into status.json and JSON log lines
  --autosave SECONDS        minimum seconds between saves of the partial notebook
  --input-max-bytes N       an input archive may expand to N bytes at most
                            (default 2147483648; also $NBRUN_INPUT_MAX_BYTES)
  --input-max-entries N     ... hold N entries at most (default 100000;
                            also $NBRUN_INPUT_MAX_ENTRIES)
  --input-max-ratio N       ... expand N:1 at most (default 200, checked past
                            16 MiB; also $NBRUN_INPUT_MAX_RATIO)

Runner options:
  --spec FILE               job spec file (JSON)
  --work-dir DIR            where the input is unpacked (default: a new temp dir;
                            also $NBRUN_WORK_DIR)
  --keep-work-dir           do not delete the work dir at the end
  --grace SECONDS           after SIGTERM/SIGINT, exit at the latest after this
                            (default 8, below docker stop's 10 s; also $NBRUN_GRACE_SECONDS)
  -h, --help                this text
  -V, --version             the version

Exit codes: 0 ok, 1 cell error, 2 invalid spec/input/notebook, 3 kernel died,
4 timeout, 5 gateway, 6 kernel start, 7 results not written, 70 internal,
130 SIGINT, 143 SIGTERM.
`;

/** A positive whole number (bytes, entries), or for `ratio` a number >= 1. */
export function limitValue(flag: string, value: string, ratio = false): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (ratio ? n < 1 : n < 1 || !Number.isInteger(n))) {
    throw new UsageError(`nbrun-runner: ${flag} must be ${ratio ? 'a number >= 1' : 'a positive whole number'}, got '${value}'`);
  }
  return n;
}

function seconds(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`nbrun-runner: ${flag} must be a positive number of seconds, got '${value}'`);
  return n;
}

/**
 * Parses the runner's command line.
 * @example parseRunnerArgs(['--spec', 'job.json', '-p', 'epochs', '3'])
 */
export function parseRunnerArgs(argv: string[]): ParsedRunnerArgs {
  const settings: RunnerSettings = { keepWorkDir: false, help: false, version: false };
  const o: Partial<JobSpec> = {};
  const params: Record<string, unknown> = {};
  const env: Record<string, string> = {};
  let i = 0;
  const next = (flag: string): string => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`nbrun-runner: option '${flag}' needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string => (eq > 0 ? raw.slice(eq + 1) : next(flag));
    switch (flag) {
      case '-h': case '--help': settings.help = true; break;
      case '-V': case '--version': settings.version = true; break;
      case '--spec': settings.specFile = value(); break;
      case '--work-dir': settings.workDir = value(); break;
      case '--keep-work-dir': settings.keepWorkDir = true; break;
      case '--grace': settings.graceSeconds = seconds(flag, value()); break;
      case '--notebook': o.notebook = value(); break;
      case '--input': o.input = value(); break;
      case '--results': o.results = value(); break;
      case '--output': o.output = value(); break;
      case '--kernel': o.kernel = value(); break;
      case '--cwd': o.cwd = value(); break;
      case '--job-id': o.jobId = value(); break;
      case '--cell-timeout': o.cellTimeoutSeconds = seconds(flag, value()); break;
      case '--run-timeout': o.runTimeoutSeconds = seconds(flag, value()); break;
      case '--start-timeout': o.startTimeoutSeconds = seconds(flag, value()); break;
      case '--autosave': o.autosaveSeconds = Number(value()); break;
      case '--input-max-bytes': o.inputLimits = { ...o.inputLimits, maxBytes: limitValue(flag, value()) }; break;
      case '--input-max-entries': o.inputLimits = { ...o.inputLimits, maxEntries: limitValue(flag, value()) }; break;
      case '--input-max-ratio': o.inputLimits = { ...o.inputLimits, maxRatio: limitValue(flag, value(), true) }; break;
      case '--allow-errors': o.allowErrors = true; break;
      case '--log-output': o.logOutput = true; break;
      case '--log-format': {
        const f = value();
        if (f !== 'text' && f !== 'json') throw new UsageError(`nbrun-runner: --log-format must be text or json, got '${f}'`);
        o.logFormat = f;
        break;
      }
      case '--gateway-url': o.gateway = { ...o.gateway, url: value() }; break;
      case '--gateway-token-env': o.gateway = { url: '', ...o.gateway, tokenEnv: value() }; break;
      case '--env': {
        const kv = value();
        const at = kv.indexOf('=');
        if (at <= 0) throw new UsageError(`nbrun-runner: --env needs NAME=VALUE, got '${kv.split('=')[0]}…'`);
        env[kv.slice(0, at)] = kv.slice(at + 1);
        break;
      }
      case '-p': case '--parameter': case '-r': case '--raw-parameter': {
        if (eq > 0) throw new UsageError(`nbrun-runner: ${flag} takes NAME VALUE as two arguments`);
        const name = next(flag);
        const v = next(flag);
        // One rule with `nbrun -p`: papermill's (`True` is a boolean, `true` a string, `1.0` a float).
        params[name] = flag === '-r' || flag === '--raw-parameter' ? v : inferParameterValue(v);
        break;
      }
      default:
        throw new UsageError(`nbrun-runner: unknown option '${flag}' (see 'nbrun-runner --help')`);
    }
  }
  if (Object.keys(params).length) o.parameters = params;
  if (Object.keys(env).length) o.env = env;
  return { settings, overrides: o };
}
