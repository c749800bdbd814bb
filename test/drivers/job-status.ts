/**
 * Assertions on a job's status that print the WHOLE status when they fail (its `message`
 * says which path the driver took; `toMatchObject`'s diff shows only the expected keys).
 */
import { expect } from 'vitest';
import type { JobStatus } from '@nbrun/drivers';

/**
 * Expects `status` to match `expected`, failing with the whole status in the message.
 * @example expectStatus(await job.wait(), { state: 'failed', exitCode: 1 })
 */
export function expectStatus(status: JobStatus, expected: Partial<JobStatus>): void {
  expect(status, `job status ${JSON.stringify(status)}`).toMatchObject(expected);
}
