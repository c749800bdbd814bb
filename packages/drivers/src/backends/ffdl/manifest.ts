/**
 * What FfDL gets for a notebook job: a `manifest.yml` (resources, one S3 data store with
 * training-data and results buckets and its connection, framework and command) and a
 * `model_definition` zip (the bundle, the runner, and a start script that runs it with
 * the results into `$RESULT_DIR`).
 */
import { stringify } from 'yaml';
import { UsageError } from '@nbrun/core';
import { zipFiles, type Bundle } from '../../bundle/bundle.js';
import type { Resources } from '../../types.js';

/** The start script's name inside the model_definition. */
export const START_SCRIPT = 'nbrun-start.sh';
/** The framework command FfDL runs in the learner. */
export const FFDL_COMMAND = `sh "$MODEL_DIR/${START_SCRIPT}"`;

/**
 * The start script: the bundled runner when there is one (else `nbrun-runner` from the
 * image), input the unpacked model_definition, results `$RESULT_DIR` (FfDL syncs it to
 * `<results bucket>/<training id>/`).
 */
export function startScript(runnerEntry: string | undefined): string {
  const bundled = runnerEntry ? `"$MODEL_DIR/${runnerEntry}"` : undefined;
  return [
    '#!/bin/sh',
    '# nbrun: run the notebook job of this model_definition; results go to $RESULT_DIR.',
    'set -e',
    'cd "$MODEL_DIR"',
    ...(bundled ? [`if [ -f ${bundled} ] && command -v node >/dev/null 2>&1; then`, `  exec node ${bundled} --input "$MODEL_DIR" --results "$RESULT_DIR"`, 'fi'] : []),
    'exec nbrun-runner --input "$MODEL_DIR" --results "$RESULT_DIR"',
    '',
  ].join('\n');
}

/**
 * The model_definition zip: every bundle entry plus the start script, zipped once.
 * @example const zip = await modelDefinitionZip(bundle)
 */
export function modelDefinitionZip(bundle: Pick<Bundle, 'files' | 'runnerEntry'>): Promise<Uint8Array> {
  return zipFiles(new Map([...bundle.files, [START_SCRIPT, new TextEncoder().encode(startScript(bundle.runnerEntry))]]));
}

/** The S3 data store of a training (FfDL accepts exactly one). */
export interface FfdlDataStore {
  /** The S3 endpoint as the learner reaches it. */
  authUrl: string;
  userName: string;
  password: string;
  trainingDataBucket: string;
  resultsBucket: string;
}

/**
 * FfDL's memory string: MiB below a GiB, else GiB with up to 3 decimals (`1536MiB`, `2GiB`).
 * @example ffdlMemory(2 ** 31) // '2GiB'
 */
export function ffdlMemory(bytes: number): string {
  const mib = bytes / 2 ** 20;
  if (mib < 1024) return `${Math.max(1, Math.round(mib))}MiB`;
  return `${Number((mib / 1024).toFixed(3))}GiB`;
}

/**
 * The manifest as YAML text. It carries the data store's credentials (FfDL's design), so
 * it is only ever sent to FfDL, never printed or stored.
 * @example const yaml = buildManifest({ name: 'train-1', ... })
 */
export function buildManifest(args: {
  name: string;
  description: string;
  resources?: Resources;
  learners: number;
  framework: { name: string; version: string };
  store: FfdlDataStore;
}): string {
  if (args.resources?.gpus === 'all') throw new UsageError("gpus 'all': FfDL needs a number of GPUs (e.g. 1)", { hint: { option: 'gpus' } });
  const manifest = {
    name: args.name,
    description: args.description,
    version: '1.0',
    cpus: args.resources?.cpus ?? 1,
    gpus: typeof args.resources?.gpus === 'number' ? args.resources.gpus : 0,
    memory: ffdlMemory(args.resources?.memoryBytes ?? 2 ** 30),
    learners: args.learners,
    data_stores: [
      {
        id: 'nbrun-store',
        type: 's3_datastore',
        training_data: { container: args.store.trainingDataBucket },
        training_results: { container: args.store.resultsBucket },
        connection: { auth_url: args.store.authUrl, user_name: args.store.userName, password: args.store.password },
      },
    ],
    framework: { name: args.framework.name, version: args.framework.version, command: FFDL_COMMAND },
  };
  return stringify(manifest);
}
