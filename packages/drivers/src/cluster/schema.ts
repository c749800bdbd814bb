/** Options of the drivers that make pods on a cluster (kubernetes, kubeflow, pytorchjob). */
import { integer, KEY_VALUE, KUBE_NAME, list, text } from '../options/schema.js';
import { storeOptionProperties } from '../store/schema.js';

const KUBE_NAME_EXPECTED = "a Kubernetes name (lowercase letters, digits, '-')";

/** Where (kubeconfig, namespace), how the pod is placed and how secrets reach it (by reference, never inline). */
export const clusterOptionProperties = {
  namespace: text({
    description: "namespace (default the kubeconfig context's, else default)",
    pattern: KUBE_NAME,
    maxLength: 253,
    'x-value': 'NS',
    'x-expected': KUBE_NAME_EXPECTED,
  }),
  kubeconfig: text({ description: 'kubeconfig file (default $KUBECONFIG, ~/.kube/config, else in-cluster)', 'x-value': 'FILE' }),
  context: text({ description: 'kubeconfig context (default the current one)', 'x-value': 'NAME' }),
  ...storeOptionProperties,
  storeSecret: text({
    description: 'Secret with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the job (secretKeyRef)',
    pattern: KUBE_NAME,
    maxLength: 253,
    'x-value': 'SECRET',
    'x-expected': KUBE_NAME_EXPECTED,
  }),
  secretEnv: list({
    description: 'env var of the job from a Secret key (repeatable)',
    pattern: '^[A-Za-z_][A-Za-z0-9_]*=[a-z0-9]([-a-z0-9]*[a-z0-9])?:.+$',
    'x-value': 'NAME=SECRET:KEY',
    'x-expected': 'NAME=SECRET:KEY (SECRET a Kubernetes name)',
  }),
  serviceAccount: text({ description: "pod's serviceAccountName", pattern: KUBE_NAME, maxLength: 253, 'x-value': 'NAME', 'x-expected': KUBE_NAME_EXPECTED }),
  nodeSelector: list({ description: 'node selector label (repeatable)', pattern: KEY_VALUE, 'x-value': 'KEY=VALUE', 'x-expected': 'KEY=VALUE' }),
  toleration: list({
    description: 'pod toleration (repeatable), e.g. nvidia.com/gpu:NoSchedule',
    pattern: '^[^=:]+(=[^:]*)?(:(NoSchedule|PreferNoSchedule|NoExecute))?$',
    'x-value': 'KEY[=VALUE][:EFFECT]',
    'x-expected': 'KEY[=VALUE][:EFFECT] with EFFECT one of NoSchedule, PreferNoSchedule, NoExecute',
  }),
  imagePullSecret: list({ description: 'imagePullSecrets entry (repeatable)', pattern: KUBE_NAME, 'x-value': 'SECRET', 'x-expected': KUBE_NAME_EXPECTED }),
  runnerCommand: text({
    description: "command starting the runner in the image, space-separated (default: the image's entrypoint; kubeflow: nbrun-runner)",
    pattern: '\\S',
    'x-value': 'CMD',
    'x-expected': 'a command (space-separated words)',
  }),
  gpuResource: text({ description: 'extended resource of gpus (default nvidia.com/gpu)', 'x-value': 'NAME' }),
};

/** The run limits a batch Job and a PyTorchJob both take. */
export const runLimitProperties = {
  backoffLimit: integer({ description: 'pod retries before the Job fails (default 0)', default: 0 }),
  activeDeadline: integer({ description: 'activeDeadlineSeconds: the Job fails after this long', minimum: 1, 'x-value': 'SECONDS' }),
  ttlAfterFinished: integer({ description: 'ttlSecondsAfterFinished: the cluster deletes the finished Job', 'x-value': 'SECONDS' }),
};
