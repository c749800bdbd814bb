/**
 * The `kubeflow` driver: a Kubeflow Pipelines v2beta1 run of a one-step pipeline whose
 * container runs the runner on the bundle in the store. The spec goes inline
 * (`pipeline_spec`) or as an uploaded pipeline (`kfpUpload`). KFP has no log
 * endpoint: logs come from the pod named in `run_details.task_details[].pod_name`
 * through the Kubernetes pod-log API. Cancel is `POST /apis/v2beta1/runs/{id}:terminate`.
 */
import { UsageError } from '@nbrun/core';
import { DEFAULT_DOCKER_IMAGE } from '../../job/runner-image.js';
import { BackendError } from '../../errors.js';
import { PlatformDriver } from '../../job/platform-driver.js';
import { unlessNotFound } from '../../http/not-found.js';
import { checkOptions } from '../../options/schema.js';
import { isTerminalState, type JobHandle, type JobRecord, type LogsOptions, type SubmitRequest } from '../../types.js';
import { KubeJobHandle, type KubeBackend, type PlatformState } from '../../cluster/handle.js';
import { runnerEnv } from '../../cluster/pod.js';
import { resolveClusterOptions, type ClusterOptions } from '../../cluster/options.js';
import { jobPodLogLines } from '../../cluster/pod-logs.js';
import { clusterBackend, refuseIncludedRunner, stageClusterJob, uploadBundleThen } from '../../cluster/submit.js';
import { KfpClient, type KfpRun, type KfpRuntimeState } from './client.js';
import { buildPipeline, inlinePipelineSpec, KFP_TASK_NAME, pipelineYaml } from './pipeline-spec.js';
import { DEFAULT_KFP_NAMESPACE, DEFAULT_KFP_TOKEN_ENV, kubeflowOptionsSchema, type KubeflowDriverOptions } from './schema.js';

export { DEFAULT_KFP_TOKEN_ENV, DEFAULT_KFP_NAMESPACE } from './schema.js';
/** The executor pod's main container (Argo's name for it). */
export const KFP_MAIN_CONTAINER = 'main';

/** The kubeflow driver's options once the environment filled them in. */
export interface KubeflowSettings extends ClusterOptions {
  /** KFP API base URL. */
  host: string;
  /** Name of the environment variable holding the bearer token (the token itself is never stored). */
  tokenEnv: string;
  experimentId?: string;
  /** Upload the pipeline (`pipelines/upload`) and run it by reference, instead of an inline spec. */
  upload?: boolean;
}

interface KubeflowBackend extends KubeBackend {
  host: string;
  tokenEnv: string;
  runId: string;
  pipelineId?: string;
}

/** What a KFP run state means for nbrun. */
export function runState(state: KfpRuntimeState | undefined): PlatformState['state'] {
  switch (state) {
    case 'SUCCEEDED':
    case 'SKIPPED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'CANCELED':
      return 'cancelled';
    case 'RUNNING':
    case 'CANCELING':
    case 'PAUSED':
      return 'running';
    default:
      return 'pending';
  }
}

function kfpClient(host: string, tokenEnv: string, env: NodeJS.ProcessEnv): KfpClient {
  return new KfpClient(host, env[tokenEnv] || undefined);
}

class KubeflowJobHandle extends KubeJobHandle {
  readonly driver = 'kubeflow';

  private get backend(): KubeflowBackend {
    return this.record.backend as unknown as KubeflowBackend;
  }
  private get kfp(): KfpClient {
    return kfpClient(this.backend.host, this.backend.tokenEnv, this.env);
  }

  /** The run as the KFP API server has it. */
  readRun(): Promise<KfpRun> {
    return this.kfp.getRun(this.backend.runId);
  }

  protected async readPlatformState(): Promise<PlatformState> {
    let run: KfpRun;
    try {
      run = await this.readRun();
    } catch (err) {
      if ((err as BackendError).status === 404) return { state: 'unknown', gone: true };
      throw err;
    }
    const state = runState(run.state);
    const out: PlatformState = { state };
    if (run.created_at) out.startedAt = run.created_at;
    if (run.finished_at && !run.finished_at.startsWith('1970')) out.finishedAt = run.finished_at;
    if (state === 'failed' && run.error?.message) out.message = run.error.message;
    if (state === 'succeeded') out.exitCode = 0;
    return out;
  }

  /** The executor pod of the notebook task, once KFP has named it. */
  private async executorPod(): Promise<{ name: string; phase?: string } | undefined> {
    const tasks = (await this.readRun()).run_details?.task_details ?? [];
    const task = tasks.find((t) => t.display_name === KFP_TASK_NAME && t.pod_name) ?? tasks.filter((t) => t.pod_name).at(-1);
    if (!task?.pod_name) return undefined;
    return { name: task.pod_name, phase: task.state === 'PENDING' || task.state === 'RUNTIME_STATE_UNSPECIFIED' ? 'Pending' : 'Running' };
  }

  async *logs(options: LogsOptions = {}): AsyncIterable<string> {
    yield* jobPodLogLines(
      this.kc,
      this.backend.namespace,
      () => this.executorPod(),
      async () => isTerminalState(runState((await this.readRun()).state)),
      KFP_MAIN_CONTAINER,
      options,
    );
  }

  protected async stopOnPlatform(): Promise<void> {
    await this.kfp.terminateRun(this.backend.runId);
  }

  protected async deleteOnPlatform(): Promise<void> {
    await unlessNotFound(this.kfp.deleteRun(this.backend.runId));
  }
}

/**
 * Runs notebooks as Kubeflow Pipelines v2 runs.
 *
 * @example
 * const driver = new KubeflowDriver({ jobs: new JobRegistry(), env: process.env });
 * const options = { kfpHost: 'http://localhost:8888', store: 's3://mlpipeline/nbrun', s3Endpoint: 'http://minio-service.kubeflow:9000' };
 * const job = await driver.submit({ notebook: 'train.ipynb', image: 'ghcr.io/me/nbrun:1' }, options);
 */
export class KubeflowDriver extends PlatformDriver<KubeflowDriverOptions, KubeflowJobHandle> {
  readonly name = 'kubeflow';
  readonly description = 'a Kubeflow Pipelines v2 run of a one-step pipeline (bundle and results through an S3 store)';
  readonly optionsSchema = kubeflowOptionsSchema;

  /** The options checked against the schema, with the environment's defaults filled in. */
  resolveOptions(input: KubeflowDriverOptions = {}): KubeflowSettings {
    const options = checkOptions(this.name, this.optionsSchema, input) as KubeflowDriverOptions;
    const cluster = resolveClusterOptions(options, this.env, this.name);
    const host = options.kfpHost ?? this.env.KFP_HOST;
    const hint = { hint: { option: 'kfpHost' } };
    if (!host) throw new UsageError('the kubeflow driver needs kfpHost URL (or $KFP_HOST): the Kubeflow Pipelines API', hint);
    if (!/^https?:\/\/[^\s]+$/.test(host)) throw new UsageError(`kfpHost '${host}' (or $KFP_HOST): expected an http(s):// URL`, hint);
    const tokenEnv = options.kfpTokenEnv ?? DEFAULT_KFP_TOKEN_ENV;
    if (options.kfpTokenEnv !== undefined && !this.env[tokenEnv]) {
      throw new UsageError(`kfpTokenEnv ${tokenEnv}: the variable is not set`, { hint: { option: 'kfpTokenEnv' } });
    }
    const settings: KubeflowSettings = { ...cluster, host, tokenEnv };
    if (options.experimentId) settings.experimentId = options.experimentId;
    if (options.kfpUpload === true) settings.upload = true;
    return settings;
  }

  async submit(request: SubmitRequest, input?: KubeflowDriverOptions): Promise<JobHandle> {
    const options = this.resolveOptions(input);
    refuseIncludedRunner(request, this.name);
    const staged = await stageClusterJob(request, options, this.jobs, this.env);
    const { prepared, keys, store } = staged;
    const pipeline = buildPipeline({
      id: prepared.id,
      image: request.image ?? DEFAULT_DOCKER_IMAGE,
      command: options.runnerCommand ?? ['nbrun-runner'],
      args: ['--input', store.urlOf(keys.bundle), '--results', store.urlOf(keys.results)],
      env: runnerEnv(options.store, options, request.env),
      resources: request.resources,
      options,
    });
    const kfp = kfpClient(options.host, options.tokenEnv, this.env);
    const run: Record<string, unknown> = { display_name: prepared.id, description: `nbrun: ${prepared.bundle.notebookEntry}`, runtime_config: {} };
    if (options.experimentId) run.experiment_id = options.experimentId;
    if (options.serviceAccount) run.service_account = options.serviceAccount;
    let pipelineId: string | undefined;
    const created = await uploadBundleThen(staged, async () => {
      if (options.upload) {
        pipelineId = await kfp.uploadPipeline(`nbrun-${prepared.id}`, pipelineYaml(pipeline), `nbrun: ${prepared.bundle.notebookEntry}`);
        run.pipeline_version_reference = { pipeline_id: pipelineId };
      } else {
        run.pipeline_spec = inlinePipelineSpec(pipeline);
      }
      return kfp.createRun(run);
    });
    if (!created?.run_id) throw new BackendError('kubeflow', `the Kubeflow Pipelines API at ${options.host} answered without a run_id`);
    const backend: KubeflowBackend = {
      host: options.host,
      tokenEnv: options.tokenEnv,
      runId: created.run_id,
      ...clusterBackend(staged, options, options.namespace ?? DEFAULT_KFP_NAMESPACE),
      ...(pipelineId ? { pipelineId } : {}),
    };
    return this.saveJob(prepared, backend);
  }

  protected handleFor(record: JobRecord): KubeflowJobHandle {
    return new KubeflowJobHandle(record, this.jobs, this.env);
  }
}
