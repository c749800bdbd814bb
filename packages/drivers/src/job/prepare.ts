/**
 * What every driver does the same way before any backend is contacted: name a job, turn a
 * request into a job spec and a bundle.
 */
import { randomBytes } from 'node:crypto';
import { basename, extname, resolve } from 'node:path';
import { UsageError } from '@nbrun/core';
import { DEFAULT_OUTPUT_NAME, type JobSpec } from '@nbrun/runner/contract';
import { createBundle, type Bundle } from '../bundle/bundle.js';
import { checkJobId, type JobRegistry } from './records.js';
import type { SubmitRequest } from '../types.js';

/**
 * A new job id: the notebook's name made DNS-safe (≤ 40 chars) and 8 random hex digits.
 * @example createJobId('My Train.ipynb') // 'my-train-3f9a2c1d'
 */
export function createJobId(notebook: string): string {
  const stem = basename(notebook, extname(notebook))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${stem || 'job'}-${randomBytes(4).toString('hex')}`;
}

/**
 * The runner's job spec for a request (without `notebook`, `input` and `results`, which
 * the bundle and the driver fill in).
 * @example buildJobSpec({ notebook: 'a.ipynb', parameters: { n: 1 } }, 'a-1234abcd')
 */
export function buildJobSpec(request: SubmitRequest, jobId: string): Omit<JobSpec, 'notebook'> {
  const spec: Omit<JobSpec, 'notebook'> = { jobId };
  if (request.output) spec.output = request.output;
  if (request.parameters && Object.keys(request.parameters).length) spec.parameters = request.parameters;
  if (request.kernel) spec.kernel = request.kernel;
  if (request.cellTimeoutSeconds) spec.cellTimeoutSeconds = request.cellTimeoutSeconds;
  if (request.runTimeoutSeconds) spec.runTimeoutSeconds = request.runTimeoutSeconds;
  if (request.startTimeoutSeconds) spec.startTimeoutSeconds = request.startTimeoutSeconds;
  if (request.allowErrors) spec.allowErrors = true;
  if (request.logOutput) spec.logOutput = true;
  return spec;
}

/** A request checked and bundled, ready for a backend. */
export interface PreparedJob {
  id: string;
  /** Absolute path of the notebook. */
  notebook: string;
  bundle: Bundle;
  /** File name of the executed notebook in the results. */
  output: string;
}

/**
 * Checks a request and builds its bundle: a missing or unsafe dependency throws a
 * BundleError here, before anything is submitted.
 * @example const job = await prepareJob({ notebook: 'nb/train.ipynb', dependencies: ['*.py'] })
 */
export async function prepareJob(
  request: SubmitRequest,
  options: { runnerDist?: { dir: string; entry: string }; jobs?: JobRegistry } = {},
): Promise<PreparedJob> {
  const notebook = resolve(request.cwd ?? process.cwd(), request.notebook);
  if (extname(notebook) !== '.ipynb') throw new UsageError(`'${request.notebook}' is not a notebook (.ipynb)`);
  const id = checkJobId(request.jobId ?? createJobId(notebook));
  if (await options.jobs?.has(id)) {
    throw new UsageError(`job '${id}' already exists in ${options.jobs!.dir} (pick another jobId)`, { hint: { option: 'jobId' } });
  }
  for (const [name, value] of Object.entries(request.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`env '${name}': not an environment variable name`, { hint: { option: 'env' } });
    if (typeof value !== 'string') throw new UsageError(`env ${name}: the value must be a string`, { hint: { option: 'env' } });
  }
  if (request.includeRunner && !options.runnerDist) {
    throw new UsageError("includeRunner: the runner is not built (run 'pnpm -r build' first)", { hint: { option: 'includeRunner' } });
  }
  const bundle = await createBundle({
    notebook,
    dependencies: request.dependencies,
    allowOutside: request.allowOutside,
    spec: buildJobSpec(request, id),
    runnerDist: request.includeRunner ? options.runnerDist : undefined,
  });

  return { id, notebook, bundle, output: bundle.spec.output ?? DEFAULT_OUTPUT_NAME };
}
