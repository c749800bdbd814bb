/**
 * Where the cluster is: a kubeconfig from `--kubeconfig`, `$KUBECONFIG` or `~/.kube/config`,
 * or the pod's service account when nbrun itself runs in the cluster.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '@nbrun/core';
import { BackendError } from '../errors.js';

/** How to find the cluster. */
export interface KubeConfigOptions {
  /** A kubeconfig file; default the first of `$KUBECONFIG`, else `~/.kube/config`, else in-cluster. */
  kubeconfig?: string;
  /** A context of the kubeconfig; default its current context. */
  context?: string;
}

/**
 * Loads the kubeconfig nbrun talks to the cluster with.
 * @example const kc = loadKubeConfig({ context: 'gpu-cluster' }, process.env)
 */
export function loadKubeConfig(options: KubeConfigOptions, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  const fromEnv = env.KUBECONFIG?.split(delimiter).find((p) => p && existsSync(p));
  const home = join(env.HOME || homedir(), '.kube', 'config');
  const file = options.kubeconfig ?? fromEnv ?? (existsSync(home) ? home : undefined);
  try {
    if (file) kc.loadFromFile(file);
    else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else throw new UsageError('no kubeconfig found: pass kubeconfig FILE, set $KUBECONFIG, or create ~/.kube/config', { hint: { option: 'kubeconfig' } });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot load the kubeconfig ${file ?? '(in-cluster)'}: ${(err as Error).message}`, { cause: err });
  }
  if (options.context) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new UsageError(`context '${options.context}': no such context in ${file} (have: ${kc.getContexts().map((c) => c.name).join(', ')})`, { hint: { option: 'context' } });
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw new BackendError('kubernetes', `the kubeconfig ${file ?? '(in-cluster)'} names no cluster for its current context`);
  return kc;
}

/** The namespace of the kubeconfig's current context, else `default`. */
export function contextNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}
