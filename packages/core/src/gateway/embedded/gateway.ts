/**
 * The embedded gateway: kernels started on this machine from their kernelspecs and
 * spoken to directly over ZeroMQ, as nbclient/jupyter_client do. No Jupyter server needed.
 */
import { statSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { Gateway, KernelConnection, KernelSpecList, StartKernelOptions } from '../types.js';
import type { EmbeddedKernel } from './kernel.js';
import { findKernelSpec, findKernelSpecs } from './kernelspecs.js';
import { runtimeDir } from './launch.js';

/** Options of {@link createEmbeddedGateway}. */
export interface EmbeddedGatewayOptions {
  /** Environment for discovery (`JUPYTER_PATH`...) and the base environment of kernels. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Extra Jupyter data dirs (each holding `kernels/`), searched first. */
  dataDirs?: string[];
  /** Python for kernelspecs whose argv[0] is `python` (when the spec's own prefix has none). Default `NBRUN_PYTHON`. */
  python?: string;
  /** Folder for connection files. Default `JUPYTER_RUNTIME_DIR`, else the temp dir. */
  runtimeDir?: string;
  /** The kernel process's own stdout/stderr: 'pipe' (default: kept off the terminal) or 'inherit'. */
  kernelStdio?: 'pipe' | 'inherit';
  /** Receives the kernel process's own stdout/stderr chunks when `kernelStdio` is 'pipe'. */
  onKernelOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/**
 * Creates the embedded gateway.
 * @example
 * const gateway = createEmbeddedGateway();
 * const kernel = await gateway.startKernel({ kernelName: 'python3' });
 * kernel.onMessage((msg) => console.log(msg.header.msg_type));
 * kernel.send(createMessage('shell', 'execute_request', { code: '1+1', silent: false, store_history: true,
 *   user_expressions: {}, allow_stdin: false, stop_on_error: true }, kernel.session));
 * await kernel.shutdown();
 */
export function createEmbeddedGateway(options: EmbeddedGatewayOptions = {}): Gateway {
  const env = options.env ?? process.env;
  const python = options.python ?? (env.NBRUN_PYTHON || undefined);
  const search = { env, dataDirs: options.dataDirs, python };
  const started = new Set<EmbeddedKernel>();
  let disposed = false;
  return {
    kind: 'embedded',
    async listKernelSpecs(signal?: AbortSignal): Promise<KernelSpecList> {
      signal?.throwIfAborted();
      const specs = await findKernelSpecs(search);
      const names = specs.map((s) => s.name);
      return { default: names.includes('python3') ? 'python3' : names[0], specs };
    },
    async startKernel(start: StartKernelOptions): Promise<KernelConnection> {
      if (disposed) throw new UsageError('the embedded gateway was disposed: create a new one to start kernels');
      if (start.startTimeoutMs !== undefined && !(start.startTimeoutMs > 0)) {
        throw new UsageError(`startTimeoutMs must be a positive number of milliseconds (got ${start.startTimeoutMs})`);
      }
      if (start.cwd !== undefined && !isDirectory(start.cwd)) {
        throw new UsageError(`kernel working directory ${start.cwd} does not exist or is not a folder (option cwd)`);
      }
      start.signal?.throwIfAborted();
      const spec = await findKernelSpec(start.kernelName, search);
      // zeromq (the kernel's sockets) loads with the first kernel, not with core.
      const { EmbeddedKernel } = await import('./kernel.js');
      const kernel = new EmbeddedKernel({
        spec,
        cwd: start.cwd,
        env: start.env,
        baseEnv: env,
        python,
        runtimeDir: options.runtimeDir ?? runtimeDir(env),
        stdio: options.kernelStdio ?? 'pipe',
        onOutput: options.onKernelOutput,
      });
      started.add(kernel);
      try {
        await kernel.start({ startTimeoutMs: start.startTimeoutMs, signal: start.signal });
      } catch (err) {
        started.delete(kernel);
        throw err;
      }
      return kernel;
    },
    async dispose(): Promise<void> {
      disposed = true;
      await Promise.allSettled([...started].map((k) => k.shutdown()));
      started.clear();
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
