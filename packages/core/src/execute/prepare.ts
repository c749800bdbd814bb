/**
 * Runs that do not execute: `prepareNotebook` (parameterize only, `--prepare-only`)
 * and `listKernelSpecs` (what a gateway offers).
 */
import { resolve as resolvePath } from 'node:path';
import type { RemoteGatewayOptions, Notebook } from './types.js';
import { NATIVE_KERNEL_NAME, type Gateway, type KernelSpecList } from '../gateway/types.js';
import { isGateway, resolveGateway } from '../gateway/resolve.js';
import { readNotebook } from '../notebook/index.js';
import { removeErrorMarkers } from '../record/metadata.js';
import { kernelNameFor } from './session.js';
import { createTranslatorRegistry, injectParameters, type InjectResult } from '../parameters/index.js';

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
 * The kernel language parameters are written in before the kernel runs, as papermill
 * decides it (it parameterizes before starting the kernel): the notebook's own
 * (`language_info.name`, else `kernelspec.language`) when its kernelspec is the kernel to
 * start; else the kernelspec's language as the gateway lists it — read from local files
 * for the embedded gateway, asked of a remote one only when `askRemote` (a run does not
 * wait on a server before starting). Undefined when it cannot tell before a kernel runs.
 * @example await kernelLanguageBeforeStart(nb, 'ir') // 'R'
 */
export async function kernelLanguageBeforeStart(
  nb: Notebook,
  kernelName: string,
  gateway?: Gateway | RemoteGatewayOptions,
  options: { askRemote?: boolean; signal?: AbortSignal } = {},
): Promise<string | undefined> {
  const md = nb.metadata as { language_info?: { name?: unknown }; kernelspec?: { name?: unknown; language?: unknown } };
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const own = str(md.language_info?.name) ?? str(md.kernelspec?.language);
  const notebookKernel = str(md.kernelspec?.name);
  if (own && notebookKernel?.toLowerCase() === kernelName.toLowerCase()) return own;
  const embedded = gateway === undefined || (isGateway(gateway) && gateway.kind === 'embedded');
  if (!embedded && !options.askRemote) return own;
  try {
    const specs = await listKernelSpecs(gateway, options.signal);
    const wanted = kernelName.toLowerCase() === 'python' ? [NATIVE_KERNEL_NAME, 'python'] : [kernelName.toLowerCase()];
    for (const name of wanted) {
      const language = str(specs.specs.find((s) => s.name.toLowerCase() === name)?.language);
      if (language) return language;
    }
  } catch {
    // No list (a gateway that refuses it): the kernel's own language decides after the start.
  }
  return own;
}

/**
 * Injects parameters before a kernel starts, when the language is known by then (see
 * {@link kernelLanguageBeforeStart}), so a value the language cannot hold (an R integer
 * beyond 2^53, lists nested deeper than R reads) is refused before a possibly long kernel
 * start. Undefined when only the started kernel can tell its language.
 * @example const early = await injectBeforeStart(nb, { n: 2n ** 60n }, 'ir') // throws a ParameterError
 */
export async function injectBeforeStart(
  nb: Notebook,
  parameters: Record<string, unknown>,
  kernelName: string,
  gateway?: Gateway | RemoteGatewayOptions,
  signal?: AbortSignal,
): Promise<InjectResult | undefined> {
  const language = await kernelLanguageBeforeStart(nb, kernelName, gateway, signal ? { signal } : {});
  if (!createTranslatorRegistry().find({ kernelName, language })) return undefined;
  return injectParameters(nb, parameters, { kernelName, ...(language ? { language } : {}) });
}

/**
 * Reads a notebook and injects parameters without executing it. The language comes from
 * the notebook's metadata, else from the kernelspec of that name on the gateway.
 * @example const nb = await prepareNotebook('nb.ipynb', { parameters: { n: 10 } });
 */
export async function prepareNotebook(
  input: string,
  options: {
    parameters: Record<string, unknown>;
    kernelName?: string;
    gateway?: Gateway | RemoteGatewayOptions;
    /** Told what the lenient reader repaired (one line naming the places). */
    onWarning?: (message: string) => void;
  },
): Promise<Notebook> {
  const nb = await readNotebook(resolvePath(input), options.onWarning ? { onWarning: options.onWarning } : {});
  // As papermill: markers of an earlier failed run go, also when the notebook is only prepared.
  removeErrorMarkers(nb);
  const kernelName = kernelNameFor(nb, options.kernelName);
  const language = await kernelLanguageBeforeStart(nb, kernelName, options.gateway, { askRemote: true });
  const injected = injectParameters(nb, options.parameters, { language: language ?? 'python', kernelName });
  const md = injected.notebook.metadata as Record<string, unknown>;
  md.nbrun = { ...(md.nbrun as object | undefined), parameters: options.parameters, status: 'prepared' };
  return injected.notebook;
}
