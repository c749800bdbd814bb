/**
 * The `docker` driver: a container on a Docker engine, through the Engine API (engine.ts on
 * node:http, `DOCKER_HOST` honoured). The bundle goes in by archive upload (so a remote engine works
 * too): create the container, `PUT` the tar to `/nbrun/job`, start. The runner finds its
 * spec through `MODEL_DIR=/nbrun/job` and writes to `RESULT_DIR=/nbrun/results`, which
 * comes back by archive download. Cancel is `docker stop` (SIGTERM, then SIGKILL after
 * the grace period); finished containers are removed once their results are fetched.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { UsageError } from '@nbrun/core';
import { STATUS_FILE_NAME } from '@nbrun/runner/contract';
import { BackendError } from '../../errors.js';
import { prepareJob, type PreparedJob } from '../../job/prepare.js';
import { failureMessage, readRunnerStatus, stateFromRunner } from '../../job/runner-status.js';
import { pollUntilTerminal, sleep } from '../../job/wait.js';
import { PlatformDriver } from '../../job/platform-driver.js';
import type { JobRegistry } from '../../job/records.js';
import { DEFAULT_DOCKER_IMAGE } from '../../job/runner-image.js';
import { findRunnerDist } from '../../job/runner-location.js';
import { isTerminalState } from '../../types.js';
import type { CancelOptions, JobHandle, JobRecord, JobResult, JobStatus, LogsOptions, RunnerStatus, SubmitRequest, WaitOptions } from '../../types.js';
import { extractTar, packTar } from './archive.js';
import { createDockerClient, dockerError, dockerHostOf } from './client.js';
import { DockerApiError, type ContainerCreateOptions, type ContainerInspectInfo, type DockerClient, type ImageInspectInfo } from './engine.js';
import { demuxFrames, framesToLines } from './logs.js';
import { gpuDeviceRequests, nanoCpus } from './resources.js';
import { checkOptions } from '../../options/schema.js';
import { dockerOptionsSchema, type DockerDriverOptions } from './schema.js';

/** Where the bundle is unpacked in the container. */
export const CONTAINER_JOB_DIR = '/nbrun/job';
/** Where the runner writes results in the container. */
export const CONTAINER_RESULTS_DIR = '/nbrun/results';
/** Label keys on every nbrun container. */
export const DOCKER_LABELS = { job: 'io.nbrun.job', notebook: 'io.nbrun.notebook', driver: 'io.nbrun.driver' } as const;

/** The docker driver's options once resolved (what `create` works with). */
export interface DockerSettings {
  /** `HostConfig.NetworkMode` (`bridge`, `host`, `none`, a network name). Default: the engine's default. */
  network?: string;
  /** Keep the container after its results were fetched. */
  keep?: boolean;
  /** Seconds `docker stop` waits before SIGKILL. Default 10. */
  stopTimeoutSeconds?: number;
  /** Command that starts the runner, overriding the image's (e.g. `["node", "/opt/nbrun/runner.mjs"]`). */
  command?: string[];
  /** Extra container labels. */
  labels?: Record<string, string>;
  /** Container user (`uid[:gid]` or a name). */
  user?: string;
}

/** What the docker driver keeps in a job record's `backend`. */
interface DockerBackend {
  containerId: string;
  containerName: string;
  dockerHost: string;
  image: string;
  keep: boolean;
  stopTimeoutSeconds: number;
  /** Set once the container was removed: its final status, for later queries. */
  final?: JobStatus;
}

function engineState(info: ContainerInspectInfo): JobStatus['state'] {
  switch (info.State.Status) {
    case 'created':
      return 'pending';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    default:
      return 'unknown';
  }
}

function isoOrUndefined(t: string | undefined): string | undefined {
  return t && !t.startsWith('0001-') ? t : undefined;
}

class DockerJobHandle implements JobHandle {
  readonly driver = 'docker';
  private readonly docker: DockerClient;
  /** The terminal status once seen: an exited container does not change (it is only removed). */
  private ended?: JobStatus;
  constructor(
    readonly record: JobRecord,
    private readonly jobs: JobRegistry,
    env: NodeJS.ProcessEnv,
  ) {
    this.docker = createDockerClient(env, this.backend.dockerHost);
  }

  get id(): string {
    return this.record.id;
  }
  private get backend(): DockerBackend {
    return this.record.backend as unknown as DockerBackend;
  }
  private get containerId(): string {
    return this.backend.containerId;
  }
  private fail(err: unknown, action: string): BackendError {
    return dockerError(err, { host: this.backend.dockerHost, jobId: this.id, action });
  }

  /** Inspect data of the job's container (HostConfig, Labels, State…). */
  async inspect(): Promise<ContainerInspectInfo> {
    try {
      return await this.docker.inspectContainer(this.containerId);
    } catch (err) {
      throw this.fail(err, 'inspecting the container');
    }
  }

  /** Starts a container made by {@link DockerDriver.create}. */
  async start(): Promise<void> {
    try {
      await this.docker.startContainer(this.containerId);
    } catch (err) {
      throw this.fail(err, 'starting the container');
    }
  }

  async status(): Promise<JobStatus> {
    if (this.backend.final) return this.backend.final;
    if (this.ended) return this.ended;
    const status = await this.engineStatus();
    if (status.state === 'failed' && !status.message) {
      status.message = failureMessage(await this.runnerStatus()) ?? `runner exited with code ${status.exitCode} (see 'nbrun logs ${this.id}')`;
    }
    if (isTerminalState(status.state)) this.ended = status;
    return status;
  }

  /** The status one inspect gives (a failed job's message from status.json is left to the caller). */
  private async engineStatus(): Promise<JobStatus> {
    let info: ContainerInspectInfo;
    try {
      info = await this.docker.inspectContainer(this.containerId);
    } catch (err) {
      if (err instanceof DockerApiError && err.statusCode === 404) {
        return { id: this.id, driver: this.driver, state: 'unknown', message: `the container of job '${this.id}' was removed` };
      }
      throw this.fail(err, 'inspecting the container');
    }
    const status: JobStatus = {
      id: this.id,
      driver: this.driver,
      state: engineState(info),
      startedAt: isoOrUndefined(info.State.StartedAt),
    };
    if (info.State.Status === 'exited' || info.State.Status === 'dead') {
      status.exitCode = info.State.ExitCode;
      status.finishedAt = isoOrUndefined(info.State.FinishedAt);
      if (info.State.OOMKilled) {
        status.state = 'failed';
        status.message = 'the container ran out of memory (raise its memory limit)';
      } else {
        status.state = stateFromRunner(info.State.ExitCode);
      }
    }
    if (status.state !== this.record.state) {
      this.record.state = status.state;
      await this.jobs.update(this.id, { state: status.state }).catch(() => undefined);
    }
    return status;
  }

  /** status.json read straight out of the container (no download to disk); undefined once the container is removed. */
  async runnerStatus(): Promise<RunnerStatus | undefined> {
    if (this.backend.final) return undefined;
    try {
      const stream = await this.docker.getArchive(this.containerId, `${CONTAINER_RESULTS_DIR}/${STATUS_FILE_NAME}`);
      const { mkdtemp, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const dir = await mkdtemp(join(tmpdir(), 'nbrun-status-'));
      try {
        await extractTar(stream, dir, 0);
        return await readRunnerStatus(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } catch {
      return undefined;
    }
  }

  /** Where the log is kept once the container is removed. */
  private get savedLogFile(): string {
    return join(dirname(this.jobs.dir), 'docker', `${this.id}.log`);
  }

  async *logs(options: LogsOptions = {}): AsyncIterable<string> {
    if (this.backend.final) {
      const text = await readFile(this.savedLogFile, 'utf8').catch(() => {
        throw new BackendError('docker', `the container of job '${this.id}' was removed and its log was not saved`);
      });
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      yield* lines;
      return;
    }
    let stream: Readable;
    try {
      stream = await this.docker.containerLogs(this.containerId, { follow: options.follow === true, signal: options.signal });
    } catch (err) {
      if (options.signal?.aborted) return;
      throw this.fail(err, 'reading the logs');
    }
    const onAbort = () => stream.destroy();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const line of framesToLines(demuxFrames(stream))) {
        yield line;
        if (options.signal?.aborted) return;
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      throw this.fail(err, 'reading the logs');
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  wait(options: WaitOptions = {}): Promise<JobStatus> {
    let last: JobStatus | undefined;
    return pollUntilTerminal(async () => (last = await this.status()), options, async (ms, signal) => {
      // A running container: the engine answers its wait the moment it stops. A container not
      // started yet (the engine's wait returns at once for it) or a failed wait: polled.
      if (last?.state === 'running') {
        const stopped = await this.docker.waitContainer(this.containerId, { condition: 'not-running', signal }).then(() => true, () => false);
        if (stopped) return;
      }
      await sleep(ms, signal);
    });
  }

  async result(dest: string): Promise<JobResult> {
    if (this.backend.final) {
      throw new BackendError('docker', `the results of job '${this.id}' were already fetched and its container removed (submit with keep to fetch again)`, undefined, { hint: { option: 'keep' } });
    }
    // Right after wait() the status is known; else one inspect (a failed job's message comes from the status.json fetched here).
    const status = this.ended ?? (await this.engineStatus());
    const target = resolve(dest);
    await mkdir(target, { recursive: true });
    const cleanup = isTerminalState(status.state) && !this.backend.keep;
    const copy = async () => {
      try {
        return await extractTar(await this.docker.getArchive(this.containerId, CONTAINER_RESULTS_DIR), target, 1);
      } catch (err) {
        throw this.fail(err, 'copying the results out of the container');
      }
    };
    // The log outlives the container (`nbrun logs` still works after cleanup): read beside the copy.
    const readLog = async () => {
      const lines: string[] = [];
      if (cleanup) for await (const line of this.logs()) lines.push(line + '\n');
      return lines;
    };
    const [files, lines] = await Promise.all([copy(), readLog()]);
    const runnerStatus = await readRunnerStatus(target);
    if (status.state === 'failed' && !status.message) {
      status.message = failureMessage(runnerStatus) ?? `runner exited with code ${status.exitCode} (see 'nbrun logs ${this.id}')`;
    }
    if (cleanup) {
      await mkdir(dirname(this.savedLogFile), { recursive: true });
      await writeFile(this.savedLogFile, lines.join(''));
      this.backend.final = status;
      await this.jobs.save(this.record);
      await this.docker.removeContainer(this.containerId, { force: true }).catch(() => undefined);
    }
    const notebook = files.includes(this.record.output) ? join(target, this.record.output) : undefined;
    return { dir: target, notebook, files, runnerStatus, status };
  }

  async cancel(options: CancelOptions = {}): Promise<void> {
    if (this.backend.final) return;
    const t = options.graceSeconds ?? this.backend.stopTimeoutSeconds;
    try {
      await this.docker.stopContainer(this.containerId, { t }); // false: it had stopped already
    } catch (err) {
      if (err instanceof DockerApiError && err.statusCode === 409 && /not running/i.test(err.message)) return;
      throw this.fail(err, 'stopping the container');
    }
  }

  async remove(): Promise<void> {
    if (!this.backend.final && (await this.status()).state === 'running') {
      throw new UsageError(`job '${this.id}' is still running (cancel it first: nbrun cancel ${this.id})`);
    }
    await rm(this.savedLogFile, { force: true });
    try {
      await this.docker.removeContainer(this.containerId, { force: true });
    } catch (err) {
      if (!(err instanceof DockerApiError && err.statusCode === 404)) throw this.fail(err, 'removing the container');
    }
  }
}

function parseLabel(value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`label must be KEY=VALUE, got '${value}'`, { hint: { option: 'label' } });
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/**
 * Runs jobs as containers on a Docker engine.
 *
 * @example
 * const driver = new DockerDriver({ jobs: new JobRegistry(), env: process.env });
 * const job = await driver.submit({ notebook: 'train.ipynb', image: 'nbrun-runner:test', resources: { gpus: 1 } }, { network: 'none' });
 * const final = await job.wait();
 * await job.result('out'); // removes the finished container unless { keep: true }
 */
export class DockerDriver extends PlatformDriver<DockerDriverOptions, DockerJobHandle> {
  readonly name = 'docker';
  readonly description = 'a container on a Docker engine (DOCKER_HOST honoured)';
  readonly optionsSchema = dockerOptionsSchema;

  /** The options checked against the schema, in the shape `create` works with. */
  resolveOptions(input: DockerDriverOptions = {}): DockerSettings {
    const options = checkOptions(this.name, this.optionsSchema, input) as DockerDriverOptions;
    const settings: DockerSettings = {};
    if (options.network) settings.network = options.network;
    if (options.keep === true) settings.keep = true;
    if (options.stopTimeout !== undefined) settings.stopTimeoutSeconds = options.stopTimeout;
    if (options.runnerCommand !== undefined) settings.command = options.runnerCommand.trim().split(/\s+/).filter(Boolean);
    if (options.label) settings.labels = Object.fromEntries(options.label.map(parseLabel));
    if (options.user) settings.user = options.user;
    return settings;
  }

  /**
   * Bundles the request and creates its container with the bundle inside, without
   * starting it (`submit` = `create` + `start`). Useful to inspect what would run.
   * @example const job = await driver.create(request); console.log((await job.inspect()).HostConfig.DeviceRequests)
   */
  async create(request: SubmitRequest, input: DockerDriverOptions = {}): Promise<DockerJobHandle> {
    const options = this.resolveOptions(input);
    const dist = request.includeRunner ? findRunnerDist(this.env) : undefined;
    const host = dockerHostOf(this.env);
    const image = request.image ?? DEFAULT_DOCKER_IMAGE;
    const docker = createDockerClient(this.env, host);
    // The image is looked up while the bundle is made (a bundle error still comes first).
    const lookup = docker.inspectImage(image).then(
      (info) => ({ info }),
      (err: unknown) => ({ err }),
    );
    const prepared = await prepareJob(request, { runnerDist: dist, jobs: this.jobs });
    const found = await lookup;
    if ('err' in found) throw dockerError(found.err, { host, image, action: 'looking up the image' });
    const imageInfo: ImageInspectInfo = found.info;
    const createOptions = this.containerOptions(prepared, request, options, image, imageInfo);
    let containerId: string;
    try {
      containerId = (await docker.createContainer(createOptions)).Id;
    } catch (err) {
      throw dockerError(err, { host, image, action: 'creating the container' });
    }
    try {
      // The bundle's files go in as a tar streamed to the engine: encoded once, never zipped.
      await docker.putArchive(containerId, '/', packTar(prepared.bundle.files, CONTAINER_JOB_DIR.slice(1), [CONTAINER_RESULTS_DIR.slice(1)]));
    } catch (err) {
      await docker.removeContainer(containerId, { force: true }).catch(() => undefined);
      throw dockerError(err, { host, image, action: 'copying the bundle into the container' });
    }
    return this.saveJob(prepared, {
      containerId,
      containerName: createOptions.name!,
      dockerHost: host,
      image,
      keep: options.keep ?? false,
      stopTimeoutSeconds: options.stopTimeoutSeconds ?? 10,
    } satisfies DockerBackend);
  }

  private containerOptions(
    prepared: PreparedJob,
    request: SubmitRequest,
    options: DockerSettings,
    image: string,
    imageInfo: ImageInspectInfo,
  ): ContainerCreateOptions {
    const env = {
      ...request.env,
      MODEL_DIR: CONTAINER_JOB_DIR,
      RESULT_DIR: CONTAINER_RESULTS_DIR,
      NBRUN_JOB_ID: prepared.id,
    };
    const create: ContainerCreateOptions = {
      name: `nbrun-${prepared.id}`,
      Image: image,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: CONTAINER_JOB_DIR,
      Labels: {
        ...options.labels,
        [DOCKER_LABELS.job]: prepared.id,
        [DOCKER_LABELS.notebook]: prepared.bundle.notebookEntry,
        [DOCKER_LABELS.driver]: 'docker',
      },
      StopTimeout: options.stopTimeoutSeconds ?? 10,
      HostConfig: {},
    };
    if (options.user) create.User = options.user;
    if (options.command) {
      create.Entrypoint = [options.command[0]!];
      create.Cmd = options.command.slice(1);
    } else if (prepared.bundle.runnerEntry) {
      create.Entrypoint = ['node', `${CONTAINER_JOB_DIR}/${prepared.bundle.runnerEntry}`];
      create.Cmd = [];
    } else if (!imageInfo.Config?.Entrypoint?.length && !imageInfo.Config?.Cmd?.length) {
      // An image without its own command: the runner must be on its PATH.
      create.Cmd = ['nbrun-runner'];
    }
    const hc = create.HostConfig!;
    if (options.network) hc.NetworkMode = options.network;
    const r = request.resources;
    if (r?.cpus !== undefined) hc.NanoCpus = nanoCpus(r.cpus);
    if (r?.memoryBytes !== undefined) hc.Memory = r.memoryBytes;
    const devices = gpuDeviceRequests(r?.gpus);
    if (devices) hc.DeviceRequests = devices;
    return create;
  }

  async submit(request: SubmitRequest, options: DockerDriverOptions = {}): Promise<JobHandle> {
    const job = await this.create(request, options);
    try {
      await job.start();
    } catch (err) {
      await job.remove().catch(() => undefined);
      await this.jobs.remove(job.id).catch(() => undefined);
      throw err;
    }
    return job;
  }

  protected handleFor(record: JobRecord): DockerJobHandle {
    return new DockerJobHandle(record, this.jobs, this.env);
  }
}

export type { DockerJobHandle };
