/**
 * @nbrun/drivers — a notebook (+ its files) becomes a job on a backend.
 *
 * The main entry is cheap to import: the driver interface, the options schemas, the
 * registries. Each built-in driver's module (and its SDK) loads when the driver is first
 * used, or from its own entry: `@nbrun/drivers/local`, `/docker`, `/kubernetes`,
 * `/kubeflow`, `/ffdl`; `/store` (object stores) and `/job` (for writing a driver).
 * Every public export is listed here by name.
 */
// driver interface
export { TERMINAL_STATES, isTerminalState } from './types.js';
export type {
  Driver, DriverContext, SubmitRequest, Resources, GpuRequest, JobHandle, JobRecord,
  JobState, JobStatus, JobResult, RunnerStatus, LogsOptions, WaitOptions, CancelOptions,
} from './types.js';
export { BundleError, BackendError, JobNotFoundError, JobFailedError } from './errors.js';

// driver options: one JSON Schema per driver (no driver or SDK loaded)
export { driverNames, driverOptionsSchema, validateDriverOptions } from './backends/catalog.js';
export type { DriverInfo } from './backends/catalog.js';
export { optionFlag, flagOption } from './options/schema.js';
export type { LocalDriverOptions } from './backends/local/schema.js';
export type { DockerDriverOptions } from './backends/docker/schema.js';
export type { KubernetesDriverOptions } from './backends/kubernetes/schema.js';
export type { KubeflowDriverOptions } from './backends/kubeflow/schema.js';
export type { PyTorchJobDriverOptions } from './backends/pytorchjob/schema.js';
export type { FfdlDriverOptions } from './backends/ffdl/schema.js';

// registries
export { DriverRegistry, createDriverRegistry, attach } from './backends/registry.js';
export type { DriverFactory } from './backends/registry.js';
export { JobRegistry, jobsDirectory, checkJobId } from './job/records.js';

// what a submit request is made of, from text (the CLI's flags)
export { parseMemory, parseCpus, parseGpus } from './backends/docker/resources.js';
export { splitDependencyList } from './bundle/dependencies.js';

// bundles: a notebook with its files zipped (loaded on first call); which entry names are
// safe is the runner's contract (`bundlePath` in @nbrun/runner/contract)
export { createBundle } from './bundle/lazy.js';
export type { Bundle, CreateBundleOptions } from './bundle/bundle.js';
