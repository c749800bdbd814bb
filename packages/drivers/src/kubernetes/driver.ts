/**
 * The `kubernetes` driver: a batch/v1 Job through `@kubernetes/client-node`. The bundle
 * goes to the store (`<store>/<id>/bundle.zip`); the Job's one container runs the runner
 * with `--input` and `--results` pointing there; the store's credentials reach the pod by
 * `secretKeyRef`. Status comes from the Job's conditions, logs from its newest pod
 * (label `batch.kubernetes.io/job-name`), cancel deletes it with `propagationPolicy=Background`.
 */
import { BatchV1Api, CoreV1Api, type V1Job } from '@kubernetes/client-node';
import { DEFAULT_DOCKER_IMAGE } from '../docker/driver.js';
import { PlatformDriver } from '../platform/driver.js';
import { unlessNotFound } from '../platform/not-found.js';
import type { DriverOptionSpec, JobHandle, JobRecord, LogsOptions, RawDriverOptions, SubmitRequest } from '../types.js';
import { contextNamespace, loadKubeConfig } from './config.js';
import { once, retrySafe } from './errors.js';
import { KubeJobHandle, type KubeBackend, type PlatformState } from './handle.js';
import { buildJobManifest, JOB_CONTAINER_NAME, JOB_NAME_LABEL, type JobSettings } from './manifest.js';
import { CLUSTER_OPTION_SPECS, integerFlag, parseClusterOptions, type ClusterOptions } from './options.js';
import { jobPodLogLines, type PodRef } from './pod-logs.js';
import { clusterBackend, refuseIncludedRunner, stageClusterJob, uploadBundleThen } from './submit.js';

/** Options of the kubernetes driver. */
export interface KubernetesDriverOptions extends ClusterOptions, JobSettings {}

/** What the kubernetes driver keeps in a job record's `backend`. */
interface KubernetesBackend extends KubeBackend {
  name: string;
}

const OPTION_SPECS: readonly DriverOptionSpec[] = [
  ...CLUSTER_OPTION_SPECS,
  { name: 'backoff-limit', arity: 1, valueName: 'N', description: 'pod retries before the Job fails (default 0)' },
  { name: 'active-deadline', arity: 1, valueName: 'SECONDS', description: 'activeDeadlineSeconds: the Job fails after this long' },
  { name: 'ttl-after-finished', arity: 1, valueName: 'SECONDS', description: 'ttlSecondsAfterFinished: the cluster deletes the finished Job' },
];

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
    const why = failed.reason === 'DeadlineExceeded' ? 'the Job ran past --active-deadline' : [failed.reason, failed.message].filter(Boolean).join(': ');
    return { state: 'failed', message: why || 'the Job failed', startedAt, finishedAt: failed.lastTransitionTime ? new Date(failed.lastTransitionTime).toISOString() : undefined };
  }
  if ((s.active ?? 0) > 0) return { state: s.ready === 0 ? 'pending' : 'running', startedAt };
  return { state: 'pending', startedAt };
}

class KubernetesJobHandle extends KubeJobHandle {
  readonly driver = 'kubernetes';

  private get backend(): KubernetesBackend {
    return this.record.backend as unknown as KubernetesBackend;
  }
  private get where(): string {
    return `Job ${this.backend.name} in namespace ${this.backend.namespace}`;
  }

  /** The Job as the API server has it, or undefined once deleted. */
  async readJob(): Promise<V1Job | undefined> {
    const batch = this.kc.makeApiClient(BatchV1Api);
    return unlessNotFound(retrySafe(() => batch.readNamespacedJobStatus({ name: this.backend.name, namespace: this.backend.namespace }), this.driver, `reading ${this.where}`));
  }

  protected async readPlatformState(): Promise<PlatformState> {
    const job = await this.readJob();
    if (!job) return { state: 'unknown', gone: true };
    const state = jobState(job);
    if (state.state === 'failed') {
      const pod = await this.newestPod();
      if (pod?.exitCode !== undefined) state.exitCode = pod.exitCode;
    }
    return state;
  }

  /** The Job's newest pod (a retried Job has several). */
  private async newestPod(): Promise<(PodRef & { exitCode?: number }) | undefined> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const list = await retrySafe(
      () => core.listNamespacedPod({ namespace: this.backend.namespace, labelSelector: `${JOB_NAME_LABEL}=${this.backend.name}` }),
      this.driver,
      `listing the pods of ${this.where}`,
    );
    const pods = [...list.items].sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')));
    const pod = pods[0];
    if (!pod?.metadata?.name) return undefined;
    const terminated = pod.status?.containerStatuses?.find((c) => c.name === JOB_CONTAINER_NAME)?.state?.terminated;
    return { name: pod.metadata.name, phase: pod.status?.phase, exitCode: terminated?.exitCode };
  }

  async *logs(options: LogsOptions = {}): AsyncIterable<string> {
    yield* jobPodLogLines(
      this.kc,
      this.backend.namespace,
      () => this.newestPod(),
      async () => {
        const job = await this.readJob();
        return !job || ['succeeded', 'failed'].includes(jobState(job).state);
      },
      JOB_CONTAINER_NAME,
      options,
    );
  }

  protected async stopOnPlatform(graceSeconds: number): Promise<void> {
    await this.deleteOnPlatform();
    // The Job is gone at once; its pods get SIGTERM and go after the runner saved its partial notebook.
    await this.waitWhile(() => this.newestPod(), graceSeconds);
  }

  protected async deleteOnPlatform(): Promise<void> {
    const batch = this.kc.makeApiClient(BatchV1Api);
    // Without Background propagation the Job's pods would be orphaned and keep running.
    await unlessNotFound(
      once(
        () => batch.deleteNamespacedJob({ name: this.backend.name, namespace: this.backend.namespace, propagationPolicy: 'Background' }),
        this.driver,
        `deleting ${this.where}`,
      ),
    );
  }
}

/**
 * Runs notebooks as Kubernetes batch/v1 Jobs.
 *
 * @example
 * const driver = new KubernetesDriver({ jobs: new JobRegistry(), env: process.env });
 * const options = driver.parseOptions({ store: 's3://jobs/nbrun', 's3-endpoint': 'http://minio:9000', 'store-secret': 's3-creds' });
 * const job = await driver.submit({ notebook: 'train.ipynb', image: 'ghcr.io/me/nbrun:1', resources: { gpus: 1 } }, options);
 * await job.wait();
 */
export class KubernetesDriver extends PlatformDriver<KubernetesDriverOptions, KubernetesJobHandle> {
  readonly name = 'kubernetes';
  readonly description = 'a batch/v1 Job on a Kubernetes cluster (bundle and results through an S3 store)';
  readonly optionSpecs = OPTION_SPECS;

  parseOptions(raw: RawDriverOptions): KubernetesDriverOptions {
    const options: KubernetesDriverOptions = parseClusterOptions(raw, this.env, this.name);
    const backoff = integerFlag(raw, 'backoff-limit');
    if (backoff !== undefined) options.backoffLimit = backoff;
    const deadline = integerFlag(raw, 'active-deadline', 1);
    if (deadline !== undefined) options.activeDeadlineSeconds = deadline;
    const ttl = integerFlag(raw, 'ttl-after-finished');
    if (ttl !== undefined) options.ttlSecondsAfterFinished = ttl;
    return options;
  }

  async submit(request: SubmitRequest, options?: KubernetesDriverOptions): Promise<JobHandle> {
    if (!options) options = this.parseOptions({});
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
    const backend: KubernetesBackend = { ...clusterBackend(staged, options, namespace), name: prepared.id };
    return this.saveJob(prepared, backend);
  }

  protected handleFor(record: JobRecord): KubernetesJobHandle {
    return new KubernetesJobHandle(record, this.jobs, this.env);
  }
}
