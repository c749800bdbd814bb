/**
 * The public API of @nbrun/drivers, entry by entry: a change here is a deliberate change of
 * what users may import (update the lists with it).
 */
import { describe, expect, it } from 'vitest';

const ENTRIES: Record<string, () => Promise<Record<string, unknown>>> = {
  '@nbrun/drivers': () => import('@nbrun/drivers'),
  '@nbrun/drivers/local': () => import('@nbrun/drivers/local'),
  '@nbrun/drivers/docker': () => import('@nbrun/drivers/docker'),
  '@nbrun/drivers/kubernetes': () => import('@nbrun/drivers/kubernetes'),
  '@nbrun/drivers/kubeflow': () => import('@nbrun/drivers/kubeflow'),
  '@nbrun/drivers/ffdl': () => import('@nbrun/drivers/ffdl'),
  '@nbrun/drivers/store': () => import('@nbrun/drivers/store'),
  '@nbrun/drivers/job': () => import('@nbrun/drivers/job'),
};

const EXPORTS: Record<string, string[]> = {
  '@nbrun/drivers': [
    'BackendError', 'BundleError', 'DriverRegistry', 'JobFailedError', 'JobNotFoundError', 'JobRegistry', 'TERMINAL_STATES', 'attach',
    'checkJobId', 'createBundle', 'createDriverRegistry', 'driverNames', 'driverOptionsSchema', 'flagOption', 'isTerminalState', 'jobsDirectory',
    'optionFlag', 'parseCpus', 'parseGpus', 'parseMemory', 'splitDependencyList', 'validateDriverOptions',
  ],
  '@nbrun/drivers/local': ['LOCAL_JOB_FILES', 'LocalDriver', 'localOptionsSchema'],
  '@nbrun/drivers/docker': [
    'CONTAINER_JOB_DIR', 'CONTAINER_RESULTS_DIR', 'DEFAULT_DOCKER_HOST', 'DEFAULT_DOCKER_IMAGE', 'DOCKER_LABELS', 'DockerApiError', 'DockerDriver',
    'createDockerClient', 'dockerHostOf', 'dockerOptionsSchema', 'gpuDeviceRequests', 'nanoCpus',
  ],
  '@nbrun/drivers/kubernetes': [
    'JOB_CONTAINER_NAME', 'JOB_NAME_LABEL', 'KubernetesDriver', 'NBRUN_LABELS', 'applyRunLimits', 'buildJobManifest',
    'clusterOptionProperties', 'contextNamespace', 'jobState', 'kubernetesOptionsSchema', 'loadKubeConfig', 'parseSecretEnv',
    'parseToleration', 'resolveClusterOptions', 'resourceLimits', 'runLimitProperties',
  ],
  '@nbrun/drivers/kubeflow': [
    'DEFAULT_KFP_NAMESPACE', 'DEFAULT_KFP_TOKEN_ENV', 'IR_SCHEMA_VERSION', 'KFP_TASK_NAME', 'KfpClient', 'KubeflowDriver', 'PYTORCHJOB',
    'PYTORCHJOB_NAME_LABEL', 'PYTORCH_CONTAINER', 'PyTorchJobDriver', 'buildPipeline', 'inlinePipelineSpec', 'irResources',
    'kubeflowOptionsSchema', 'pipelineYaml', 'pytorchJobState', 'pytorchjobOptionsSchema', 'runState',
  ],
  '@nbrun/drivers/ffdl': [
    'DEFAULT_FFDL_FRAMEWORK', 'FFDL_API_VERSION', 'FFDL_ENV', 'FfdlClient', 'FfdlDriver', 'buildFfdlManifest', 'ffdlMemory', 'ffdlOptionsSchema',
    'ffdlState', 'modelDefinitionZip',
  ],
  '@nbrun/drivers/store': [
    'DEFAULT_S3_CREDENTIAL_ENV', 'DirectoryStore', 'S3Store', 'createS3StoreClient', 'downloadResults', 'joinKey', 'openStore', 'openStoreOf',
    'readStoredStatus', 'resolveStoreSettings',
  ],
  '@nbrun/drivers/job': [
    'BUNDLED_RUNNER_DIR', 'PlatformDriver', 'buildJobSpec', 'checkOptions', 'createBundle', 'createJobId', 'failureMessage',
    'findRunnerDist', 'listFiles', 'locateRunner', 'pollUntilTerminal', 'prepareJob', 'readBundleEntries', 'readRunnerStatus',
    'resolveDependencies', 'resolveEntryPath', 'runnerPackageDir', 'stateFromRunner', 'unpackBundle',
  ],
};

describe('the public API of @nbrun/drivers', () => {
  it.each(Object.keys(ENTRIES))('%s exports exactly its listed names', async (entry) => {
    const names = Object.keys(await ENTRIES[entry]!()).sort();
    expect(names).toEqual([...EXPORTS[entry]!].sort());
  });
});
