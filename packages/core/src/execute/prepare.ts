/**
 * Runs that do not execute: `prepareNotebook` (parameterize only, `--prepare-only`)
 * and `listKernelSpecs` (what a gateway offers).
 */
import { resolve as resolvePath } from 'node:path';
import type { RemoteGatewayOptions, Notebook } from './types.js';
import type { Gateway, KernelSpecList } from '../gateway/types.js';
import { resolveGateway } from '../gateway/resolve.js';
import { readNotebook } from '../notebook/index.js';
import { injectParameters } from '../parameters/index.js';

/**
 * Lists the kernelspecs of a gateway (default: this machine's).
 * @example const { specs } = await listKernelSpecs();
 */
export async function listKernelSpecs(gateway?: Gateway | RemoteGatewayOptions, signal?: AbortSignal): Promise<KernelSpecList> {
  const { gateway: g, owned } = resolveGateway(gateway);
  try {
    return await g.listKernelSpecs(signal);
  } finally {
    if (owned) await g.dispose();
  }
}

/**
 * Reads a notebook and injects parameters without executing it. The language comes from
 * the notebook's metadata, else from the kernelspec of that name on the gateway.
 * @example const nb = await prepareNotebook('nb.ipynb', { parameters: { n: 10 } });
 */
export async function prepareNotebook(
  input: string,
  options: { parameters: Record<string, unknown>; kernelName?: string; gateway?: Gateway | RemoteGatewayOptions },
): Promise<Notebook> {
  const nb = await readNotebook(resolvePath(input));
  const ks = nb.metadata.kernelspec as { name?: string; language?: string } | undefined;
  const kernelName = options.kernelName ?? ks?.name ?? 'python3';
  let language = (nb.metadata.language_info as { name?: string } | undefined)?.name ?? ks?.language;
  if (!language || (options.kernelName && options.kernelName !== ks?.name)) {
    const specs = await listKernelSpecs(options.gateway);
    language = specs.specs.find((s) => s.name === kernelName)?.language ?? language;
  }
  const injected = injectParameters(nb, options.parameters, { language: language ?? 'python', kernelName });
  const md = injected.notebook.metadata as Record<string, unknown>;
  md.nbrun = { ...(md.nbrun as object | undefined), parameters: options.parameters, status: 'prepared' };
  return injected.notebook;
}
