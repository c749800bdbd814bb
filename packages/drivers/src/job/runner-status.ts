/** The runner's account of a job (its status.json and exit code) read as a driver's job state. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT_CODES } from '@nbrun/core';
import { JOB_STATE_OF_RUNNER_STATE, STATUS_FILE_NAME, type RunnerState } from '@nbrun/runner/contract';
import type { JobState, RunnerStatus } from '../types.js';

/**
 * Reads `status.json` from a results directory, if there is one.
 * @example const s = await readRunnerStatus('/tmp/job/results')
 */
export async function readRunnerStatus(resultsDir: string): Promise<RunnerStatus | undefined> {
  try {
    return JSON.parse(await readFile(join(resultsDir, STATUS_FILE_NAME), 'utf8')) as RunnerStatus;
  } catch {
    return undefined;
  }
}

/**
 * The job state that a runner's exit code and status file mean. The exit code wins
 * (0 succeeded, 143/130/137 cancelled, else failed); without one, status.json's state decides
 * ({@link JOB_STATE_OF_RUNNER_STATE}: `completed` is `succeeded`, `timed-out` is `failed`…).
 * @example stateFromRunner(143) // 'cancelled'
 */
export function stateFromRunner(exitCode: number | undefined, status?: RunnerStatus): JobState {
  const code = exitCode ?? (typeof status?.exitCode === 'number' ? status.exitCode : undefined);
  if (code !== undefined) {
    if (code === 0) return 'succeeded';
    if (code === EXIT_CODES.terminated || code === EXIT_CODES.interrupted || code === 137) return 'cancelled';
    return 'failed';
  }
  if (status?.state === undefined) return 'unknown';
  // The runner's words mapped in one place (its contract); a state it never writes reads as failed.
  return Object.hasOwn(JOB_STATE_OF_RUNNER_STATE, status.state) ? JOB_STATE_OF_RUNNER_STATE[status.state as RunnerState] : 'failed';
}

/**
 * The one-line failure message a status file carries, if any.
 * @example failureMessage({ state: 'failed', error: { code: 'E_CELL_ERROR', message: 'cell 2 failed: ZeroDivisionError' } })
 */
export function failureMessage(status: RunnerStatus | undefined): string | undefined {
  return status?.error?.message ?? status?.error?.code;
}
