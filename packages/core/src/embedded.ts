/**
 * @nbrun/core/embedded — kernels on this machine over ZeroMQ: the kernel class, kernelspec
 * search, the wire format. Importing this loads the zeromq addon.
 */
export {
  createEmbeddedGateway, EmbeddedKernel, startEmbeddedKernel, findKernelSpecs, findKernelSpec, jupyterDataDirs,
  pythonForKernelSpec, shutdownAllKernels, liveKernelCount, encodeMessage, decodeMessage, signParts,
} from './gateway/embedded/index.js';
export type {
  EmbeddedGatewayOptions, EmbeddedKernelOptions, KernelSpecSearchOptions, DecodeResult, WireRejection, ConnectionInfo,
} from './gateway/embedded/index.js';
