/**
 * Where the job spec comes from, in order of precedence (highest last):
 * the input's own `nbrun-job.json` < `--spec FILE` or `$NBRUN_JOB_SPEC` < flags;
 * then the platform's defaults (`$MODEL_DIR`, `$RESULT_DIR`) for what is still unset.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute } from 'node:path';
import { parseParameterJson } from '@nbrun/core/parameters';
import { limitValue } from './args.js';
import type { ArchiveLimits } from './input/extract.js';
import { JobSpecError, validateJobSpec, type JobSpec } from './spec.js';

/** One layer of the spec and where it came from (for error messages). */
export interface SpecLayer {
  spec: Partial<JobSpec>;
  source: string;
}

/**
 * Parses JSON text of a spec layer, with a one-line error naming the source and place.
 * Parameters are read losslessly, as `nbrun -f params.json` reads them: `1.0` stays a
 * float (a FloatValue), so a job injects what a local run injects.
 * @example parseSpecText(process.env.NBRUN_JOB_SPEC!, '$NBRUN_JOB_SPEC')
 */
export function parseSpecText(text: string, source: string): Partial<JobSpec> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const msg = (cause as Error).message.split('\n', 1)[0];
    throw new JobSpecError(`${source}: not valid JSON (${msg})`, undefined, { cause });
  }
  const spec = validateJobSpec(value, source, { partial: true });
  if (spec.parameters) {
    try {
      spec.parameters = (parseParameterJson(text, source) as { parameters: Record<string, unknown> }).parameters;
    } catch (cause) {
      throw new JobSpecError((cause as Error).message, 'parameters', { cause });
    }
  }
  return spec;
}

/**
 * Reads the explicit spec layer: `--spec FILE`, else `$NBRUN_JOB_SPEC`, else none.
 * @example const layer = await readExplicitSpec('job.json', process.env);
 */
export async function readExplicitSpec(specFile: string | undefined, env: NodeJS.ProcessEnv): Promise<SpecLayer | undefined> {
  if (specFile !== undefined) {
    const source = `--spec ${specFile}`;
    const text = await readFile(specFile, 'utf8').catch((cause: unknown) => {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new JobSpecError(`${source}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, undefined, { cause });
    });
    return { spec: parseSpecText(text, source), source };
  }
  if (env.NBRUN_JOB_SPEC !== undefined && env.NBRUN_JOB_SPEC.trim() !== '') {
    const source = '$NBRUN_JOB_SPEC';
    return { spec: parseSpecText(env.NBRUN_JOB_SPEC, source), source };
  }
  return undefined;
}

/**
 * Merges spec layers, later ones winning; `parameters`, `env`, `gateway` and `inputLimits` merge key by key.
 * @example mergeSpecs({ parameters: { a: 1 } }, { parameters: { b: 2 } }) // { parameters: { a: 1, b: 2 } }
 */
export function mergeSpecs(...layers: (Partial<JobSpec> | undefined)[]): Partial<JobSpec> {
  const out: Partial<JobSpec> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer) as [keyof JobSpec, unknown][]) {
      if (value === undefined) continue;
      if ((key === 'parameters' || key === 'env' || key === 'gateway' || key === 'inputLimits') && typeof value === 'object' && value) {
        (out as Record<string, unknown>)[key] = { ...(out[key] as object | undefined), ...value };
      } else {
        (out as Record<string, unknown>)[key] = value;
      }
    }
  }
  return out;
}

/**
 * Flags may name a notebook by an absolute path without `--input`: its folder becomes the input.
 * @example splitNotebookPath({ notebook: '/work/nb.ipynb' }) // { notebook: 'nb.ipynb', input: '/work' }
 */
export function splitNotebookPath(flags: Partial<JobSpec>): Partial<JobSpec> {
  if (flags.notebook && isAbsolute(flags.notebook) && flags.input === undefined) {
    return { ...flags, notebook: basename(flags.notebook), input: dirname(flags.notebook) };
  }
  return flags;
}

/**
 * The input and results locations known before the input is fetched: the spec's, else the
 * platform's (`$MODEL_DIR`/`$RESULT_DIR`, FfDL), else the current directory and `./results`.
 */
export function platformDefaults(spec: Partial<JobSpec>, env: NodeJS.ProcessEnv): { input: string; results: string } {
  return {
    input: spec.input ?? (env.MODEL_DIR || '.'),
    results: spec.results ?? (env.RESULT_DIR || 'results'),
  };
}

/**
 * Limits on unpacking the input archive: the spec's `inputLimits` (flags included), else
 * `$NBRUN_INPUT_MAX_BYTES`, `$NBRUN_INPUT_MAX_ENTRIES`, `$NBRUN_INPUT_MAX_RATIO`, else the defaults.
 * @example inputLimitsOf({ inputLimits: { maxBytes: 2 ** 30 } }, process.env) // { maxBytes: 1073741824 }
 */
export function inputLimitsOf(spec: Partial<JobSpec>, env: NodeJS.ProcessEnv): Partial<ArchiveLimits> {
  const fromEnv = (name: string, ratio = false): number | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : limitValue(`$${name}`, v, ratio);
  };
  const limits: Partial<ArchiveLimits> = {};
  const maxBytes = spec.inputLimits?.maxBytes ?? fromEnv('NBRUN_INPUT_MAX_BYTES');
  const maxEntries = spec.inputLimits?.maxEntries ?? fromEnv('NBRUN_INPUT_MAX_ENTRIES');
  const maxRatio = spec.inputLimits?.maxRatio ?? fromEnv('NBRUN_INPUT_MAX_RATIO', true);
  if (maxBytes !== undefined) limits.maxBytes = maxBytes;
  if (maxEntries !== undefined) limits.maxEntries = maxEntries;
  if (maxRatio !== undefined) limits.maxRatio = maxRatio;
  return limits;
}
