/** Options of the `kubeflow` driver (a KFP v2 run). */
import type { Static } from '@sinclair/typebox';
import { ENV_NAME, flag, HTTP_URL, KUBE_NAME, optionsObject, text } from '../../options/schema.js';
import { clusterOptionProperties } from '../../cluster/schema.js';

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
