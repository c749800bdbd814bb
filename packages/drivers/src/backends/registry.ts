/**
 * The driver registry: an explicit object mapping a driver name to a factory. Nothing
 * registers itself on import; {@link createDriverRegistry} lists the built-in drivers —
 * lazily: a built-in driver's module (and its SDK: @kubernetes/client-node, the AWS SDK;
 * docker's Engine API client is nbrun's own) is imported when the driver first submits or
 * attaches, not before.
 */
import type { TObject } from '@sinclair/typebox';
import { UsageError } from '@nbrun/core';
import type { Driver, DriverContext, JobHandle, JobRecord, SubmitRequest } from '../types.js';
import { BUILTIN_DRIVERS, type DriverInfo } from './catalog.js';
import { JobRegistry, jobsDirectory } from '../job/records.js';

type DriverClass = new (context: DriverContext) => Driver;

/** Where each built-in driver's implementation is, loaded on first use. */
const LOADERS: Record<string, () => Promise<DriverClass>> = {
  local: async () => (await import('./local/driver.js')).LocalDriver,
  docker: async () => (await import('./docker/driver.js')).DockerDriver,
  kubernetes: async () => (await import('./kubernetes/driver.js')).KubernetesDriver,
  kubeflow: async () => (await import('./kubeflow/driver.js')).KubeflowDriver,
  pytorchjob: async () => (await import('./pytorchjob/driver.js')).PyTorchJobDriver,
  ffdl: async () => (await import('./ffdl/driver.js')).FfdlDriver,
};

/**
 * A built-in driver before its module is loaded: name, description and options schema at
 * once; `submit` and `attach` load the implementation (once) and hand over to it.
 */
class LazyDriver implements Driver {
  readonly name: string;
  readonly description: string;
  readonly optionsSchema: TObject;
  readonly holds: boolean;
  private loaded?: Promise<Driver>;

  constructor(
    info: DriverInfo,
    private readonly load: () => Promise<DriverClass>,
    private readonly context: DriverContext,
  ) {
    this.name = info.name;
    this.description = info.description;
    this.optionsSchema = info.optionsSchema;
    this.holds = info.holds === true;
  }

  /** The driver itself (its module imported on the first call). */
  driver(): Promise<Driver> {
    this.loaded ??= this.load().then((DriverClass) => new DriverClass(this.context));
    return this.loaded;
  }

  async submit(request: SubmitRequest, options?: unknown, signal?: AbortSignal): Promise<JobHandle> {
    return (await this.driver()).submit(request, options, signal);
  }

  async attach(job: string | JobRecord): Promise<JobHandle> {
    return (await this.driver()).attach(job);
  }
}

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
  const registry = new DriverRegistry();
  for (const info of BUILTIN_DRIVERS) registry.add(info.name, (ctx) => new LazyDriver(info, LOADERS[info.name]!, ctx), info.description);
  return registry;
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
