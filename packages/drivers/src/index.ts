/**
 * @nbrun/drivers — a notebook (+ its files) becomes a job on a backend.
 * Every public export is listed here by name.
 */
// driver interface
export { TERMINAL_STATES, isTerminalState } from './types.js';
export type {
  Driver, DriverContext, SubmitRequest, Resources, GpuRequest, JobHandle, JobRecord,
  JobState, JobStatus, JobResult, RunnerStatus, LogsOptions, WaitOptions, CancelOptions,
} from './types.js';
export { BundleError, BackendError, JobNotFoundError, JobFailedError } from './errors.js';

// driver options (cheap: no driver or SDK loaded)
export { driverNames, driverOptionsSchema, validateDriverOptions } from './registry/catalog.js';
export type { DriverInfo } from './registry/catalog.js';
export { optionFlag, flagOption } from './options/schema.js';

// registries
export { DriverRegistry, createDriverRegistry, attach } from './registry/drivers.js';
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
export type { LocalLaunchOptions } from './local/driver.js';
export type { LocalDriverOptions } from './local/schema.js';

// docker
export {
  DockerDriver, DEFAULT_DOCKER_IMAGE, CONTAINER_JOB_DIR, CONTAINER_RESULTS_DIR, DOCKER_LABELS,
} from './docker/driver.js';
export type { DockerJobHandle } from './docker/driver.js';
export type { DockerDriverOptions } from './docker/schema.js';
export { createDockerClient, dockerHostOf, dockerError, DEFAULT_DOCKER_HOST } from './docker/client.js';
export { parseMemory, parseCpus, parseGpus, gpuDeviceRequests, nanoCpus } from './docker/resources.js';
export type { DeviceRequest } from './docker/resources.js';
export { packTar, extractTar } from './docker/archive.js';
export { demuxFrames, framesToLines } from './docker/logs.js';
export type { LogFrame } from './docker/logs.js';

// ── object store, kubernetes, kubeflow, pytorchjob, ffdl (platform drivers) ──
export { DirectoryStore } from './store/directory.js';
export { S3Store, createS3StoreClient, DEFAULT_S3_CREDENTIAL_ENV } from './store/s3.js';
export type { S3StoreOptions, S3CredentialEnv } from './store/s3.js';
export { openStore } from './store/open.js';
export { joinKey } from './store/types.js';
export type { ObjectStore } from './store/types.js';
export { resolveStoreSettings, openStoreOf } from './store/options.js';
export type { StoreSettings } from './store/options.js';
export { downloadResults, readStoredStatus } from './store/results.js';
export { KubernetesDriver, jobState } from './kubernetes/driver.js';
export type { KubernetesDriverOptions } from './kubernetes/schema.js';
export { loadKubeConfig, contextNamespace } from './kubernetes/config.js';
export type { KubeConfigOptions } from './kubernetes/config.js';
export {
  buildJobManifest, runnerContainer, runnerEnv, resourceLimits, podPlacement, jobKeys, NBRUN_LABELS, JOB_NAME_LABEL, JOB_CONTAINER_NAME,
} from './kubernetes/manifest.js';
export type { JobSettings, JobLocations } from './kubernetes/manifest.js';
export { resolveClusterOptions, parseToleration, parseSecretEnv } from './kubernetes/options.js';
export type { ClusterOptions, Toleration, SecretEnv } from './kubernetes/options.js';
export { podLogLines, jobPodLogLines } from './kubernetes/pod-logs.js';
export { apiError, retrySafe } from './kubernetes/errors.js';
export { KubeflowDriver, runState, DEFAULT_KFP_TOKEN_ENV, DEFAULT_KFP_NAMESPACE, KFP_MAIN_CONTAINER } from './kubeflow/driver.js';
export type { KubeflowDriverOptions, PyTorchJobDriverOptions } from './kubeflow/schema.js';
export { KfpClient } from './kubeflow/client.js';
export type { KfpRun, KfpRuntimeState } from './kubeflow/client.js';
export { buildPipeline, inlinePipelineSpec, pipelineYaml, irResources, KFP_TASK_NAME, IR_SCHEMA_VERSION } from './kubeflow/pipeline-spec.js';
export type { KfpPipeline } from './kubeflow/pipeline-spec.js';
export { PyTorchJobDriver, pytorchJobState, PYTORCHJOB, PYTORCH_CONTAINER, PYTORCHJOB_NAME_LABEL } from './kubeflow/pytorchjob.js';
export { FfdlDriver, ffdlState, FFDL_ENV } from './ffdl/driver.js';
export type { FfdlDriverOptions } from './ffdl/schema.js';
export { FfdlClient, FFDL_API_VERSION } from './ffdl/client.js';
export type { FfdlModel, FfdlStatus, FfdlLogLine } from './ffdl/client.js';
export { buildManifest as buildFfdlManifest, modelDefinitionZip, startScript, ffdlMemory, START_SCRIPT, FFDL_COMMAND } from './ffdl/manifest.js';
export type { FfdlDataStore } from './ffdl/manifest.js';
