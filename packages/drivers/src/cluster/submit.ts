/**
 * What submitting to a cluster (kubernetes, kubeflow, pytorchjob) shares: the runner comes
 * from the image, the bundle goes to the store under the job's keys before the platform
 * object is created, and the record keeps where the store and the cluster are.
 */
import { UsageError } from '@nbrun/core';
import { prepareJob, type PreparedJob } from '../job/prepare.js';
import type { JobRegistry } from '../job/records.js';
import { openStoreOf } from '../store/options.js';
import type { S3Store } from '../store/s3.js';
import type { SubmitRequest } from '../types.js';
import type { KubeBackend } from './handle.js';
import { jobKeys } from './pod.js';
import type { ClusterOptions } from './options.js';

/** A cluster job bundled, with its store keys and its store open (closed by {@link uploadBundleThen}). */
export interface StagedClusterJob {
  prepared: PreparedJob;
  keys: { bundle: string; results: string };
  store: S3Store;
}

/**
 * Refuses `--include-runner`: on a cluster the image must bring the runner.
 * @example refuseIncludedRunner(request, 'kubernetes')
 */
export function refuseIncludedRunner(request: SubmitRequest, driver: string): void {
  if (request.includeRunner) throw new UsageError(`includeRunner does not apply to the ${driver} driver: the image must provide nbrun-runner`, { hint: { option: 'includeRunner' } });
}

/**
 * Bundles a request (a bad dependency throws here, before the cluster is asked) and opens
 * the store its bundle and results go through.
 * @example const staged = await stageClusterJob(request, options, jobs, process.env)
 */
export async function stageClusterJob(request: SubmitRequest, options: ClusterOptions, jobs: JobRegistry, env: NodeJS.ProcessEnv): Promise<StagedClusterJob> {
  const prepared = await prepareJob(request, { jobs });
  return { prepared, keys: jobKeys(prepared.id), store: openStoreOf(options.store, env) };
}

/**
 * Puts the bundle in the store, then creates the job on the platform; the store is closed either way.
 * @example await uploadBundleThen(staged, () => batch.createNamespacedJob({ namespace, body }))
 */
export async function uploadBundleThen<T>(staged: StagedClusterJob, create: () => Promise<T>): Promise<T> {
  try {
    await staged.store.put(staged.keys.bundle, await staged.prepared.bundle.zip(), 'application/zip');
    return await create();
  } finally {
    staged.store.close();
  }
}

/**
 * What a cluster job's record keeps besides the platform's name for it: the store, the
 * job's keys in it, and the kubeconfig and context it was submitted with.
 * @example const backend = { name: id, ...clusterBackend(staged, options, namespace) }
 */
export function clusterBackend(staged: StagedClusterJob, options: ClusterOptions, namespace: string): KubeBackend {
  return {
    namespace,
    store: options.store,
    bundleKey: staged.keys.bundle,
    resultsKey: staged.keys.results,
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
  };
}
