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
import { resolveEntryPath } from '../bundle/paths.js';
import { listFiles, prepareJob, readRunnerStatus, sleep } from '../job.js';
import { PlatformDriver } from '../platform/driver.js';
import { unlessNotFound } from '../platform/not-found.js';
import { findRunnerDist } from '../runner-location.js';
import { openStoreOf, STORE_OPTION_SPECS, parseStoreSettings, type StoreSettings } from '../store/options.js';
import { parseS3Url } from '@nbrun/runner';
import type { DriverOptionSpec, JobHandle, JobRecord, JobResult, LogsOptions, RawDriverOptions, SubmitRequest } from '../types.js';
import { ClusterJobHandle, type ClusterBackend, type PlatformState } from '../kubernetes/handle.js';
import { integerFlag, textFlag } from '../kubernetes/options.js';
import { FfdlClient, type FfdlStatus } from './client.js';
import { buildManifest, modelDefinitionZip } from './manifest.js';
import { FFDL_ENV, ffdlOptionsSchema } from './schema.js';

export { FFDL_ENV } from './schema.js';

/** Options of the ffdl driver. */
export interface FfdlDriverOptions {
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

const OPTION_SPECS: readonly DriverOptionSpec[] = [
  { name: 'ffdl-host', arity: 1, valueName: 'URL', description: `FfDL REST API URL (default $${FFDL_ENV.host})` },
  { name: 'ffdl-user', arity: 1, valueName: 'USER', description: `FfDL user (bluemix-instance-id; default $${FFDL_ENV.user})` },
  { name: 'ffdl-password-env', arity: 1, valueName: 'NAME', description: `env var holding the FfDL password (default ${FFDL_ENV.password})` },
  { name: 'framework', arity: 1, valueName: 'NAME:VERSION', description: "learner framework and version (default tensorflow:1.15.0-py3; its image must have node and a Jupyter kernel)" },
  { name: 'learners', arity: 1, valueName: 'N', description: 'learners (default 1)' },
  { name: 'results-bucket', arity: 1, valueName: 'BUCKET', description: "bucket receiving $RESULT_DIR (default --store's bucket)" },
  { name: 'results-from', arity: 1, valueName: 'bucket|api', description: 'fetch results from the results bucket (default) or GET …/trained_model' },
  ...STORE_OPTION_SPECS,
];

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
      const done = !options.follow || ['succeeded', 'failed', 'cancelled'].includes((await this.readPlatformState()).state);
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
      const path = resolveEntryPath(dest, name);
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
 * const options = driver.parseOptions({ 'ffdl-host': 'http://ffdl:30005', 'ffdl-user': 'test-user', store: 's3://training-data', 's3-endpoint': 'http://s3.default.svc:80' });
 * const job = await driver.submit({ notebook: 'train.ipynb', resources: { gpus: 1 } }, options);
 */
export class FfdlDriver extends PlatformDriver<FfdlDriverOptions, FfdlJobHandle> {
  readonly name = 'ffdl';
  readonly description = 'a training on FfDL (manifest + model_definition zip, results through an S3 bucket)';
  readonly optionSpecs = OPTION_SPECS;
  readonly optionsSchema = ffdlOptionsSchema;

  parseOptions(raw: RawDriverOptions): FfdlDriverOptions {
    const host = textFlag(raw, 'ffdl-host') ?? this.env[FFDL_ENV.host];
    if (!host) throw new UsageError(`--driver ffdl needs --ffdl-host URL (or $${FFDL_ENV.host})`);
    if (!/^https?:\/\/[^\s]+$/.test(host)) throw new UsageError(`--ffdl-host '${host}': expected an http(s):// URL`);
    const user = textFlag(raw, 'ffdl-user') ?? this.env[FFDL_ENV.user];
    if (!user) throw new UsageError(`--driver ffdl needs --ffdl-user USER (or $${FFDL_ENV.user})`);
    const passwordEnv = textFlag(raw, 'ffdl-password-env') ?? FFDL_ENV.password;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordEnv)) throw new UsageError(`--ffdl-password-env '${passwordEnv}': not an environment variable name`);
    const fw = textFlag(raw, 'framework') ?? 'tensorflow:1.15.0-py3';
    const colon = fw.indexOf(':');
    if (colon <= 0 || colon === fw.length - 1) throw new UsageError(`--framework '${fw}': expected NAME:VERSION, e.g. tensorflow:1.15.0-py3`);
    const resultsFrom = textFlag(raw, 'results-from') ?? 'bucket';
    if (resultsFrom !== 'bucket' && resultsFrom !== 'api') throw new UsageError(`--results-from '${resultsFrom}': expected bucket or api`);
    const options: FfdlDriverOptions = {
      host,
      user,
      passwordEnv,
      store: parseStoreSettings(raw, this.env, this.name),
      framework: { name: fw.slice(0, colon), version: fw.slice(colon + 1) },
      learners: integerFlag(raw, 'learners', 1) ?? 1,
      resultsFrom,
      includeRunner: true,
    };
    const resultsBucket = textFlag(raw, 'results-bucket');
    if (resultsBucket) options.resultsBucket = resultsBucket;
    return options;
  }

  async submit(request: SubmitRequest, options?: FfdlDriverOptions): Promise<JobHandle> {
    if (!options) options = this.parseOptions({});
    if (request.image) throw new UsageError('--image does not apply to --driver ffdl: the learner image comes from --framework');
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
      if (!endpoint) throw new UsageError('--driver ffdl needs --s3-endpoint (or --job-s3-endpoint): the data store\'s auth_url');
      const manifest = buildManifest({
        name: prepared.id,
        description: `nbrun: ${prepared.bundle.notebookEntry}`,
        resources: request.resources,
        learners: options.learners,
        framework: options.framework,
        store: { authUrl: endpoint, userName: creds.accessKeyId, password: creds.secretAccessKey, trainingDataBucket: trainingBucket, resultsBucket },
      });
      const zip = modelDefinitionZip(prepared.bundle.zip, prepared.bundle.runnerEntry);
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
