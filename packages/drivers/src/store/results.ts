/**
 * Bringing a job's results down from the store: the executed notebook, status.json and
 * whatever else the runner wrote under the job's results prefix.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { STATUS_FILE_NAME } from '@nbrun/runner/contract';
import { readRunnerStatus } from '../job/runner-status.js';
import { listFiles } from '../job/files.js';
import type { JobResult, JobStatus, RunnerStatus } from '../types.js';
import { joinKey, type ObjectStore } from './types.js';

/**
 * Downloads `prefix` into `dest` and describes what came.
 * @example const result = await downloadResults(store, 'train-1/results', 'out', 'output.ipynb', status)
 */
export async function downloadResults(store: ObjectStore, prefix: string, dest: string, output: string, status: JobStatus): Promise<JobResult> {
  const dir = resolve(dest);
  await mkdir(dir, { recursive: true });
  await store.downloadPrefix(prefix, dir);
  const files = await listFiles(dir);
  const runnerStatus = await readRunnerStatus(dir);
  return { dir, notebook: files.includes(output) ? join(dir, output) : undefined, files, runnerStatus, status };
}

/**
 * The runner's status.json in the store, if it wrote one yet.
 * @example const s = await readStoredStatus(store, 'train-1/results')
 */
export async function readStoredStatus(store: ObjectStore, prefix: string): Promise<RunnerStatus | undefined> {
  try {
    return JSON.parse(new TextDecoder().decode(await store.get(joinKey(prefix, STATUS_FILE_NAME)))) as RunnerStatus;
  } catch {
    return undefined;
  }
}
