/**
 * The errors drivers raise. Each is an {@link NbrunError} with a stable code from
 * `@nbrun/core` (`E_BUNDLE`, `E_BACKEND`, `E_BACKEND_AUTH`, `E_JOB_NOT_FOUND`, `E_JOB_FAILED`),
 * so the CLI prints one line and exits with the documented code.
 */
import { NbrunError, type NbrunErrorOptions } from '@nbrun/core';

/**
 * A bundle could not be made or unpacked: a missing dependency, a path outside the
 * notebook's folder, a link pointing out, an unsafe entry name.
 * @example throw new BundleError("dependencies 'data.csv': no such file in /work/nb", 'data.csv', { hint: { option: 'dependencies' } })
 */
export class BundleError extends NbrunError {
  constructor(message: string, readonly path?: string, options?: NbrunErrorOptions) {
    super('E_BUNDLE', message, options);
  }
}

/**
 * The backend (Docker engine, cluster API, local process) failed or could not be reached.
 * `status` is the HTTP status when the backend answered.
 * @example throw new BackendError('docker', 'cannot reach the Docker engine at /var/run/docker.sock')
 */
export class BackendError extends NbrunError {
  constructor(
    readonly driver: string,
    message: string,
    readonly status?: number,
    options?: NbrunErrorOptions & { code?: 'E_BACKEND' | 'E_BACKEND_AUTH' },
  ) {
    super(options?.code ?? 'E_BACKEND', message, options);
  }
}

/**
 * No job of that id in the local job registry (or the backend no longer knows it).
 * @example throw new JobNotFoundError('train-3f9a2c1d', '/home/me/.local/state/nbrun/jobs')
 */
export class JobNotFoundError extends NbrunError {
  constructor(readonly jobId: string, where: string, options?: { cause?: unknown }) {
    super('E_JOB_NOT_FOUND', `no job '${jobId}' in ${where} (list jobs with 'nbrun jobs')`, options);
  }
}

/**
 * A job ended in the `failed` state; `exitCode` is the runner's exit code when known.
 * @example throw new JobFailedError('train-3f9a2c1d', 'cell 3 failed: ValueError: bad', 1)
 */
export class JobFailedError extends NbrunError {
  constructor(readonly jobId: string, message: string, readonly jobExitCode?: number, options?: { cause?: unknown }) {
    super('E_JOB_FAILED', message, options);
  }
}
