/**
 * @nbrun/core — notebook in, executed notebook out.
 * The main entry is small and cheap to import: zeromq loads only when an embedded kernel
 * starts, @jupyterlab/services and ws only when a remote gateway is used. The rest is in
 * subpaths: `@nbrun/core/notebook` (reading, writing, validating nbformat),
 * `@nbrun/core/parameters` (papermill-style parameters, translators), `@nbrun/core/kernel`
 * (the Jupyter message protocol and running code on a kernel you hold),
 * `@nbrun/core/embedded`, `@nbrun/core/remote` (the gateways' internals) and
 * `@nbrun/core/testing`. Every public export is listed here by name (and in public-api.txt).
 */
// errors
export {
  NbrunError, UsageError, NotebookReadError, NotebookJsonError, NotebookFormatError, OutputWriteError,
  ParameterError, CellExecutionError, KernelDiedError, CellTimeoutError, RunTimeoutError,
  KernelStartTimeoutError, KernelNotFoundError, KernelStartError, GatewayError, CancelledError,
  EXIT_CODES, exitCodeFor,
} from './errors.js';
export type { ErrorCode, ErrorHint, FailedCell, NbrunErrorOptions } from './errors.js';

// running notebooks
export { runNotebook, streamNotebook } from './execute/api.js';
/** @deprecated Use runNotebook or streamNotebook (kept as an alias for one release). */
export { executeNotebook } from './execute/api.js';
export { listKernelSpecs, prepareNotebook } from './execute/prepare.js';
export type {
  Notebook, Output, RunOptions, RemoteGatewayOptions, RunEvent, RunResult, RunStatus, CellResult, CellStatus,
} from './execute/types.js';
export { ERROR_MARKER_TAG } from './record/metadata.js';
export type { NotebookRecord, CellRecord } from './record/metadata.js';
export { VERSION } from './version.js';

// gateways
export type {
  Gateway, KernelConnection, KernelSpecInfo, KernelSpecList, StartKernelOptions, KernelDeath, GatewayNotice,
} from './gateway/types.js';
export { resolveGateway, isGateway } from './gateway/resolve.js';
export { createEmbeddedGateway } from './gateway/embedded/gateway.js';
export type { EmbeddedGatewayOptions } from './gateway/embedded/gateway.js';
export { shutdownAllKernels, liveKernelCount } from './gateway/embedded/registry.js';
export { createRemoteGateway } from './gateway/remote/lazy.js';
export type { RemoteConnectionTuning } from './gateway/remote/connection.js';

// notebook files (more in @nbrun/core/notebook)
export { readNotebook, parseNotebook, writeNotebook, serializeNotebook, validateNotebook, upgradeNotebook } from './notebook/index.js';
export type { ReadNotebookOptions } from './notebook/index.js';

// parameters (more in @nbrun/core/parameters)
export { injectParameters, inspectParameters, FloatValue, asFloat, PARAMETERS_TAG, INJECTED_PARAMETERS_TAG } from './parameters/index.js';
export type { InjectOptions, InjectResult, ParameterInfo, InspectOptions, ParameterValue } from './parameters/index.js';
