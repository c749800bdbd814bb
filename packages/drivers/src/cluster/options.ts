/**
 * Options of the cluster drivers (kubernetes, kubeflow, pytorchjob): where
 * (kubeconfig, namespace), how the pod is placed (service account, node selector,
 * tolerations) and how secrets reach it (by reference, never inline).
 */
import type { Static, TObject } from '@sinclair/typebox';
import { UsageError } from '@nbrun/core';
import { resolveStoreSettings, type StoreSettings } from '../store/options.js';
import type { clusterOptionProperties, runLimitProperties } from './schema.js';
import type { KubeConfigOptions } from './config.js';

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

/** Job-level settings of the kubernetes driver. */
export interface JobSettings {
  /** Pod retries; default 0 (a notebook run is not idempotent). */
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
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

/** The cluster options as given (JSON or flags), before the environment fills them in. */
export type ClusterOptionsInput = Static<TObject<typeof clusterOptionProperties>>;
/** The run limits as given. */
export type RunLimitOptions = Static<TObject<typeof runLimitProperties>>;

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const TOLERATION = { hint: { option: 'toleration' } };

/**
 * The run limits a batch Job and a PyTorchJob both take (`backoffLimit`, `activeDeadline`,
 * `ttlAfterFinished`), set on `settings` when given.
 * @example applyRunLimits({ backoffLimit: 2 }, settings) // settings.backoffLimit === 2
 */
export function applyRunLimits(options: RunLimitOptions, settings: JobSettings): void {
  if (options.backoffLimit !== undefined) settings.backoffLimit = options.backoffLimit;
  if (options.activeDeadline !== undefined) settings.activeDeadlineSeconds = options.activeDeadline;
  if (options.ttlAfterFinished !== undefined) settings.ttlSecondsAfterFinished = options.ttlAfterFinished;
}

function dnsName(option: string, value: string): string {
  if (!NAME.test(value) || value.length > 253) {
    throw new UsageError(`${option} '${value}': not a valid Kubernetes name (lowercase letters, digits, '-')`, { hint: { option } });
  }
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
    if (!(EFFECTS as readonly string[]).includes(e)) throw new UsageError(`toleration '${text}': effect must be one of ${EFFECTS.join(', ')}`, TOLERATION);
    effect = e as Toleration['effect'];
    rest = rest.slice(0, colon);
  }
  const eq = rest.indexOf('=');
  const key = eq >= 0 ? rest.slice(0, eq) : rest;
  if (!key) throw new UsageError(`toleration '${text}': missing the taint key`, TOLERATION);
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
  if (!m) throw new UsageError(`secretEnv '${text}': expected NAME=SECRET:KEY`, { hint: { option: 'secretEnv' } });
  return { name: m[1]!, secret: dnsName('secretEnv', m[2]!), key: m[3]! };
}

/**
 * Cluster settings from options (already checked against the schema) and the environment.
 * @example resolveClusterOptions({ store: 's3://jobs', namespace: 'ml' }, process.env, 'kubernetes')
 */
export function resolveClusterOptions(input: ClusterOptionsInput, env: NodeJS.ProcessEnv, driver: string): ClusterOptions {
  const options: ClusterOptions = { store: resolveStoreSettings(input, env, driver) };
  if (input.namespace) options.namespace = dnsName('namespace', input.namespace);
  if (input.kubeconfig) options.kubeconfig = input.kubeconfig;
  if (input.context) options.context = input.context;
  if (input.storeSecret) options.storeSecret = dnsName('storeSecret', input.storeSecret);
  if (input.serviceAccount) options.serviceAccount = dnsName('serviceAccount', input.serviceAccount);
  const selector: Record<string, string> = {};
  for (const kv of input.nodeSelector ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`nodeSelector '${kv}': expected KEY=VALUE`, { hint: { option: 'nodeSelector' } });
    selector[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (Object.keys(selector).length) options.nodeSelector = selector;
  const tolerations = (input.toleration ?? []).map(parseToleration);
  if (tolerations.length) options.tolerations = tolerations;
  const pullSecrets = (input.imagePullSecret ?? []).map((s) => dnsName('imagePullSecret', s));
  if (pullSecrets.length) options.imagePullSecrets = pullSecrets;
  const secretEnv = (input.secretEnv ?? []).map(parseSecretEnv);
  if (secretEnv.length) options.secretEnv = secretEnv;
  if (input.runnerCommand) options.runnerCommand = input.runnerCommand.split(/\s+/).filter(Boolean);
  if (input.gpuResource) options.gpuResource = input.gpuResource;
  return options;
}
