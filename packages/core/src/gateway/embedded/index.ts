/** The embedded gateway's public surface (re-exported by name from the package index). */
export { createEmbeddedGateway } from './gateway.js';
export type { EmbeddedGatewayOptions } from './gateway.js';
export { EmbeddedKernel, startEmbeddedKernel } from './kernel.js';
export type { EmbeddedKernelOptions } from './kernel.js';
export { findKernelSpecs, findKernelSpec, jupyterDataDirs, pythonForKernelSpec } from './kernelspecs.js';
export type { KernelSpecSearchOptions } from './kernelspecs.js';
export { shutdownAllKernels, liveKernelCount } from './registry.js';
export { encodeMessage, decodeMessage, signParts } from './wire.js';
export type { DecodeResult, WireRejection } from './wire.js';
export type { ConnectionInfo } from './launch.js';
