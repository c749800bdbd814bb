/** `@nbrun/drivers/kubernetes` — the kubernetes driver and what the cluster drivers share (loads @kubernetes/client-node). */
export { KubernetesDriver, jobState } from '../kubernetes/driver.js';
export type { KubernetesSettings } from '../kubernetes/driver.js';
export { loadKubeConfig, contextNamespace } from '../kubernetes/config.js';
export type { KubeConfigOptions } from '../kubernetes/config.js';
export { buildJobManifest, resourceLimits, NBRUN_LABELS, JOB_NAME_LABEL, JOB_CONTAINER_NAME } from '../kubernetes/manifest.js';
export type { JobSettings, JobLocations } from '../kubernetes/manifest.js';
export { resolveClusterOptions, applyRunLimits, parseToleration, parseSecretEnv } from '../kubernetes/options.js';
export type { ClusterOptions, ClusterOptionsInput, RunLimitOptions, Toleration, SecretEnv } from '../kubernetes/options.js';
export { kubernetesOptionsSchema, clusterOptionProperties, runLimitProperties } from '../kubernetes/schema.js';
export type { KubernetesDriverOptions } from '../kubernetes/schema.js';
