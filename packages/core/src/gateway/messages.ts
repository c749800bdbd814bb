/**
 * Jupyter messaging protocol (v5.3) types, transport-neutral: the same shape travels
 * over ZeroMQ (embedded gateway) and over a gateway's WebSocket (remote gateway).
 */
import { randomUUID } from 'node:crypto';

export type Channel = 'shell' | 'iopub' | 'stdin' | 'control';

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
  [key: string]: unknown;
}

/** One Jupyter message. `parent_header` is `{}` when there is no parent. */
export interface JupyterMessage<C = Record<string, unknown>> {
  channel: Channel;
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers?: Array<ArrayBuffer | ArrayBufferView>;
}

export type MimeBundle = Record<string, unknown>;

export interface StreamContent { name: 'stdout' | 'stderr'; text: string }
export interface DisplayDataContent { data: MimeBundle; metadata?: Record<string, unknown>; transient?: { display_id?: string } }
export interface ExecuteResultContent extends DisplayDataContent { execution_count: number }
export interface ErrorContent { ename: string; evalue: string; traceback: string[] }
export interface ClearOutputContent { wait: boolean }
export interface StatusContent { execution_state: 'busy' | 'idle' | 'starting' | 'restarting' | 'dead' | string }
export interface ExecuteInputContent { code: string; execution_count: number }
export interface InputRequestContent { prompt: string; password: boolean }

export interface ExecuteRequestContent {
  code: string;
  silent: boolean;
  store_history: boolean;
  user_expressions: Record<string, string>;
  allow_stdin: boolean;
  stop_on_error: boolean;
}

export interface ExecuteReplyContent {
  status: 'ok' | 'error' | 'aborted' | string;
  execution_count: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  user_expressions?: Record<string, unknown>;
  payload?: Array<Record<string, unknown>>;
}

export interface KernelInfoReplyContent {
  status: string;
  protocol_version: string;
  implementation: string;
  implementation_version?: string;
  language_info: {
    name: string;
    version?: string;
    mimetype?: string;
    file_extension?: string;
    pygments_lexer?: string;
    codemirror_mode?: unknown;
    nbconvert_exporter?: string;
  };
  banner?: string;
  [key: string]: unknown;
}

/** Protocol version nbrun speaks. */
export const PROTOCOL_VERSION = '5.3';

/**
 * Builds a message ready to send.
 * @example const msg = createMessage('shell', 'kernel_info_request', {}, session)
 */
export function createMessage<C extends object>(
  channel: Channel,
  msgType: string,
  content: C,
  session: string,
  options: { parent?: Partial<MessageHeader>; metadata?: Record<string, unknown>; username?: string; msgId?: string } = {},
): JupyterMessage<C> {
  return {
    channel,
    header: {
      msg_id: options.msgId ?? randomUUID(),
      msg_type: msgType,
      session,
      username: options.username ?? 'nbrun',
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: options.parent ?? {},
    metadata: options.metadata ?? {},
    content,
  };
}

/** The msg_id of a message's parent, or undefined. */
export function parentId(msg: JupyterMessage): string | undefined {
  const id = msg.parent_header?.msg_id;
  return typeof id === 'string' ? id : undefined;
}
