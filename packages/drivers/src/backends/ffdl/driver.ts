/**
 * The `ffdl` driver: a training on FfDL (Fabric for Deep Learning) through its REST API.
 * The bundle (with the runner) becomes the `model_definition` zip, with a start script
 * that runs it; the manifest names one S3 data store whose results bucket receives
 * `$RESULT_DIR` under `<training id>/`. Status from `training.training_status.status`,
 * logs from the loglines endpoint, cancel by halt (`PATCH /v1/models/{id}`), results
 * from the results bucket (or `GET /v1/models/{id}/trained_model`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { UsageError } from '@nbrun/core';
import { resolveEntryPath } from '../../bundle/paths.js';
import { prepareJob } from '../../job/prepare.js';
import { readRunnerStatus } from '../../job/runner-status.js';
import { sleep } from '../../job/wait.js';
import { listFiles } from '../../job/files.js';
import { PlatformDriver } from '../../job/platform-driver.js';
import { unlessNotFound } from '../../http/not-found.js';
import { findRunnerDist } from '../../job/runner-location.js';
import { openStoreOf, resolveStoreSettings, type StoreSettings } from '../../store/options.js';
import { parseS3Url } from '@nbrun/runner/contract';
import { checkOptions } from '../../options/schema.js';
import { isTerminalState, type JobHandle, type JobRecord, type JobResult, type LogsOptions, type SubmitRequest } from '../../types.js';
import { ClusterJobHandle, type ClusterBackend, type PlatformState } from '../../cluster/handle.js';
import { FfdlClient, type FfdlStatus } from './client.js';
import { buildManifest, modelDefinitionZip } from './manifest.js';
import { DEFAULT_FFDL_FRAMEWORK, FFDL_ENV, ffdlOptionsSchema, type FfdlDriverOptions } from './schema.js';

export { FFDL_ENV } from './schema.js';

/** The ffdl driver's options once the environment filled them in. */
export interface FfdlSettings {
  host: string;
  user: string;
  /** Name of the environment variable holding the basic-auth password. */
  passwordEnv: string;
  /** The store: the training-data bucket is its bucket. */
  store: StoreSettings;
  /** Bucket receiving `$RESULT_DIR` (default the store's bucket). */
  resultsBucket?: string;
  framework: { name: string; version: string };
  learners: number;
  /** Where results come from: the results bucket (default) or FfDL's trained_model ZIP. */
  resultsFrom: 'bucket' | 'api';
  /** Put the built runner in the model_definition (default true). */
  includeRunner: boolean;
}

interface FfdlBackend extends ClusterBackend {
  host: string;
  user: string;
  passwordEnv: string;
  modelId: string;
  resultsFrom: 'bucket' | 'api';
}

/** What an FfDL training status means for nbrun. */
export function ffdlState(status: FfdlStatus | undefined): PlatformState['state'] {
  switch (status) {
    case 'COMPLETED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'HALTED':
      return 'cancelled';
    case 'DOWNLOADING':
    case 'PROCESSING':
    case 'STORING':
      return 'running';
    default:
      return 'pending';
  }
}

function client(host: string, user: string, passwordEnv: string, env: NodeJS.ProcessEnv): FfdlClient {
  return new FfdlClient(host, user, env[passwordEnv]);
}

class FfdlJobHandle extends ClusterJobHandle {
  readonly driver = 'ffdl';

  private get backend(): FfdlBackend {
    return this.record.backend as unknown as FfdlBackend;
  }
  private get ffdl(): FfdlClient {
    return client(this.backend.host, this.backend.user, this.backend.passwordEnv, this.env);
  }
  protected override get storeRoot(): string {
    return this.backend.modelId;
  }

  protected async readPlatformState(): Promise<PlatformState> {
    let model;
    try {
      model = await this.ffdl.getModel(this.backend.modelId);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return { state: 'unknown', gone: true };
      throw err;
    }
    const s = model.training?.training_status;
    const state = ffdlState(s?.status);
    const out: PlatformState = { state };
    if (s?.submitted) out.startedAt = s.submitted;
    if (s?.completed) out.finishedAt = s.completed;
    if (state === 'failed') out.message = [s?.error_code, s?.status_message].filter(Boolean).join(': ') || undefined;
    if (state === 'succeeded') out.exitCode = 0;
    return out;
  }

  async *logs(options: LogsOptions = {}): AsyncIterable<string> {
    let next = 0;
    for (;;) {
      // The state first, so lines written just before the end are still read.
      const done = !options.follow || isTerminalState((await this.readPlatformState()).state);
      const lines = await this.ffdl.logLines(this.backend.modelId, next);
      for (const l of lines) {
        const index = Number(l.meta?.rindex ?? next);
        if (index < next) continue; // a server counting from 1 repeats the last line
        next = index + 1;
        yield (l.line ?? '').replace(/\n$/, '');
      }
      if (lines.length) continue;
      if (done || options.signal?.aborted) return;
      await sleep(500, options.signal);
    }
  }

  override async result(dest: string): Promise<JobResult> {
    if (this.backend.resultsFrom === 'bucket') return super.result(dest);
    const status = await this.status();
    const zip = await this.ffdl.trainedModel(this.backend.modelId);
    await mkdir(dest, { recursive: true });
    for (const [name, data] of Object.entries(unzipSync(zip))) {
      if (name.endsWith('/')) continue;
      const path = resolveEntryPath(dest, name, 'FfDL trained model zip');
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data);
    }
    const dir = resolve(dest);
    const files = await listFiles(dir);
    return { dir, files, status, runnerStatus: await readRunnerStatus(dir), notebook: files.includes(this.record.output) ? join(dir, this.record.output) : undefined };
  }

  protected async stopOnPlatform(): Promise<void> {
    await this.ffdl.haltModel(this.backend.modelId);
  }

  protected async deleteOnPlatform(): Promise<void> {
    await unlessNotFound(this.ffdl.deleteModel(this.backend.modelId));
  }
}

/**
 * Runs notebooks as FfDL trainings.
 *
 * @example
 * const driver = new FfdlDriver({ jobs: new JobRegistry(), env: process.env });
 * const options = { ffdlHost: 'http://ffdl:30005', ffdlUser: 'test-user', store: 's3://training-data', s3Endpoint: 'http://s3.default.svc:80' };
 * const job = await driver.submit({ notebook: 'train.ipynb', resources: { gpus: 1 } }, options);
 */
export class FfdlDriver extends PlatformDriver<FfdlDriverOptions, FfdlJobHandle> {
  readonly name = 'ffdl';
  readonly description = 'a training on FfDL (manifest + model_definition zip, results through an S3 bucket)';
  readonly optionsSchema = ffdlOptionsSchema;

  /** The options checked against the schema, with the environment's defaults filled in. */
  resolveOptions(input: FfdlDriverOptions = {}): FfdlSettings {
    const options = checkOptions(this.name, this.optionsSchema, input) as FfdlDriverOptions;
    const host = options.ffdlHost ?? this.env[FFDL_ENV.host];
    if (!host) throw new UsageError(`the ffdl driver needs ffdlHost URL (or $${FFDL_ENV.host})`, { hint: { option: 'ffdlHost' } });
    if (!/^https?:\/\/[^\s]+$/.test(host)) throw new UsageError(`ffdlHost '${host}' (or $${FFDL_ENV.host}): expected an http(s):// URL`, { hint: { option: 'ffdlHost' } });
    const user = options.ffdlUser ?? this.env[FFDL_ENV.user];
    if (!user) throw new UsageError(`the ffdl driver needs ffdlUser USER (or $${FFDL_ENV.user})`, { hint: { option: 'ffdlUser' } });
    const fw = options.framework ?? DEFAULT_FFDL_FRAMEWORK;
    const colon = fw.indexOf(':');
    const settings: FfdlSettings = {
      host,
      user,
      passwordEnv: options.ffdlPasswordEnv ?? FFDL_ENV.password,
      store: resolveStoreSettings(options, this.env, this.name),
      framework: { name: fw.slice(0, colon), version: fw.slice(colon + 1) },
      learners: options.learners ?? 1,
      resultsFrom: options.resultsFrom ?? 'bucket',
      includeRunner: true,
    };
    if (options.resultsBucket) settings.resultsBucket = options.resultsBucket;
    return settings;
  }

  async submit(request: SubmitRequest, input?: FfdlDriverOptions): Promise<JobHandle> {
    const options = this.resolveOptions(input);
    if (request.image) throw new UsageError('image does not apply to the ffdl driver (its framework option picks the learner)', { hint: { option: 'image' } });
    const runnerDist = findRunnerDist(this.env);
    const withRunner = options.includeRunner && runnerDist !== undefined;
    const prepared = await prepareJob({ ...request, includeRunner: withRunner }, { jobs: this.jobs, runnerDist });
    const trainingBucket = parseS3Url(options.store.url)!.bucket;
    const resultsBucket = options.resultsBucket ?? trainingBucket;
    const store = openStoreOf(options.store, this.env);
    let modelId: string;
    try {
      // FfDL wants the data store's keys in the manifest: resolved from the env or the profile, sent only to FfDL.
      const creds = await store.client.config.credentials();
      const endpoint = options.store.jobEndpoint ?? options.store.endpoint;
      if (!endpoint) throw new UsageError("the ffdl driver needs s3Endpoint (or jobS3Endpoint): the data store's auth_url", { hint: { option: 's3Endpoint' } });
      const manifest = buildManifest({
        name: prepared.id,
        description: `nbrun: ${prepared.bundle.notebookEntry}`,
        resources: request.resources,
        learners: options.learners,
        framework: options.framework,
        store: { authUrl: endpoint, userName: creds.accessKeyId, password: creds.secretAccessKey, trainingDataBucket: trainingBucket, resultsBucket },
      });
      const zip = await modelDefinitionZip(prepared.bundle);
      modelId = await client(options.host, options.user, options.passwordEnv, this.env).createModel(manifest, zip, prepared.id);
    } finally {
      store.close();
    }
    const backend: FfdlBackend = {
      host: options.host,
      user: options.user,
      passwordEnv: options.passwordEnv,
      modelId,
      resultsFrom: options.resultsFrom,
      // Results land in `<results bucket>/<training id>/`, outside the store's prefix.
      store: { ...options.store, url: `s3://${resultsBucket}` },
      bundleKey: '',
      resultsKey: modelId,
    };
    return this.saveJob(prepared, backend);
  }

  protected handleFor(record: JobRecord): FfdlJobHandle {
    return new FfdlJobHandle(record, this.jobs, this.env);
  }
}
