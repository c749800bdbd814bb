/**
 * The pod parts every cluster driver (kubernetes, kubeflow, pytorchjob) sends: the runner's
 * container on the bundle in the store, its environment, limits and the pod's placement.
 */
import type { V1Container, V1EnvVar, V1PodSpec } from '@kubernetes/client-node';
import { UsageError } from '@nbrun/core';
import type { Resources } from '../types.js';
import type { StoreSettings } from '../store/options.js';
import type { ClusterOptions } from './options.js';

/** Labels on every object nbrun creates. */
export const NBRUN_LABELS = { app: 'app.kubernetes.io/managed-by', job: 'nbrun.dev/job' } as const;

/** Where the job's bundle is and where its results go, as URLs the runner understands. */
export interface JobLocations {
  input: string;
  results: string;
}

/**
 * Store keys of a job: `<id>/bundle.zip` and `<id>/results`.
 * @example jobKeys('train-1') // { bundle: 'train-1/bundle.zip', results: 'train-1/results' }
 */
export function jobKeys(id: string): { bundle: string; results: string } {
  return { bundle: `${id}/bundle.zip`, results: `${id}/results` };
}

/**
 * `limits` of a container for the common resources; `'all'` GPUs make no sense on a cluster.
 * @example resourceLimits({ cpus: 2, memoryBytes: 2 ** 31, gpus: 1 }) // { cpu: '2', memory: '2147483648', 'nvidia.com/gpu': '1' }
 */
export function resourceLimits(resources: Resources | undefined, gpuResource = 'nvidia.com/gpu'): Record<string, string> | undefined {
  if (!resources) return undefined;
  const limits: Record<string, string> = {};
  if (resources.cpus !== undefined) limits.cpu = String(resources.cpus);
  if (resources.memoryBytes !== undefined) limits.memory = String(resources.memoryBytes);
  if (resources.gpus === 'all') throw new UsageError("gpus 'all': a cluster needs a number of GPUs (e.g. 1)", { hint: { option: 'gpus' } });
  if (resources.gpus !== undefined && resources.gpus > 0) limits[gpuResource] = String(resources.gpus);
  return Object.keys(limits).length ? limits : undefined;
}

/**
 * The job's environment: store endpoint and credentials (by secretKeyRef, never inline),
 * the user's plain variables and secret references.
 */
export function runnerEnv(store: StoreSettings, options: Pick<ClusterOptions, 'storeSecret' | 'secretEnv'>, env: Record<string, string> | undefined): V1EnvVar[] {
  const out: V1EnvVar[] = [];
  const endpoint = store.jobEndpoint ?? store.endpoint;
  if (endpoint) out.push({ name: 'NBRUN_S3_ENDPOINT', value: endpoint });
  if (store.region) out.push({ name: 'AWS_REGION', value: store.region });
  if (options.storeSecret) {
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      out.push({ name: key, valueFrom: { secretKeyRef: { name: options.storeSecret, key } } });
    }
  }
  for (const [name, value] of Object.entries(env ?? {})) out.push({ name, value });
  for (const s of options.secretEnv ?? []) out.push({ name: s.name, valueFrom: { secretKeyRef: { name: s.secret, key: s.key } } });
  return out;
}

/**
 * The runner's container.
 * @example runnerContainer('nbrun', 'ghcr.io/me/nbrun:1', locations, settings, options, request)
 */
export function runnerContainer(
  name: string,
  image: string,
  locations: JobLocations,
  options: ClusterOptions,
  request: { env?: Record<string, string>; resources?: Resources },
): V1Container {
  const container: V1Container = {
    name,
    image,
    // Without --runner-command the image's ENTRYPOINT is the runner (as in examples/docker); args go to it.
    ...(options.runnerCommand ? { command: options.runnerCommand } : {}),
    args: ['--input', locations.input, '--results', locations.results],
    env: runnerEnv(options.store, options, request.env),
  };
  const limits = resourceLimits(request.resources, options.gpuResource);
  if (limits) container.resources = { limits };
  return container;
}

/** Pod-level placement: service account, node selector, tolerations, pull secrets. */
export function podPlacement(options: ClusterOptions): Partial<V1PodSpec> {
  const spec: Partial<V1PodSpec> = {};
  if (options.serviceAccount) spec.serviceAccountName = options.serviceAccount;
  if (options.nodeSelector) spec.nodeSelector = options.nodeSelector;
  if (options.tolerations) spec.tolerations = options.tolerations;
  if (options.imagePullSecrets) spec.imagePullSecrets = options.imagePullSecrets.map((name) => ({ name }));
  return spec;
}
