/**
 * @nbrun/core/kernel — the Jupyter messaging protocol, and running code on a kernel you
 * hold (`MessageRouter` + `executeCode` + `OutputArea`), or in a `KernelSession` (start,
 * run, classify each outcome as nbrun's runs do, close).
 */
export { createMessage, parentId, PROTOCOL_VERSION } from './gateway/messages.js';
export type {
  Channel, JupyterMessage, MessageHeader, MimeBundle, ExecuteRequestContent, ExecuteReplyContent,
  KernelInfoReplyContent, StreamContent, DisplayDataContent, ExecuteResultContent, ErrorContent,
} from './gateway/messages.js';
export { executeCode, MessageRouter } from './execute/cell.js';
export type { CellOutcome, CellInterruption, ExecuteCodeOptions, ExecutionTimestamps } from './execute/cell.js';
export { OutputArea, DisplayRegistry } from './execute/outputs.js';
export { KernelSession, classifyOutcome, kernelNameFor } from './execute/session.js';
export type { KernelSessionOptions, CellVerdict, ClassifyOptions } from './execute/session.js';
