/**
 * What the cluster drivers' job handles share: results and status.json live in the
 * store, the registry remembers the last state, `wait` polls, `cancel` asks the platform
 * to stop (the runner gets SIGTERM and saves its partial notebook) and waits for the end.
 */
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { UsageError } from '@nbrun/core';
import { failureMessage, stateFromRunner } from '../job/runner-status.js';
import { pollUntilTerminal, sleep } from '../job/wait.js';
import type { JobRegistry } from '../job/records.js';
import { unlessNotFound } from '../http/not-found.js';
import { openStoreOf, type StoreSettings } from '../store/options.js';
import { downloadResults, readStoredStatus } from '../store/results.js';
import type { S3Store } from '../store/s3.js';
import { isTerminalState } from '../types.js';
import type { CancelOptions, JobHandle, JobRecord, JobResult, JobStatus, LogsOptions, RunnerStatus, WaitOptions } from '../types.js';
import { loadKubeConfig } from './config.js';
import { once, retrySafe } from '../http/api-errors.js';
import { jobPodLogLines, type PodRef } from './pod-logs.js';

/** What every cluster job keeps in its record's `backend`. */
export interface ClusterBackend {
  store: StoreSettings;
  /** Store key prefix of the results (relative to the store's root). */
  resultsKey: string;
  /** Store key of the bundle. */
  bundleKey: string;
  /** Set by `cancel`, so a job that vanished afterwards reads as cancelled. */
  cancelRequested?: boolean;
}

/** The platform's view of a job, before the runner's status.json is consulted. */
export interface PlatformState {
  state: JobStatus['state'];
  exitCode?: number;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** The platform no longer knows the job (deleted, garbage-collected). */
  gone?: boolean;
}

/**
 * A cluster job handle; subclasses say how to read the platform's state, follow logs and stop.
 */
export abstract class ClusterJobHandle implements JobHandle {
  abstract readonly driver: string;
  private storeInstance?: S3Store;

  constructor(
    readonly record: JobRecord,
    protected readonly jobs: JobRegistry,
    protected readonly env: NodeJS.ProcessEnv,
  ) {}

  get id(): string {
    return this.record.id;
  }
  protected get cluster(): ClusterBackend {
    return this.record.backend as unknown as ClusterBackend;
  }
  /** The job's store (opened once, credentials from the environment). */
  protected get store(): S3Store {
    this.storeInstance ??= openStoreOf(this.cluster.store, this.env);
    return this.storeInstance;
  }

  /** The store prefix holding everything of this job (deleted by `remove`). */
  protected get storeRoot(): string {
    return this.id;
  }

  /** The platform's state of the job. */
  protected abstract readPlatformState(): Promise<PlatformState>;
  /** Asks the platform to stop the job. */
  protected abstract stopOnPlatform(graceSeconds: number): Promise<void>;
  /** Deletes the platform's object of a finished job. */
  protected abstract deleteOnPlatform(): Promise<void>;
  abstract logs(options?: LogsOptions): AsyncIterable<string>;

  async status(): Promise<JobStatus> {
    const platform = await this.readPlatformState();
    let state = platform.state;
    const status: JobStatus = { id: this.id, driver: this.driver, state };
    if (platform.gone || state === 'failed' || state === 'unknown') {
      // The runner's own account (in the store) says how it ended, and why.
      const runner = await readStoredStatus(this.store, this.cluster.resultsKey);
      if (platform.gone) {
        const fromRunner = runner ? stateFromRunner(undefined, runner) : 'unknown';
        state = this.cluster.cancelRequested && !isTerminalState(fromRunner) ? 'cancelled' : fromRunner;
        if (fromRunner === 'running' && !this.cluster.cancelRequested) state = 'failed';
      }
      if (state === 'failed' && this.cluster.cancelRequested) state = 'cancelled';
      status.state = state;
      if (typeof runner?.exitCode === 'number') status.exitCode = runner.exitCode;
      if (state === 'failed') status.message = failureMessage(runner) ?? platform.message ?? `the job failed (see 'nbrun logs ${this.id}')`;
      if (state === 'unknown' && platform.gone) status.message = `the ${this.driver} job '${this.id}' no longer exists on the cluster and left no status`;
    }
    if (platform.exitCode !== undefined) status.exitCode = platform.exitCode;
    if (platform.startedAt) status.startedAt = platform.startedAt;
    if (platform.finishedAt) status.finishedAt = platform.finishedAt;
    if (status.state !== this.record.state) {
      this.record.state = status.state;
      await this.jobs.update(this.id, { state: status.state }).catch(() => undefined);
    }
    return status;
  }

  wait(options?: WaitOptions): Promise<JobStatus> {
    return pollUntilTerminal(() => this.status(), { pollIntervalMs: 1000, ...options });
  }

  /** status.json as the runner last published it to the store. */
  runnerStatus(): Promise<RunnerStatus | undefined> {
    return readStoredStatus(this.store, this.cluster.resultsKey);
  }

  async result(dest: string): Promise<JobResult> {
    const status = await this.status();
    return downloadResults(this.store, this.cluster.resultsKey, dest, this.record.output, status);
  }

  async cancel(options: CancelOptions = {}): Promise<void> {
    const grace = options.graceSeconds ?? 10;
    if (isTerminalState((await this.status()).state)) return;
    this.cluster.cancelRequested = true;
    await this.jobs.update(this.id, { backend: this.record.backend }).catch(() => undefined);
    await this.stopOnPlatform(grace);
    // The runner saves its partial notebook on SIGTERM; wait until the platform says it ended.
    await this.waitWhile(async () => !isTerminalState((await this.status()).state), grace);
  }

  /** Checks `busy` every 500 ms until it answers false or the grace period plus a minute is over. */
  protected async waitWhile(busy: () => Promise<unknown>, graceSeconds: number): Promise<void> {
    const deadline = Date.now() + (graceSeconds + 60) * 1000;
    while (Date.now() < deadline && (await busy())) await sleep(500);
  }

  async remove(): Promise<void> {
    const state = (await this.status()).state;
    if (!isTerminalState(state) && state !== 'unknown') {
      throw new UsageError(`job '${this.id}' is still ${state} (cancel it first: nbrun cancel ${this.id})`);
    }
    await this.deleteOnPlatform();
    await this.store.delete(this.storeRoot);
  }
}

/** What a job whose pods run on a Kubernetes cluster keeps besides the store: where its pods are. */
export interface KubeBackend extends ClusterBackend {
  namespace: string;
  kubeconfig?: string;
  context?: string;
}

/**
 * A cluster job handle whose pods run on a Kubernetes cluster, reached with the kubeconfig
 * and context the job was submitted with.
 */
export abstract class KubeJobHandle extends ClusterJobHandle {
  private kcInstance?: KubeConfig;

  /** The cluster's client configuration (loaded once). */
  protected get kc(): KubeConfig {
    const { kubeconfig, context } = this.record.backend as unknown as KubeBackend;
    this.kcInstance ??= loadKubeConfig({ kubeconfig, context }, this.env);
    return this.kcInstance;
  }
}

/** What a job that is one named object in a namespace keeps: the object's name besides where its pods are. */
export interface KubeObjectBackend extends KubeBackend {
  name: string;
}

/**
 * A job that is one object in a namespace (a batch/v1 Job, a PyTorchJob) whose pods carry
 * its name in a label: reading the object, listing its pods, following one pod's log,
 * deleting the object with its pods. Subclasses say which API calls and what states mean.
 */
export abstract class KubeObjectJobHandle<T> extends KubeJobHandle {
  /** The object's kind, for messages. */
  protected abstract readonly kind: string;
  /** The pod label holding the object's name. */
  protected abstract readonly podLabel: string;
  /** The container whose log is the job's log. */
  protected abstract readonly logContainer: string;
  /** GETs the object's status. */
  protected abstract fetchObject(kc: KubeConfig): Promise<T>;
  /** DELETEs the object, its pods going in the background. */
  protected abstract deleteObject(kc: KubeConfig): Promise<unknown>;
  /** The platform state the object's status means. */
  protected abstract stateOf(object: T): PlatformState;
  /** The pod whose log is the job's log, once there is one. */
  protected abstract logPod(): Promise<PodRef | undefined>;

  protected get backend(): KubeObjectBackend {
    return this.record.backend as unknown as KubeObjectBackend;
  }
  protected get where(): string {
    return `${this.kind} ${this.backend.name} in namespace ${this.backend.namespace}`;
  }

  /** The object as the API server has it, or undefined once deleted. */
  async readObject(): Promise<T | undefined> {
    const kc = this.kc; // outside the retry: a bad kubeconfig fails as itself
    return unlessNotFound(retrySafe(() => this.fetchObject(kc), this.driver, `reading ${this.where}`));
  }

  protected async readPlatformState(): Promise<PlatformState> {
    const object = await this.readObject();
    return object ? this.stateOf(object) : { state: 'unknown', gone: true };
  }

  /** The object's pods, found by their label. */
  protected async listPods(): Promise<V1Pod[]> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const list = await retrySafe(
      () => core.listNamespacedPod({ namespace: this.backend.namespace, labelSelector: `${this.podLabel}=${this.backend.name}` }),
      this.driver,
      `listing the pods of ${this.where}`,
    );
    return list.items;
  }

  async *logs(options: LogsOptions = {}): AsyncIterable<string> {
    yield* jobPodLogLines(
      this.kc,
      this.backend.namespace,
      () => this.logPod(),
      async () => {
        const object = await this.readObject();
        return !object || ['succeeded', 'failed'].includes(this.stateOf(object).state);
      },
      this.logContainer,
      options,
    );
  }

  protected async deleteOnPlatform(): Promise<void> {
    const kc = this.kc;
    await unlessNotFound(once(() => this.deleteObject(kc), this.driver, `deleting ${this.where}`));
  }
}
