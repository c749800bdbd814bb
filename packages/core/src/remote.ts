/**
 * @nbrun/core/remote — the remote gateway (Jupyter Server, Kernel Gateway, Enterprise
 * Gateway), loaded at once: importing this loads @jupyterlab/services, undici and ws.
 * (`createRemoteGateway` from `@nbrun/core` is the same gateway, loaded on first use.)
 */
export { createRemoteGateway, buildKernelEnv } from './gateway/remote/gateway.js';
export type { RemoteConnectionTuning } from './gateway/remote/gateway.js';
