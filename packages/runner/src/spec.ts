/**
 * The job spec: one JSON document that tells `nbrun-runner` what to run, with what, and
 * where the results go. Its JSON Schema is published as `schemas/job-spec.schema.json`
 * (generated from {@link JOB_SPEC_SCHEMA}); {@link validateJobSpec} checks a value against it.
 */
import { NbrunError } from '@nbrun/core';
import type { ErrorObject } from 'ajv';
import { BundlePathError, bundlePath } from './bundle-path.js';
import { validateFull, validatePartial } from './spec-validators.generated.js';

/** Name of the job spec file inside a bundle (the runner reads it when no other spec is given). */
export const JOB_SPEC_FILE_NAME = 'nbrun-job.json';
/** Name of the executed notebook in the result location when the spec names none. */
export const DEFAULT_OUTPUT_NAME = 'output.ipynb';
/** Name of the status file in the result location. */
export const STATUS_FILE_NAME = 'status.json';
/** `$id` of the published job spec schema. */
export const JOB_SPEC_SCHEMA_ID = 'https://nbrun.dev/schemas/job-spec.schema.json';

/** How to reach a remote Jupyter gateway instead of the embedded one. */
export interface JobSpecGateway {
  /** Base URL of a Jupyter Server, Kernel Gateway or Enterprise Gateway (`http(s)://…`). */
  url: string;
  /** Name of the environment variable that holds the token. The token itself never goes in a spec. */
  tokenEnv?: string;
  /** Seconds to wait for a remote request (e.g. a minutes-long kernel start). */
  requestTimeoutSeconds?: number;
}

/** Text lines for humans, or one JSON object per line for log collectors. */
export type LogFormat = 'text' | 'json';

/**
 * What `nbrun-runner` runs. Every path is relative: `notebook` and `cwd` to the unpacked
 * input, `output` to the result location.
 *
 * @example
 * const spec: JobSpec = {
 *   notebook: 'train.ipynb',
 *   input: 's3://jobs/42/bundle.zip',
 *   results: 's3://jobs/42/results',
 *   parameters: { epochs: 10 },
 *   runTimeoutSeconds: 3600,
 * };
 */
export interface JobSpec {
  /** Optional `$schema` pointer, ignored by the runner. */
  $schema?: string;
  /** Free-form job id, copied into status.json and log lines. */
  jobId?: string;
  /** Path of the notebook inside the input (relative, no `..`). */
  notebook: string;
  /** File name of the executed notebook in the result location. Default {@link DEFAULT_OUTPUT_NAME}. */
  output?: string;
  /** Parameters injected papermill-style (after the cell tagged `parameters`). */
  parameters?: Record<string, unknown>;
  /** Kernelspec name. Default: the notebook's kernelspec, else `python3`. */
  kernel?: string;
  /** Per-cell timeout in seconds (the kernel is interrupted, the run fails). */
  cellTimeoutSeconds?: number;
  /** Whole-run timeout in seconds. */
  runTimeoutSeconds?: number;
  /** Kernel start timeout in seconds. Default 60. */
  startTimeoutSeconds?: number;
  /** Keep running after a cell error. Default false. */
  allowErrors?: boolean;
  /** Working directory of the kernel, relative to the unpacked input. Default: the input's root. */
  cwd?: string;
  /** Extra environment variables for the kernel. */
  env?: Record<string, string>;
  /** A remote gateway; without it kernels are started in this container (embedded gateway). */
  gateway?: JobSpecGateway;
  /**
   * Where the notebook and its files come from: a directory, a `.zip`/`.tar.gz`/`.tgz`
   * archive path, an `http(s)://` URL of such an archive, or `s3://bucket/key` (an archive,
   * or a prefix ending in `/` whose objects are copied). Default: `$MODEL_DIR`, else the
   * current directory.
   */
  input?: string;
  /** Where results go: a directory or `s3://bucket/prefix`. Default: `$RESULT_DIR`, else `./results`. */
  results?: string;
  /** Also print the kernel's output (streams, errors) to stdout. Default false. */
  logOutput?: boolean;
  /** Log line format. Default `text`. */
  logFormat?: LogFormat;
  /** Minimum seconds between saves of the partial notebook while running. Default 5. */
  autosaveSeconds?: number;
  /** How far an input archive may expand (archive bombs stop with `E_BUNDLE`). Not read from the input's own nbrun-job.json. */
  inputLimits?: JobSpecInputLimits;
}

/** Limits on unpacking an input archive; defaults 2 GiB, 100,000 entries, 200:1. */
export interface JobSpecInputLimits {
  /** Total bytes the archive may expand to. */
  maxBytes?: number;
  /** Number of entries (files, directories, links). */
  maxEntries?: number;
  /** Decompressed bytes per compressed byte (checked past the first 16 MiB). */
  maxRatio?: number;
}

const relativePath = {
  type: 'string',
  minLength: 1,
  // The bundle path policy (bundle-path.ts) as far as a pattern says it: not absolute (POSIX
  // or Windows), no backslash, no control character, no `..` segment. validateJobSpec checks the rest.
  pattern: '^(?![/])(?![A-Za-z]:)(?![\\s\\S]*(^|/)\\.\\.(/|$))[^\\\\\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]+$',
} as const;

/** Spec fields that are paths inside the input or the results, and whether each may name a folder. */
const PATH_FIELDS = [['notebook', false], ['cwd', true], ['output', false]] as const;

const positiveSeconds = { type: 'number', exclusiveMinimum: 0 } as const;

/** The job spec's JSON Schema (draft-07), published as `schemas/job-spec.schema.json`. */
export const JOB_SPEC_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: JOB_SPEC_SCHEMA_ID,
  title: 'nbrun job spec',
  description: 'What nbrun-runner runs, with what, and where its results go.',
  type: 'object',
  additionalProperties: false,
  required: ['notebook'],
  properties: {
    $schema: { type: 'string' },
    jobId: { type: 'string', minLength: 1, maxLength: 256 },
    notebook: { ...relativePath, description: 'Path of the notebook inside the input (relative, no "..").' },
    output: { ...relativePath, description: `File name of the executed notebook in the results (default ${DEFAULT_OUTPUT_NAME}).` },
    parameters: { type: 'object', description: 'Parameters injected after the cell tagged "parameters".' },
    kernel: { type: 'string', minLength: 1, description: 'Kernelspec name.' },
    cellTimeoutSeconds: { ...positiveSeconds, description: 'Per-cell timeout in seconds.' },
    runTimeoutSeconds: { ...positiveSeconds, description: 'Whole-run timeout in seconds.' },
    startTimeoutSeconds: { ...positiveSeconds, description: 'Kernel start timeout in seconds.' },
    allowErrors: { type: 'boolean' },
    cwd: { ...relativePath, description: 'Kernel working directory, relative to the unpacked input.' },
    env: {
      type: 'object',
      additionalProperties: { type: 'string' },
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    },
    gateway: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^https?://[^\\s]+$' },
        tokenEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name of the env var holding the token.' },
        requestTimeoutSeconds: positiveSeconds,
      },
    },
    input: { type: 'string', minLength: 1, description: 'Directory, .zip/.tar.gz/.tgz path, http(s):// URL or s3://bucket/key.' },
    results: { type: 'string', minLength: 1, description: 'Directory or s3://bucket/prefix.' },
    logOutput: { type: 'boolean' },
    logFormat: { enum: ['text', 'json'] },
    autosaveSeconds: { type: 'number', minimum: 0 },
    inputLimits: {
      type: 'object',
      additionalProperties: false,
      description: 'How far an input archive may expand (defaults: 2 GiB, 100000 entries, ratio 200).',
      properties: {
        maxBytes: { type: 'integer', minimum: 1, description: 'Total bytes the archive may expand to.' },
        maxEntries: { type: 'integer', minimum: 1, description: 'Number of entries.' },
        maxRatio: { type: 'number', minimum: 1, description: 'Decompressed bytes per compressed byte.' },
      },
    },
  },
} as const;

/** The job spec is not valid: `field` names the offending field (dotted path), when known. */
export class JobSpecError extends NbrunError {
  constructor(
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super('E_JOB_SPEC', message, options);
  }
}

/** Files the runner writes next to the notebook: an output of that name would be replaced by them. */
const RUNNER_FILE_NAMES = [STATUS_FILE_NAME, JOB_SPEC_FILE_NAME];

/** Checks `spec`'s canonical output name; the message quotes the name as `given` (as the user wrote it). */
function checkOutputName(spec: JobSpec, given: string | undefined, source: string): void {
  if (spec.output === undefined) return;
  const name = spec.output;
  // Case-insensitive: on macOS and Windows file systems Status.json is status.json.
  if (RUNNER_FILE_NAMES.some((own) => own.toLowerCase() === name.toLowerCase())) {
    throw new JobSpecError(`${source}: 'output' ${JSON.stringify(given ?? name)} is a file the runner writes itself: choose another name (default ${DEFAULT_OUTPUT_NAME})`, 'output');
  }
}

/** `notebook`, `cwd` and `output` in canonical form (a new object only when one changes); refuses an unsafe one. */
function canonicalPaths(spec: JobSpec, source: string): JobSpec {
  let out = spec;
  for (const [field, directory] of PATH_FIELDS) {
    const given = spec[field];
    if (given === undefined) continue;
    let canonical: string;
    try {
      canonical = bundlePath(given, { directory });
    } catch (err) {
      throw new JobSpecError(`${source}: '${field}' ${mustBe(field)}: ${reasonOf(err)}`, field, { cause: err });
    }
    if (canonical === '') canonical = '.';
    if (canonical !== given) out = { ...out, [field]: canonical };
  }
  return out;
}

/** What bundlePath says is wrong with `path`, without repeating the name (it could be a secret pasted in the wrong field). */
function reasonOf(err: unknown): string {
  if (!(err instanceof BundlePathError)) throw err;
  return err.reason;
}

function mustBe(field: string): string {
  return `must be a relative path inside the ${field === 'output' ? 'results' : 'input'}`;
}

/** Why a path field failed the schema's pattern, in the policy's words. */
function pathProblem(root: unknown, pointer: string): string {
  const field = pointer.replace(/^\//, '');
  try {
    bundlePath(String((root as Record<string, unknown>)[field]), { directory: true });
  } catch (err) {
    return `${mustBe(field)}: ${reasonOf(err)}`;
  }
  return mustBe(field);
}

/** A generated validator: true when valid, else `errors` says why. */
type Validator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * Checks a parsed value against the job spec schema and returns it typed, with `notebook`,
 * `cwd` and `output` in canonical form (`./nb//a.ipynb` is `nb/a.ipynb`: see `bundlePath`).
 * Throws a {@link JobSpecError} whose one-line message names the field and why.
 *
 * @param source Where the spec came from, used in the message (e.g. `--spec job.json`).
 * @param options `partial: true` checks a layer that will be merged with others (no field required).
 * @example
 * const spec = validateJobSpec(JSON.parse(text), 'job.json');
 */
export function validateJobSpec(value: unknown, source = 'job spec', options: { partial?: boolean } = {}): JobSpec {
  // Compiled ahead of time from JOB_SPEC_SCHEMA (scripts/spec-validators.ts).
  const validate: Validator = options.partial ? validatePartial : validateFull;
  if (validate(value)) {
    const spec = canonicalPaths(value as JobSpec, source);
    checkOutputName(spec, (value as JobSpec).output, source);
    return spec;
  }
  const err = validate.errors?.[0];
  if (!err) throw new JobSpecError(`${source}: invalid job spec`);
  let field = err.instancePath.replace(/^\//, '').replace(/\//g, '.');
  let why: string;
  switch (err.keyword) {
    case 'required':
      field = [field, String(err.params.missingProperty)].filter(Boolean).join('.');
      why = 'is required';
      break;
    case 'additionalProperties':
      field = [field, String(err.params.additionalProperty)].filter(Boolean).join('.');
      why = 'is not a job spec field';
      break;
    case 'pattern':
      if (err.propertyName !== undefined) why = `has a key that is not an environment variable name ('${err.propertyName}')`;
      else if (field === 'gateway.url') why = 'must be an http(s):// URL';
      else if (field.endsWith('tokenEnv')) why = 'must be an environment variable name';
      else why = pathProblem(value, err.instancePath);
      break;
    case 'type':
      why = `must be ${/^[aeiou]/.test(String(err.params.type)) ? 'an' : 'a'} ${String(err.params.type)}`;
      break;
    case 'exclusiveMinimum':
      why = 'must be a number > 0';
      break;
    case 'enum':
      why = `must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    default:
      why = err.message ?? 'is invalid';
  }
  const shown = field === '' ? 'the job spec' : `'${field}'`;
  const got = err.keyword === 'required' || err.keyword === 'additionalProperties' ? '' : describeValue(value, err.instancePath);
  throw new JobSpecError(`${source}: ${shown} ${why}${got}`, field || undefined);
}

/** ` (got …)` for short scalars only: a value could be a secret pasted in the wrong field. */
function describeValue(root: unknown, pointer: string): string {
  let v: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return '';
    v = (v as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return ` (got ${JSON.stringify(v)})`;
  if (Array.isArray(v)) return ' (got an array)';
  return '';
}
