/**
 * The `kubernetes` driver: a batch/v1 Job through `@kubernetes/client-node`. The bundle
 * goes to the store (`<store>/<id>/bundle.zip`); the Job's one container runs the runner
 * with `--input` and `--results` pointing there; the store's credentials reach the pod by
 * `secretKeyRef`. Status comes from the Job's conditions, logs from its newest pod
 * (label `batch.kubernetes.io/job-name`), cancel deletes it with `propagationPolicy=Background`.
 */
import { BatchV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { DEFAULT_DOCKER_IMAGE } from '../../job/runner-image.js';
import { PlatformDriver } from '../../job/platform-driver.js';
import { checkOptions } from '../../options/schema.js';
import type { JobHandle, JobRecord, SubmitRequest } from '../../types.js';
import { contextNamespace, loadKubeConfig } from '../../cluster/config.js';
import { once } from '../../http/api-errors.js';
import { KubeObjectJobHandle, type KubeObjectBackend, type PlatformState } from '../../cluster/handle.js';
import { buildJobManifest, JOB_CONTAINER_NAME, JOB_NAME_LABEL, type JobSettings } from './manifest.js';
import { applyRunLimits, resolveClusterOptions, type ClusterOptions } from '../../cluster/options.js';
import type { PodRef } from '../../cluster/pod-logs.js';
import { clusterBackend, refuseIncludedRunner, stageClusterJob, uploadBundleThen } from '../../cluster/submit.js';
import { kubernetesOptionsSchema, type KubernetesDriverOptions } from './schema.js';

/** The kubernetes driver's options once the environment filled them in. */
export interface KubernetesSettings extends ClusterOptions, JobSettings {}

/** The platform state a Job's status means. */
export function jobState(job: V1Job): PlatformState {
  const s = job.status ?? {};
  const conditions = s.conditions ?? [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const startedAt = s.startTime ? new Date(s.startTime).toISOString() : undefined;
  const complete = isTrue('Complete');
  if (complete) return { state: 'succeeded', exitCode: 0, startedAt, finishedAt: s.completionTime ? new Date(s.completionTime).toISOString() : undefined };
  const failed = isTrue('Failed');
  if (failed) {
    const why = failed.reason === 'DeadlineExceeded' ? 'the Job ran past its activeDeadline' : [failed.reason, failed.message].filter(Boolean).join(': ');
    return { state: 'failed', message: why || 'the Job failed', startedAt, finishedAt: failed.lastTransitionTime ? new Date(failed.lastTransitionTime).toISOString() : undefined };
  }
  if ((s.active ?? 0) > 0) return { state: s.ready === 0 ? 'pending' : 'running', startedAt };
  return { state: 'pending', startedAt };
}

class KubernetesJobHandle extends KubeObjectJobHandle<V1Job> {
  readonly driver = 'kubernetes';
  protected readonly kind = 'Job';
  protected readonly podLabel = JOB_NAME_LABEL;
  protected readonly logContainer = JOB_CONTAINER_NAME;

  protected fetchObject(kc: KubeConfig): Promise<V1Job> {
    return kc.makeApiClient(BatchV1Api).readNamespacedJobStatus({ name: this.backend.name, namespace: this.backend.namespace });
  }

  protected deleteObject(kc: KubeConfig): Promise<unknown> {
    // Without Background propagation the Job's pods would be orphaned and keep running.
    return kc.makeApiClient(BatchV1Api).deleteNamespacedJob({ name: this.backend.name, namespace: this.backend.namespace, propagationPolicy: 'Background' });
  }

  protected stateOf(job: V1Job): PlatformState {
    return jobState(job);
  }

  protected override async readPlatformState(): Promise<PlatformState> {
    const state = await super.readPlatformState();
    if (state.state === 'failed') {
      const pod = await this.newestPod();
      if (pod?.exitCode !== undefined) state.exitCode = pod.exitCode;
    }
    return state;
  }

  /** The Job's newest pod (a retried Job has several). */
  private async newestPod(): Promise<(PodRef & { exitCode?: number }) | undefined> {
    const pods = [...(await this.listPods())].sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')));
    const pod = pods[0];
    if (!pod?.metadata?.name) return undefined;
    const terminated = pod.status?.containerStatuses?.find((c) => c.name === JOB_CONTAINER_NAME)?.state?.terminated;
    return { name: pod.metadata.name, phase: pod.status?.phase, exitCode: terminated?.exitCode };
  }

  protected logPod(): Promise<PodRef | undefined> {
    return this.newestPod();
  }

  protected async stopOnPlatform(graceSeconds: number): Promise<void> {
    await this.deleteOnPlatform();
    // The Job is gone at once; its pods get SIGTERM and go after the runner saved its partial notebook.
    await this.waitWhile(() => this.newestPod(), graceSeconds);
  }
}

/**
 * Runs notebooks as Kubernetes batch/v1 Jobs.
 *
 * @example
 * const driver = new KubernetesDriver({ jobs: new JobRegistry(), env: process.env });
 * const options = { store: 's3://jobs/nbrun', s3Endpoint: 'http://minio:9000', storeSecret: 's3-creds' };
 * const job = await driver.submit({ notebook: 'train.ipynb', image: 'ghcr.io/me/nbrun:1', resources: { gpus: 1 } }, options);
 * await job.wait();
 */
export class KubernetesDriver extends PlatformDriver<KubernetesDriverOptions, KubernetesJobHandle> {
  readonly name = 'kubernetes';
  readonly description = 'a batch/v1 Job on a Kubernetes cluster (bundle and results through an S3 store)';
  readonly optionsSchema = kubernetesOptionsSchema;

  /** The options checked against the schema, with the environment's defaults filled in. */
  resolveOptions(input: KubernetesDriverOptions = {}): KubernetesSettings {
    const options = checkOptions(this.name, this.optionsSchema, input) as KubernetesDriverOptions;
    const settings: KubernetesSettings = resolveClusterOptions(options, this.env, this.name);
    applyRunLimits(options, settings);
    return settings;
  }

  async submit(request: SubmitRequest, input?: KubernetesDriverOptions): Promise<JobHandle> {
    const options = this.resolveOptions(input);
    refuseIncludedRunner(request, this.name);
    const kc = loadKubeConfig(options, this.env);
    const namespace = options.namespace ?? contextNamespace(kc);
    const staged = await stageClusterJob(request, options, this.jobs, this.env);
    const { prepared, keys, store } = staged;
    const locations = { input: store.urlOf(keys.bundle), results: store.urlOf(keys.results) };
    const manifest = buildJobManifest({
      id: prepared.id,
      namespace,
      notebook: prepared.bundle.notebookEntry,
      image: request.image ?? DEFAULT_DOCKER_IMAGE,
      locations,
      options,
      request,
      settings: options,
    });
    await uploadBundleThen(staged, () => {
      const batch = kc.makeApiClient(BatchV1Api);
      return once(() => batch.createNamespacedJob({ namespace, body: manifest }), this.name, `creating Job ${prepared.id} in namespace ${namespace}`);
    });
    const backend: KubeObjectBackend = { ...clusterBackend(staged, options, namespace), name: prepared.id };
    return this.saveJob(prepared, backend);
  }

  protected handleFor(record: JobRecord): KubernetesJobHandle {
    return new KubernetesJobHandle(record, this.jobs, this.env);
  }
}
