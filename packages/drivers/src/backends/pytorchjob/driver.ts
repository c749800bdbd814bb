/**
 * The `pytorchjob` driver: a Kubeflow Training Operator PyTorchJob (`kubeflow.org/v1`)
 * through the Kubernetes custom objects API, for distributed training. Exactly one
 * Master (it runs the notebook and writes the results) and optional Workers (they run
 * the same notebook with their own RANK and write to `<id>/workers`); the container is
 * named `pytorch`, as the operator's webhook requires. Status from the job's conditions
 * (Succeeded/Failed), logs from the Master pod (label `training.kubeflow.org/job-name`).
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_DOCKER_IMAGE } from '../../job/runner-image.js';
import { PlatformDriver } from '../../job/platform-driver.js';
import { checkOptions } from '../../options/schema.js';
import type { JobHandle, JobRecord, SubmitRequest } from '../../types.js';
import { contextNamespace, loadKubeConfig } from '../../cluster/config.js';
import { once } from '../../http/api-errors.js';
import { KubeObjectJobHandle, type KubeObjectBackend, type PlatformState } from '../../cluster/handle.js';
import { NBRUN_LABELS, podPlacement, runnerContainer } from '../../cluster/pod.js';
import { applyRunLimits, resolveClusterOptions, type ClusterOptions } from '../../cluster/options.js';
import type { PodRef } from '../../cluster/pod-logs.js';
import { clusterBackend, refuseIncludedRunner, stageClusterJob, uploadBundleThen } from '../../cluster/submit.js';
import { pytorchjobOptionsSchema, type PyTorchJobDriverOptions } from './schema.js';

/** The custom resource. */
export const PYTORCHJOB = { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs' } as const;
/** The container name the Training Operator requires. */
export const PYTORCH_CONTAINER = 'pytorch';
/** Label of a PyTorchJob's pods. */
export const PYTORCHJOB_NAME_LABEL = 'training.kubeflow.org/job-name';

/** The pytorchjob driver's options once the environment filled them in. */
export interface PyTorchJobSettings extends ClusterOptions {
  /** Worker replicas besides the Master; default 0. */
  workers?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  /** runPolicy.cleanPodPolicy: which pods go when the job ends (default None: kept for logs). */
  cleanPodPolicy?: 'None' | 'Running' | 'All';
}

type Json = Record<string, unknown>;

/** The platform state a PyTorchJob's conditions mean (the last True one wins). */
export function pytorchJobState(job: Json): PlatformState {
  const status = (job.status ?? {}) as { conditions?: { type: string; status: string; reason?: string; message?: string }[]; startTime?: string; completionTime?: string };
  const active = (status.conditions ?? []).filter((c) => c.status === 'True');
  const last = active.at(-1);
  const base = { startedAt: status.startTime, finishedAt: status.completionTime };
  switch (last?.type) {
    case 'Succeeded':
      return { ...base, state: 'succeeded', exitCode: 0 };
    case 'Failed':
      return { ...base, state: 'failed', message: last.message ?? last.reason };
    case 'Running':
    case 'Restarting':
      return { ...base, state: 'running' };
    default:
      return { ...base, state: 'pending' };
  }
}

class PyTorchJobHandle extends KubeObjectJobHandle<Json> {
  readonly driver = 'pytorchjob';
  protected readonly kind = 'PyTorchJob';
  protected readonly podLabel = PYTORCHJOB_NAME_LABEL;
  protected readonly logContainer = PYTORCH_CONTAINER;

  protected async fetchObject(kc: KubeConfig): Promise<Json> {
    const api = kc.makeApiClient(CustomObjectsApi);
    return (await api.getNamespacedCustomObjectStatus({ ...PYTORCHJOB, namespace: this.backend.namespace, name: this.backend.name })) as Json;
  }

  protected deleteObject(kc: KubeConfig): Promise<unknown> {
    const api = kc.makeApiClient(CustomObjectsApi);
    return api.deleteNamespacedCustomObject({ ...PYTORCHJOB, namespace: this.backend.namespace, name: this.backend.name, propagationPolicy: 'Background' });
  }

  protected stateOf(job: Json): PlatformState {
    return pytorchJobState(job);
  }

  protected async logPod(): Promise<PodRef | undefined> {
    const pod = (await this.listPods()).find((p) => p.metadata?.labels?.['training.kubeflow.org/replica-type'] === 'master');
    return pod?.metadata?.name ? { name: pod.metadata.name, phase: pod.status?.phase } : undefined;
  }

  protected async stopOnPlatform(graceSeconds: number): Promise<void> {
    await this.deleteOnPlatform();
    // Deleting the PyTorchJob deletes its pods (owner references); wait until they are gone.
    await this.waitWhile(async () => (await this.listPods()).length, graceSeconds);
  }
}

/**
 * Runs notebooks as Training Operator PyTorchJobs.
 *
 * @example
 * const driver = new PyTorchJobDriver({ jobs: new JobRegistry(), env: process.env });
 * const options = { store: 's3://jobs/nbrun', workers: 1, storeSecret: 's3-creds' };
 * const job = await driver.submit({ notebook: 'ddp.ipynb', image: 'ghcr.io/me/nbrun-torch:1', resources: { gpus: 1 } }, options);
 */
export class PyTorchJobDriver extends PlatformDriver<PyTorchJobDriverOptions, PyTorchJobHandle> {
  readonly name = 'pytorchjob';
  readonly description = 'a Kubeflow Training Operator PyTorchJob (one Master, optional Workers)';
  readonly optionsSchema = pytorchjobOptionsSchema;

  /** The options checked against the schema, with the environment's defaults filled in. */
  resolveOptions(input: PyTorchJobDriverOptions = {}): PyTorchJobSettings {
    const options = checkOptions(this.name, this.optionsSchema, input) as PyTorchJobDriverOptions;
    const settings: PyTorchJobSettings = resolveClusterOptions(options, this.env, this.name);
    if (options.workers !== undefined) settings.workers = options.workers;
    applyRunLimits(options, settings);
    if (options.cleanPodPolicy !== undefined) settings.cleanPodPolicy = options.cleanPodPolicy;
    return settings;
  }

  /**
   * The PyTorchJob object for a job.
   * @example const body = driver.buildManifest('ddp-1', 'ml', image, locations, options, request)
   */
  buildManifest(id: string, namespace: string, image: string, locations: { input: string; results: string; workerResults: string }, options: PyTorchJobSettings, request: SubmitRequest): Json {
    const labels = { [NBRUN_LABELS.app]: 'nbrun', [NBRUN_LABELS.job]: id };
    const replica = (results: string, replicas: number) => ({
      replicas,
      restartPolicy: 'Never',
      template: {
        metadata: { labels },
        spec: {
          containers: [runnerContainer(PYTORCH_CONTAINER, image, { input: locations.input, results }, options, request)],
          ...podPlacement(options),
        },
      },
    });
    const specs: Json = { Master: replica(locations.results, 1) };
    if (options.workers) specs.Worker = replica(locations.workerResults, options.workers);
    const runPolicy: Json = { backoffLimit: options.backoffLimit ?? 0, cleanPodPolicy: options.cleanPodPolicy ?? 'None' };
    if (options.activeDeadlineSeconds !== undefined) runPolicy.activeDeadlineSeconds = options.activeDeadlineSeconds;
    if (options.ttlSecondsAfterFinished !== undefined) runPolicy.ttlSecondsAfterFinished = options.ttlSecondsAfterFinished;
    return {
      apiVersion: `${PYTORCHJOB.group}/${PYTORCHJOB.version}`,
      kind: 'PyTorchJob',
      metadata: { name: id, namespace, labels },
      spec: { runPolicy, pytorchReplicaSpecs: specs },
    };
  }

  async submit(request: SubmitRequest, input?: PyTorchJobDriverOptions): Promise<JobHandle> {
    const options = this.resolveOptions(input);
    refuseIncludedRunner(request, this.name);
    const kc = loadKubeConfig(options, this.env);
    const namespace = options.namespace ?? contextNamespace(kc);
    const staged = await stageClusterJob(request, options, this.jobs, this.env);
    const { prepared, keys, store } = staged;
    const body = this.buildManifest(
      prepared.id,
      namespace,
      request.image ?? DEFAULT_DOCKER_IMAGE,
      { input: store.urlOf(keys.bundle), results: store.urlOf(keys.results), workerResults: store.urlOf(`${prepared.id}/workers`) },
      options,
      request,
    );
    await uploadBundleThen(staged, () => {
      const api = kc.makeApiClient(CustomObjectsApi);
      return once(() => api.createNamespacedCustomObject({ ...PYTORCHJOB, namespace, body }), this.name, `creating PyTorchJob ${prepared.id} in namespace ${namespace}`);
    });
    const backend: KubeObjectBackend = { ...clusterBackend(staged, options, namespace), name: prepared.id };
    return this.saveJob(prepared, backend);
  }

  protected handleFor(record: JobRecord): PyTorchJobHandle {
    return new PyTorchJobHandle(record, this.jobs, this.env);
  }
}
