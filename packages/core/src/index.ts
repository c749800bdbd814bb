/**
 * @nbrun/core — notebook in, executed notebook out.
 * Every public export is listed here by name.
 */
// errors
export {
  NbrunError, UsageError, NotebookReadError, NotebookJsonError, NotebookFormatError, OutputWriteError,
  ParameterError, CellExecutionError, KernelDiedError, CellTimeoutError, RunTimeoutError,
  KernelStartTimeoutError, KernelNotFoundError, KernelStartError, GatewayError, CancelledError,
  EXIT_CODES, exitCodeFor,
} from './errors.js';
export type { ErrorCode, ErrorHint, FailedCell, NbrunErrorOptions } from './errors.js';

// gateway
export type {
  Gateway, KernelConnection, KernelSpecInfo, KernelSpecList, StartKernelOptions, KernelDeath, GatewayNotice,
} from './gateway/types.js';
export { createMessage, parentId, PROTOCOL_VERSION } from './gateway/messages.js';
export type {
  Channel, JupyterMessage, MessageHeader, MimeBundle, ExecuteRequestContent, ExecuteReplyContent,
  KernelInfoReplyContent, StreamContent, DisplayDataContent, ExecuteResultContent, ErrorContent,
} from './gateway/messages.js';

// execution
export type {
  Notebook, Output, RunOptions, RemoteGatewayOptions, RunEvent, RunResult, RunStatus, CellResult, CellStatus,
} from './execute/types.js';

// run API
export { runNotebook, streamNotebook } from './execute/api.js';
export { executeNotebook } from './execute/run.js';
export { listKernelSpecs, prepareNotebook } from './execute/prepare.js';
export { executeCode, MessageRouter } from './execute/cell.js';
export type { CellOutcome, CellInterruption, ExecuteCodeOptions, ExecutionTimestamps } from './execute/cell.js';
export { OutputArea, DisplayRegistry } from './execute/outputs.js';
export { resolveGateway, isGateway } from './gateway/resolve.js';
export { ERROR_MARKER_TAG } from './record/metadata.js';
export type { NotebookRecord, CellRecord } from './record/metadata.js';
export { VERSION } from './version.js';

// remote gateway
export { createRemoteGateway, buildKernelEnv } from './gateway/remote/gateway.js';
export type { RemoteConnectionTuning } from './gateway/remote/gateway.js';

// embedded gateway
export {
  createEmbeddedGateway, EmbeddedKernel, startEmbeddedKernel, findKernelSpecs, findKernelSpec, jupyterDataDirs,
  pythonForKernelSpec, shutdownAllKernels, liveKernelCount, encodeMessage, decodeMessage, signParts,
} from './gateway/embedded/index.js';
export type {
  EmbeddedGatewayOptions, EmbeddedKernelOptions, KernelSpecSearchOptions, DecodeResult, WireRejection, ConnectionInfo,
} from './gateway/embedded/index.js';

// notebook I/O
export {
  parseNotebook, readNotebook, normalizeNotebook, decodeNotebookBytes, decodeUtf8Strict, findUtf8Issue, Utf8Issue, serializeNotebook, writeNotebook, writeNotebookSync, writeFileAtomic, writeFileAtomicSync,
  validateNotebook, assertValidNotebook45, findNotebookProblem, upgradeNotebook, repairCellIds, randomCellId, isValidCellId,
  repairNotebook, describeRepairs, splitLines, rejoinNotebookLines, splitNotebookLines, isJsonMime, dumpPythonJson, formatPythonFloat, formatPythonNumber,
} from './notebook/index.js';
export type { ReadNotebookOptions, NotebookRepair, NotebookProblem, FindNotebookProblemOptions, CellIdRepair } from './notebook/index.js';

// parameters
export {
  injectParameters, inspectParameters, parseParameterSource, findParametersCell, PARAMETERS_TAG, INJECTED_PARAMETERS_TAG,
  createTranslatorRegistry, builtinTranslators, renderParameters, validateParameters, normalizeInteger, MAX_PARAMETER_DEPTH,
  FloatValue, asFloat, inferParameterValue, parseParameterJson, stringifyParameterValue, pythonTranslator, rTranslator, juliaTranslator, scalaTranslator,
  octaveTranslator, matlabTranslator, bashTranslator, powershellTranslator, csharpTranslator, fsharpTranslator,
  javascriptTranslator, typescriptTranslator,
} from './parameters/index.js';
export type {
  InjectOptions, InjectResult, ParameterInfo, InspectOptions, TranslatorRegistry, TranslatorQuery, Translator, ParameterValue,
} from './parameters/index.js';
