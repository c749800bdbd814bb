/** `@nbrun/drivers/kubeflow` — the kubeflow (KFP v2) and pytorchjob (Training Operator) drivers. */
export { KubeflowDriver, runState } from '../backends/kubeflow/driver.js';
export type { KubeflowSettings } from '../backends/kubeflow/driver.js';
export { KfpClient } from '../backends/kubeflow/client.js';
export type { KfpRun, KfpRuntimeState } from '../backends/kubeflow/client.js';
export { buildPipeline, inlinePipelineSpec, pipelineYaml, irResources, KFP_TASK_NAME, IR_SCHEMA_VERSION } from '../backends/kubeflow/pipeline-spec.js';
export type { KfpPipeline } from '../backends/kubeflow/pipeline-spec.js';
export { PyTorchJobDriver, pytorchJobState, PYTORCHJOB, PYTORCH_CONTAINER, PYTORCHJOB_NAME_LABEL } from '../backends/pytorchjob/driver.js';
export type { PyTorchJobSettings } from '../backends/pytorchjob/driver.js';
export { kubeflowOptionsSchema, DEFAULT_KFP_TOKEN_ENV, DEFAULT_KFP_NAMESPACE } from '../backends/kubeflow/schema.js';
export type { KubeflowDriverOptions } from '../backends/kubeflow/schema.js';
export { pytorchjobOptionsSchema } from '../backends/pytorchjob/schema.js';
export type { PyTorchJobDriverOptions } from '../backends/pytorchjob/schema.js';
