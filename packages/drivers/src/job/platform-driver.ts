/**
 * What the drivers whose jobs run on a backend platform (docker, kubernetes, kubeflow,
 * pytorchjob, ffdl) share: the job registry and environment they are made with, the
 * record a submitted job leaves in the registry, and `attach` by job id.
 */
import type { TObject } from '@sinclair/typebox';
import { UsageError } from '@nbrun/core';
import type { PreparedJob } from './prepare.js';
import type { JobRegistry } from './records.js';
import type { Driver, DriverContext, JobHandle, JobRecord, SubmitRequest } from '../types.js';

/**
 * A driver that remembers each job in the job registry and finds it again by id;
 * subclasses say how to submit and which handle a record gets.
 *
 * @example
 * class MyDriver extends PlatformDriver<MyOptions, MyJobHandle> {
 *   readonly name = 'mine';
 *   protected handleFor(record: JobRecord) { return new MyJobHandle(record, this.jobs, this.env); }
 *   // description, optionsSchema, submit …
 * }
 */
export abstract class PlatformDriver<Options, Handle extends JobHandle> implements Driver<Options> {
  abstract readonly name: string;
  abstract readonly description: string;
  abstract readonly optionsSchema: TObject;
  protected readonly jobs: JobRegistry;
  protected readonly env: NodeJS.ProcessEnv;

  constructor(context: DriverContext) {
    this.jobs = context.jobs;
    this.env = context.env;
  }

  abstract submit(request: SubmitRequest, options?: Options, signal?: AbortSignal): Promise<JobHandle>;
  /** The handle of a job of this driver, from its registry record. */
  protected abstract handleFor(record: JobRecord): Handle;

  async attach(job: string | JobRecord): Promise<Handle> {
    const record = typeof job === 'string' ? await this.jobs.get(job) : job;
    if (record.driver !== this.name) throw new UsageError(`job '${record.id}' belongs to driver '${record.driver}', not '${this.name}'`);
    return this.handleFor(record);
  }

  /** Records a job just submitted (state pending) in the registry and returns its handle. */
  protected async saveJob(prepared: PreparedJob, backend: object): Promise<Handle> {
    const record: JobRecord = {
      id: prepared.id,
      driver: this.name,
      notebook: prepared.notebook,
      createdAt: new Date().toISOString(),
      state: 'pending',
      output: prepared.output,
      spec: prepared.bundle.spec,
      backend: backend as Record<string, unknown>,
    };
    await this.jobs.save(record);
    return this.handleFor(record);
  }
}
