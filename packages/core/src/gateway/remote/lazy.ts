/**
 * The remote gateway as `@nbrun/core` exports it: the same gateway, whose module (and with it
 * @jupyterlab/services, undici and ws) loads on first use, so importing core stays cheap.
 */
import type { RemoteGatewayOptions } from '../../execute/types.js';
import type { Gateway, KernelConnection, KernelSpecList, StartKernelOptions } from '../types.js';
import type { RemoteConnectionTuning } from './connection.js';

/**
 * A gateway to a Jupyter Server, Kernel Gateway or Enterprise Gateway. Options are checked
 * on first use (the first `listKernelSpecs` or `startKernel`), with the same errors.
 * @example const gateway = createRemoteGateway({ url: 'http://127.0.0.1:8888', token });
 * const kernel = await gateway.startKernel({ kernelName: 'python3' });
 * await kernel.shutdown(); await gateway.dispose()
 */
export function createRemoteGateway(options: RemoteGatewayOptions, tuning: RemoteConnectionTuning = {}): Gateway {
  let loaded: Promise<Gateway> | undefined;
  let disposed = false;
  const gateway = (): Promise<Gateway> =>
    (loaded ??= import('./gateway.js').then((m) => m.createRemoteGateway(options, tuning)));
  return {
    kind: 'remote',
    async listKernelSpecs(signal?: AbortSignal): Promise<KernelSpecList> {
      return (await gateway()).listKernelSpecs(signal);
    },
    async startKernel(start: StartKernelOptions): Promise<KernelConnection> {
      // A disposed gateway refuses starts with the real gateway's error.
      const real = await gateway();
      if (disposed) await real.dispose();
      return real.startKernel(start);
    },
    async dispose(): Promise<void> {
      disposed = true;
      if (!loaded) return;
      const real = await loaded.catch(() => undefined);
      await real?.dispose();
    },
  };
}
