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
export type { ErrorCode, FailedCell } from './errors.js';

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
