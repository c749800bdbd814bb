/** `@nbrun/drivers/kubeflow` — the kubeflow (KFP v2) and pytorchjob (Training Operator) drivers. */
export { KubeflowDriver, runState } from '../kubeflow/driver.js';
export type { KubeflowSettings } from '../kubeflow/driver.js';
export { KfpClient } from '../kubeflow/client.js';
export type { KfpRun, KfpRuntimeState } from '../kubeflow/client.js';
export { buildPipeline, inlinePipelineSpec, pipelineYaml, irResources, KFP_TASK_NAME, IR_SCHEMA_VERSION } from '../kubeflow/pipeline-spec.js';
export type { KfpPipeline } from '../kubeflow/pipeline-spec.js';
export { PyTorchJobDriver, pytorchJobState, PYTORCHJOB, PYTORCH_CONTAINER, PYTORCHJOB_NAME_LABEL } from '../kubeflow/pytorchjob.js';
export type { PyTorchJobSettings } from '../kubeflow/pytorchjob.js';
export { kubeflowOptionsSchema, pytorchjobOptionsSchema, DEFAULT_KFP_TOKEN_ENV, DEFAULT_KFP_NAMESPACE } from '../kubeflow/schema.js';
export type { KubeflowDriverOptions, PyTorchJobDriverOptions } from '../kubeflow/schema.js';
