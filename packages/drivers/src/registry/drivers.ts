/**
 * The driver registry: an explicit object mapping a driver name to a factory. Nothing
 * registers itself on import; {@link createDriverRegistry} lists the built-in drivers.
 */
import { UsageError } from '@nbrun/core';
import { DockerDriver } from '../docker/driver.js';
import { FfdlDriver } from '../ffdl/driver.js';
import { KubeflowDriver } from '../kubeflow/driver.js';
import { PyTorchJobDriver } from '../kubeflow/pytorchjob.js';
import { KubernetesDriver } from '../kubernetes/driver.js';
import { LocalDriver } from '../local/driver.js';
import type { Driver, DriverContext, JobHandle, JobRecord } from '../types.js';
import { JobRegistry, jobsDirectory } from './jobs.js';

/** Makes a driver for a context (job registry, environment). */
export type DriverFactory = (context: DriverContext) => Driver;

/**
 * Named driver factories.
 *
 * @example
 * const drivers = new DriverRegistry().add('local', (ctx) => new LocalDriver(ctx));
 * const driver = drivers.create('local', { jobs: new JobRegistry(), env: process.env });
 */
export class DriverRegistry {
  private readonly factories = new Map<string, { factory: DriverFactory; description: string }>();

  /** Adds (or replaces) a driver. */
  add(name: string, factory: DriverFactory, description = ''): this {
    this.factories.set(name, { factory, description });
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  /** Driver names, in the order added. */
  names(): string[] {
    return [...this.factories.keys()];
  }

  /** Creates the named driver; an unknown name is a UsageError listing the known ones. */
  create(name: string, context: DriverContext): Driver {
    const entry = this.factories.get(name);
    if (!entry) throw new UsageError(`unknown driver '${name}' (available: ${this.names().join(', ')})`);
    return entry.factory(context);
  }
}

/**
 * A registry with the built-in drivers: `local`, `docker`, `kubernetes`, `kubeflow`, `pytorchjob`, `ffdl`.
 * @example const driver = createDriverRegistry().create('docker', { jobs, env: process.env })
 */
export function createDriverRegistry(): DriverRegistry {
  return new DriverRegistry()
    .add('local', (ctx) => new LocalDriver(ctx), 'the runner as a detached process on this machine')
    .add('docker', (ctx) => new DockerDriver(ctx), 'a container on a Docker engine (DOCKER_HOST honoured)')
    .add('kubernetes', (ctx) => new KubernetesDriver(ctx), 'a batch/v1 Job on a Kubernetes cluster')
    .add('kubeflow', (ctx) => new KubeflowDriver(ctx), 'a Kubeflow Pipelines v2 run of a one-step pipeline')
    .add('pytorchjob', (ctx) => new PyTorchJobDriver(ctx), 'a Kubeflow Training Operator PyTorchJob')
    .add('ffdl', (ctx) => new FfdlDriver(ctx), 'a training on FfDL (manifest + model_definition zip)');
}

/**
 * A handle on a job submitted earlier (by any process), through the driver that submitted it:
 * by id from the job registry, or from a record kept elsewhere (e.g. by the scheduler).
 * @example const job = await attach('train-3f9a2c1d'); console.log((await job.status()).state)
 */
export async function attach(
  job: string | JobRecord,
  options: { jobs?: JobRegistry; drivers?: DriverRegistry; env?: NodeJS.ProcessEnv } = {},
): Promise<JobHandle> {
  const env = options.env ?? process.env;
  const jobs = options.jobs ?? new JobRegistry(jobsDirectory(env));
  const record = typeof job === 'string' ? await jobs.get(job) : job;
  return (options.drivers ?? createDriverRegistry()).create(record.driver, { jobs, env }).attach(record);
}
