/**
 * A driver whose jobs end when the test says so, registered as `local`: the engine's
 * decisions (ticks, overlap, retries, re-attach) tested without kernels. Real runs go
 * through the real local driver in run-local.test.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriverRegistry, JobNotFoundError, type Driver, type JobHandle, type JobRecord, type JobState, type JobStatus, type SubmitRequest } from '@nbrun/drivers';

interface FakeJob {
  record: JobRecord;
  request: SubmitRequest;
  state: JobState;
  exitCode?: number;
  waiters: (() => void)[];
  /** Log lines after the first, as {@link FakeBackend.log} adds them. */
  lines: string[];
  /** Wakes a log follower (a line added, the job ended). */
  logWaiters: (() => void)[];
}

export class FakeBackend {
  readonly jobs = new Map<string, FakeJob>();
  readonly submitted: string[] = [];
  /** End every job this way right after its submit. */
  autoEnd?: 'succeeded' | 'failed';
  /** While set, every submit fails with it (the run fails before its job starts). */
  failSubmit?: Error;
  /** While set, fetching a job's results waits for it (a slow results copy after the job ended). */
  resultGate?: Promise<void>;

  registry(): DriverRegistry {
    return new DriverRegistry().add('local', () => this.driver());
  }

  driver(): Driver {
    const backend: FakeBackend = this.self();
    return {
      name: 'local',
      description: 'fake',
      optionsSchema: { type: 'object', properties: {} } as never,
      optionSpecs: [],
      parseOptions: () => ({}),
      async submit(request: SubmitRequest): Promise<JobHandle> {
        if (backend.failSubmit) throw backend.failSubmit;
        const id = request.jobId!;
        const record: JobRecord = { id, driver: 'local', notebook: request.notebook, createdAt: new Date().toISOString(), output: 'output.ipynb', spec: {}, backend: { fake: true } };
        backend.jobs.set(id, { record, request, state: 'running', waiters: [], lines: [], logWaiters: [] });
        backend.submitted.push(id);
        const autoEnd = backend.autoEnd;
        if (autoEnd) setTimeout(() => backend.end(id, autoEnd), 5);
        return backend.handle(id);
      },
      async attach(job: string | JobRecord): Promise<JobHandle> {
        const id = typeof job === 'string' ? job : job.id;
        if (!backend.jobs.has(id)) throw new JobNotFoundError(id, 'the fake backend');
        return backend.handle(id);
      },
    } as unknown as Driver;
  }

  private self(): FakeBackend {
    return this;
  }

  handle(id: string): JobHandle {
    const job = this.jobs.get(id)!;
    const status = (): JobStatus => ({ id, driver: 'local', state: job.state, ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}) });
    const done = () => ['succeeded', 'failed', 'cancelled'].includes(job.state);
    return {
      id, driver: 'local', record: job.record,
      status: async () => status(),
      async *logs(opts?: { follow?: boolean; signal?: AbortSignal }) {
        yield `fake log of ${id}`;
        // Then the lines the test adds, until the job ends (followed) or at once.
        for (let i = 0; ; ) {
          while (i < job.lines.length) yield job.lines[i++]!;
          if (!opts?.follow || done() || opts.signal?.aborted) return;
          await new Promise<void>((wake) => {
            job.logWaiters.push(wake);
            opts.signal?.addEventListener('abort', () => wake(), { once: true });
          });
        }
      },
      wait: (opts?: { signal?: AbortSignal }) =>
        new Promise<JobStatus>((resolve, reject) => {
          if (done()) return resolve(status());
          if (opts?.signal?.aborted) return reject(new Error('aborted'));
          job.waiters.push(() => resolve(status()));
          opts?.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        }),
      result: async (dest: string) => {
        await this.resultGate;
        await mkdir(dest, { recursive: true });
        const runnerStatus = { state: job.state === 'succeeded' ? 'completed' : 'failed', exitCode: job.exitCode ?? 0, output: 'output.ipynb' };
        await writeFile(join(dest, 'status.json'), JSON.stringify(runnerStatus));
        await writeFile(join(dest, 'output.ipynb'), '{}');
        return { dir: dest, files: ['status.json', 'output.ipynb'], runnerStatus, status: status() };
      },
      // As real drivers: cancelling a job that already ended changes nothing.
      cancel: async () => {
        if (!done()) this.end(id, 'cancelled', 143);
      },
      remove: async () => undefined,
    } as JobHandle;
  }

  /** Ends a job. */
  end(id: string, state: 'succeeded' | 'failed' | 'cancelled', exitCode = state === 'succeeded' ? 0 : 1): void {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no fake job ${id}`);
    job.state = state;
    job.exitCode = exitCode;
    for (const w of job.waiters.splice(0)) w();
    for (const w of job.logWaiters.splice(0)) w();
  }

  /** Adds a line to a running job's log. */
  log(id: string, line: string): void {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no fake job ${id}`);
    job.lines.push(line);
    for (const w of job.logWaiters.splice(0)) w();
  }

  /** Forgets a job (the backend lost it). */
  forget(id: string): void {
    this.jobs.delete(id);
  }

  running(): string[] {
    return [...this.jobs.values()].filter((j) => j.state === 'running').map((j) => j.record.id);
  }
}
