/**
 * @nbrun/drivers — a notebook (+ its files) becomes a job on a backend.
 * Every public export is listed here by name.
 */
// driver interface
export { TERMINAL_STATES, isTerminalState } from './types.js';
export type {
  Driver, DriverContext, DriverOptionSpec, RawDriverOptions, SubmitRequest, Resources, GpuRequest, JobHandle, JobRecord,
  JobState, JobStatus, JobResult, RunnerStatus, LogsOptions, WaitOptions, CancelOptions,
} from './types.js';
export { BundleError, BackendError, JobNotFoundError, JobFailedError } from './errors.js';

// registries
export { DriverRegistry, createDriverRegistry, attachJob } from './registry/drivers.js';
export type { DriverFactory } from './registry/drivers.js';
export { JobRegistry, jobsDirectory, checkJobId } from './registry/jobs.js';

// bundles and jobs
export { createBundle, unpackBundle, readBundleEntries, BUNDLED_RUNNER_DIR } from './bundle/bundle.js';
export type { Bundle, CreateBundleOptions } from './bundle/bundle.js';
export { resolveDependencies, splitDependencyList } from './bundle/dependencies.js';
export type { BundleFile, ResolveDependenciesOptions } from './bundle/dependencies.js';
export { checkEntryName, resolveEntryPath } from './bundle/paths.js';
export {
  prepareJob, buildJobSpec, createJobId, readRunnerStatus, stateFromRunner, failureMessage, pollUntilTerminal, listFiles,
} from './job.js';
export type { PreparedJob } from './job.js';
export { locateRunner, findRunnerDist, runnerPackageDir } from './runner-location.js';
export type { RunnerCommand } from './runner-location.js';

// local
export { LocalDriver } from './local/driver.js';
export type { LocalDriverOptions, LocalLaunchOptions } from './local/driver.js';

// docker
export {
  DockerDriver, DEFAULT_DOCKER_IMAGE, CONTAINER_JOB_DIR, CONTAINER_RESULTS_DIR, DOCKER_LABELS,
} from './docker/driver.js';
export type { DockerDriverOptions, DockerJobHandle } from './docker/driver.js';
export { createDockerClient, dockerHostOf, dockerError, DEFAULT_DOCKER_HOST } from './docker/client.js';
export { parseMemory, parseCpus, parseGpus, gpuDeviceRequests, nanoCpus } from './docker/resources.js';
export type { DeviceRequest } from './docker/resources.js';
export { packTar, extractTar } from './docker/archive.js';
export { demuxFrames, framesToLines } from './docker/logs.js';
export type { LogFrame } from './docker/logs.js';
