/** Options of the `kubeflow` (KFP v2 run) and `pytorchjob` (Training Operator) drivers. */
import type { Static } from '@sinclair/typebox';
import { ENV_NAME, flag, HTTP_URL, integer, KUBE_NAME, oneOf, optionsObject, text } from '../options/schema.js';
import { clusterOptionProperties, runLimitProperties } from '../kubernetes/schema.js';

/** The environment variable holding the KFP bearer token when `kfpTokenEnv` is not given. */
export const DEFAULT_KFP_TOKEN_ENV = 'KFP_TOKEN';
/** Namespace of the run's pods when `namespace` is not given (single-user KFP). */
export const DEFAULT_KFP_NAMESPACE = 'kubeflow';

export const kubeflowOptionsSchema = optionsObject({
  kfpHost: text({ description: 'Kubeflow Pipelines API URL (default $KFP_HOST)', pattern: HTTP_URL, 'x-value': 'URL', 'x-expected': 'an http(s):// URL' }),
  kfpTokenEnv: text({
    description: `env var holding the KFP bearer token (default ${DEFAULT_KFP_TOKEN_ENV})`,
    default: DEFAULT_KFP_TOKEN_ENV,
    pattern: ENV_NAME,
    'x-value': 'NAME',
    'x-expected': 'an environment variable name',
  }),
  experimentId: text({ description: 'KFP experiment of the run (default the default experiment)', 'x-value': 'ID' }),
  kfpUpload: flag({ description: 'upload the pipeline (pipelines/upload) and run it by reference instead of inline' }),
  ...clusterOptionProperties,
  namespace: text({
    description: `namespace of the run's pods, for logs (default ${DEFAULT_KFP_NAMESPACE})`,
    pattern: KUBE_NAME,
    maxLength: 253,
    'x-value': 'NS',
    'x-expected': "a Kubernetes name (lowercase letters, digits, '-')",
  }),
});

/** Options of the kubeflow driver. */
export type KubeflowDriverOptions = Static<typeof kubeflowOptionsSchema>;

export const pytorchjobOptionsSchema = optionsObject({
  ...clusterOptionProperties,
  workers: integer({ description: 'Worker replicas besides the one Master (default 0)', default: 0 }),
  ...runLimitProperties,
  backoffLimit: integer({ description: 'runPolicy.backoffLimit (default 0)', default: 0 }),
  activeDeadline: integer({ description: 'runPolicy.activeDeadlineSeconds', minimum: 1, 'x-value': 'SECONDS' }),
  ttlAfterFinished: integer({ description: 'runPolicy.ttlSecondsAfterFinished', 'x-value': 'SECONDS' }),
  cleanPodPolicy: oneOf(['None', 'Running', 'All'], { description: 'runPolicy.cleanPodPolicy (default None)', default: 'None' }),
});

/** Options of the pytorchjob driver. */
export type PyTorchJobDriverOptions = Static<typeof pytorchjobOptionsSchema>;
