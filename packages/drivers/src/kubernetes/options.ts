/**
 * Flags of the cluster drivers (`nbrun submit --driver kubernetes|pytorchjob …`): where
 * (kubeconfig, namespace), how the pod is placed (service account, node selector,
 * tolerations) and how secrets reach it (by reference, never inline).
 */
import { UsageError } from '@nbrun/core';
import type { DriverOptionSpec, RawDriverOptions } from '../types.js';
import { STORE_OPTION_SPECS, parseStoreSettings, type StoreSettings } from '../store/options.js';
import type { KubeConfigOptions } from './config.js';
import type { JobSettings } from './manifest.js';

/** A toleration as the Kubernetes API writes it. */
export interface Toleration {
  key?: string;
  operator: 'Equal' | 'Exists';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** An environment variable taken from a Secret's key. */
export interface SecretEnv {
  name: string;
  secret: string;
  key: string;
}

/** Options shared by the drivers that make pods. */
export interface ClusterOptions extends KubeConfigOptions {
  /** Default the kubeconfig context's namespace, else `default`. */
  namespace?: string;
  store: StoreSettings;
  /** Secret holding `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` for the job's store access. */
  storeSecret?: string;
  serviceAccount?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  imagePullSecrets?: string[];
  secretEnv?: SecretEnv[];
  /** Command that starts the runner in the image; default the image's ENTRYPOINT (kubeflow: `['nbrun-runner']`). */
  runnerCommand?: string[];
  /** Extended resource name of GPUs; default `nvidia.com/gpu`. */
  gpuResource?: string;
}

/** Flags of {@link ClusterOptions}. */
export const CLUSTER_OPTION_SPECS: readonly DriverOptionSpec[] = [
  { name: 'namespace', arity: 1, valueName: 'NS', description: "namespace (default the kubeconfig context's, else default)" },
  { name: 'kubeconfig', arity: 1, valueName: 'FILE', description: 'kubeconfig file (default $KUBECONFIG, ~/.kube/config, else in-cluster)' },
  { name: 'context', arity: 1, valueName: 'NAME', description: 'kubeconfig context (default the current one)' },
  ...STORE_OPTION_SPECS,
  { name: 'store-secret', arity: 1, valueName: 'SECRET', description: 'Secret with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the job (secretKeyRef)' },
  { name: 'secret-env', arity: 1, multiple: true, valueName: 'NAME=SECRET:KEY', description: 'env var of the job from a Secret key (repeatable)' },
  { name: 'service-account', arity: 1, valueName: 'NAME', description: "pod's serviceAccountName" },
  { name: 'node-selector', arity: 1, multiple: true, valueName: 'KEY=VALUE', description: 'node selector label (repeatable)' },
  { name: 'toleration', arity: 1, multiple: true, valueName: 'KEY[=VALUE][:EFFECT]', description: 'pod toleration (repeatable), e.g. nvidia.com/gpu:NoSchedule' },
  { name: 'image-pull-secret', arity: 1, multiple: true, valueName: 'SECRET', description: 'imagePullSecrets entry (repeatable)' },
  { name: 'runner-command', arity: 1, valueName: 'CMD', description: "command starting the runner in the image, space-separated (default: the image's entrypoint; kubeflow: nbrun-runner)" },
  { name: 'gpu-resource', arity: 1, valueName: 'NAME', description: 'extended resource of --gpus (default nvidia.com/gpu)' },
];

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A flag's single string value. */
export function textFlag(raw: RawDriverOptions, name: string): string | undefined {
  const v = raw[name];
  if (v === undefined || v === false) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`);
  return v;
}

/** A repeatable flag's values. */
export function listFlag(raw: RawDriverOptions, name: string): string[] {
  const v = raw[name];
  if (v === undefined || v === false) return [];
  return Array.isArray(v) ? v : [String(v)];
}

/** A non-negative integer flag. */
export function integerFlag(raw: RawDriverOptions, name: string, min = 0): number | undefined {
  const v = textFlag(raw, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} '${v}': expected an integer >= ${min}`);
  return n;
}

/**
 * The run limits a batch Job and a PyTorchJob both take (`--backoff-limit`,
 * `--active-deadline`, `--ttl-after-finished`), set on `options` when given.
 * @example parseRunLimits({ 'backoff-limit': '2' }, options) // options.backoffLimit === 2
 */
export function parseRunLimits(raw: RawDriverOptions, options: JobSettings): void {
  const backoff = integerFlag(raw, 'backoff-limit');
  if (backoff !== undefined) options.backoffLimit = backoff;
  const deadline = integerFlag(raw, 'active-deadline', 1);
  if (deadline !== undefined) options.activeDeadlineSeconds = deadline;
  const ttl = integerFlag(raw, 'ttl-after-finished');
  if (ttl !== undefined) options.ttlSecondsAfterFinished = ttl;
}

function dnsName(flag: string, value: string): string {
  if (!NAME.test(value) || value.length > 253) throw new UsageError(`--${flag} '${value}': not a valid Kubernetes name (lowercase letters, digits, '-')`);
  return value;
}

/**
 * Parses `key[=value][:Effect]` into a toleration (`Exists` without a value).
 * @example parseToleration('nvidia.com/gpu:NoSchedule') // { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }
 */
export function parseToleration(text: string): Toleration {
  let rest = text;
  let effect: Toleration['effect'];
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    const e = rest.slice(colon + 1);
    if (!(EFFECTS as readonly string[]).includes(e)) throw new UsageError(`--toleration '${text}': effect must be one of ${EFFECTS.join(', ')}`);
    effect = e as Toleration['effect'];
    rest = rest.slice(0, colon);
  }
  const eq = rest.indexOf('=');
  const key = eq >= 0 ? rest.slice(0, eq) : rest;
  if (!key) throw new UsageError(`--toleration '${text}': missing the taint key`);
  const t: Toleration = eq >= 0 ? { key, operator: 'Equal', value: rest.slice(eq + 1) } : { key, operator: 'Exists' };
  if (effect) t.effect = effect;
  return t;
}

/**
 * Parses `NAME=SECRET:KEY`.
 * @example parseSecretEnv('HF_TOKEN=hf:token') // { name: 'HF_TOKEN', secret: 'hf', key: 'token' }
 */
export function parseSecretEnv(text: string): SecretEnv {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=([^:]+):(.+)$/.exec(text);
  if (!m) throw new UsageError(`--secret-env '${text}': expected NAME=SECRET:KEY`);
  return { name: m[1]!, secret: dnsName('secret-env', m[2]!), key: m[3]! };
}

/**
 * Cluster options from raw flags and the environment.
 * @example parseClusterOptions({ store: 's3://jobs', namespace: 'ml' }, process.env, 'kubernetes')
 */
export function parseClusterOptions(raw: RawDriverOptions, env: NodeJS.ProcessEnv, driver: string): ClusterOptions {
  const options: ClusterOptions = { store: parseStoreSettings(raw, env, driver) };
  const namespace = textFlag(raw, 'namespace');
  if (namespace) options.namespace = dnsName('namespace', namespace);
  const kubeconfig = textFlag(raw, 'kubeconfig');
  if (kubeconfig) options.kubeconfig = kubeconfig;
  const context = textFlag(raw, 'context');
  if (context) options.context = context;
  const storeSecret = textFlag(raw, 'store-secret');
  if (storeSecret) options.storeSecret = dnsName('store-secret', storeSecret);
  const sa = textFlag(raw, 'service-account');
  if (sa) options.serviceAccount = dnsName('service-account', sa);
  const selector: Record<string, string> = {};
  for (const kv of listFlag(raw, 'node-selector')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--node-selector '${kv}': expected KEY=VALUE`);
    selector[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (Object.keys(selector).length) options.nodeSelector = selector;
  const tolerations = listFlag(raw, 'toleration').map(parseToleration);
  if (tolerations.length) options.tolerations = tolerations;
  const pullSecrets = listFlag(raw, 'image-pull-secret').map((s) => dnsName('image-pull-secret', s));
  if (pullSecrets.length) options.imagePullSecrets = pullSecrets;
  const secretEnv = listFlag(raw, 'secret-env').map(parseSecretEnv);
  if (secretEnv.length) options.secretEnv = secretEnv;
  const command = textFlag(raw, 'runner-command');
  if (command) options.runnerCommand = command.split(/\s+/).filter(Boolean);
  const gpu = textFlag(raw, 'gpu-resource');
  if (gpu) options.gpuResource = gpu;
  return options;
}
