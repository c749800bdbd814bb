/**
 * The local job registry: one JSON file per job in the user's state directory
 * (`$NBRUN_STATE_DIR/jobs`, else `$XDG_STATE_HOME/nbrun/jobs`, else
 * `~/.local/state/nbrun/jobs`), so `nbrun status JOB` works from any later process.
 */
import { access, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@nbrun/core';
import { writeFileAtomic } from '@nbrun/core/notebook';
import { JobNotFoundError } from '../errors.js';
import type { JobRecord } from '../types.js';

/**
 * The directory job records live in, from the environment.
 * @example jobsDirectory({ NBRUN_STATE_DIR: '/tmp/state' }) // '/tmp/state/jobs'
 */
export function jobsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NBRUN_STATE_DIR) return join(env.NBRUN_STATE_DIR, 'jobs');
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'nbrun', 'jobs');
}

const JOB_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Checks a job id (lowercase letters, digits and `-`, at most 63: valid as a file name,
 * a container name and a Kubernetes name).
 * @example checkJobId('train-3f9a2c1d')
 */
export function checkJobId(id: string): string {
  if (!JOB_ID.test(id)) {
    throw new UsageError(`job id '${id}' is invalid: use lowercase letters, digits and '-', at most 63 characters`);
  }
  return id;
}

/**
 * Reads and writes job records. Writes are atomic (temp file + rename).
 *
 * @example
 * const jobs = new JobRegistry();
 * for (const record of await jobs.list()) console.log(record.id, record.state);
 */
export class JobRegistry {
  readonly dir: string;
  constructor(dir: string = jobsDirectory()) {
    this.dir = dir;
  }

  private file(id: string): string {
    return join(this.dir, `${checkJobId(id)}.json`);
  }

  /** Saves (creates or replaces) a record. */
  async save(record: JobRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(record.id), JSON.stringify(record, null, 2) + '\n', { mode: 0o600, sync: false });
  }

  /** The record of a job; throws JobNotFoundError. */
  async get(id: string): Promise<JobRecord> {
    let text: string;
    try {
      text = await readFile(this.file(id), 'utf8');
    } catch (err) {
      throw new JobNotFoundError(id, this.dir, { cause: err });
    }
    return JSON.parse(text) as JobRecord;
  }

  /** True when a job of that id is recorded. */
  async has(id: string): Promise<boolean> {
    return access(this.file(id)).then(
      () => true,
      () => false,
    );
  }

  /** Merges fields into a record and saves it. */
  async update(id: string, patch: Partial<JobRecord>): Promise<JobRecord> {
    const record = { ...(await this.get(id)), ...patch };
    await this.save(record);
    return record;
  }

  /** Every record, newest first. */
  async list(): Promise<JobRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const records: JobRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      try {
        records.push(JSON.parse(await readFile(join(this.dir, name), 'utf8')) as JobRecord);
      } catch {
        // A record another process is replacing right now: skip it this time.
      }
    }
    return records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** Forgets a job. */
  async remove(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }
}
