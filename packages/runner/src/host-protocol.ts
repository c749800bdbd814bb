/**
 * What the local driver and the runner host (`nbrun-runner --host DIR`, host.ts) agree on:
 * the files through which a job is handed to a host and cancelled.
 */

/** Seconds a host without jobs waits before it leaves (default 60). */
export const HOST_IDLE_ENV = 'NBRUN_RUNNER_HOST_IDLE_SECONDS';

/** File names of the host protocol. */
export const HOST_FILES = {
  /** The queue folder, in the host's folder, of the host with this pid. */
  queue: (pid: number): string => `queue-${pid}`,
  /** A job's request in a queue folder (renamed in, complete). */
  request: (jobId: string): string => `${jobId}.json`,
  /** In the job's folder: the pid of the process running the job (the host's). */
  runnerPid: 'runner.pid',
  /** In the job's folder: the job's log (stdout and stderr). */
  log: 'runner.log',
  /** In the job's folder: the job's exit code, once it and its kernel are done. */
  exitCode: 'exit-code',
  /** In the job's folder, from the driver: cancel (as a SIGTERM would). */
  cancel: 'cancel-requested',
  /** In the job's folder, from the driver after the grace: end it now (as a second SIGTERM would). */
  kill: 'cancel-kill',
} as const;

/** A job handed to a host, as the driver writes it. */
export interface HostRequest {
  jobId: string;
  /** The job's folder: its working directory, log and exit code. */
  jobDir: string;
  /** The runner's arguments. */
  args: string[];
  /** The job's whole environment (the host's own is not used). */
  env: Record<string, string>;
}
