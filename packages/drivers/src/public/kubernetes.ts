/** `@nbrun/drivers/kubernetes` — the kubernetes driver and what the cluster drivers share (loads @kubernetes/client-node). */
export { KubernetesDriver, jobState } from '../backends/kubernetes/driver.js';
export type { KubernetesSettings } from '../backends/kubernetes/driver.js';
export { loadKubeConfig, contextNamespace } from '../cluster/config.js';
export type { KubeConfigOptions } from '../cluster/config.js';
export { buildJobManifest, JOB_NAME_LABEL, JOB_CONTAINER_NAME } from '../backends/kubernetes/manifest.js';
export type { JobSettings } from '../backends/kubernetes/manifest.js';
export { resourceLimits, NBRUN_LABELS } from '../cluster/pod.js';
export type { JobLocations } from '../cluster/pod.js';
export { resolveClusterOptions, applyRunLimits, parseToleration, parseSecretEnv } from '../cluster/options.js';
export type { ClusterOptions, ClusterOptionsInput, RunLimitOptions, Toleration, SecretEnv } from '../cluster/options.js';
export { clusterOptionProperties, runLimitProperties } from '../cluster/schema.js';
export { kubernetesOptionsSchema } from '../backends/kubernetes/schema.js';
export type { KubernetesDriverOptions } from '../backends/kubernetes/schema.js';
