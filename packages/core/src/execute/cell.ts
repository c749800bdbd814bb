/**
 * Executes one piece of code on a kernel and collects what it produces. A cell is
 * done when its shell `execute_reply` AND its iopub `status: idle` have both arrived.
 * Outputs are matched to the request by `parent_header.msg_id`, never by arrival order.
 */
import type { IOutput } from '@jupyterlab/nbformat';
import { createMessage, parentId } from '../gateway/messages.js';
import type {
  ExecuteReplyContent, ExecuteRequestContent, InputRequestContent, JupyterMessage, StatusContent,
} from '../gateway/messages.js';
import type { KernelConnection, KernelDeath } from '../gateway/types.js';
import { OutputArea } from './outputs.js';
import { setLongTimeout } from '../timers.js';

/** nbclient's `metadata.execution` timestamps, taken from the kernel's message headers. */
export interface ExecutionTimestamps {
  'iopub.status.busy'?: string;
  'iopub.execute_input'?: string;
  'shell.execute_reply'?: string;
  'iopub.status.idle'?: string;
}

/** Why a cell did not end by itself. */
export type CellInterruption =
  | { kind: 'timeout' }
  | { kind: 'cancelled' }
  | { kind: 'run-timeout' }
  | { kind: 'kernel-died'; death: KernelDeath }
  | { kind: 'input-exhausted'; prompt: string };

export interface CellOutcome {
  /** The reply, if one arrived. */
  reply?: ExecuteReplyContent;
  executionCount: number | null;
  timestamps: ExecutionTimestamps;
  /** Set when the cell was stopped from outside (timeout, cancel, death, unanswerable input). */
  interruption?: CellInterruption;
  /** Set when, after an interrupt, the kernel did not reply within the grace period (it ignores SIGINT, say). */
  unresponsive?: boolean;
}

/** Default time a kernel has to answer an interrupt before nbrun gives up on it (and the run shuts it down). */
export const INTERRUPT_GRACE_MS = 3_000;

export interface ExecuteCodeOptions {
  /** Per-cell timeout; on expiry the kernel is interrupted. */
  timeoutMs?: number;
  /** Answers for input requests; consumed in order. */
  inputs?: string[];
  /** Aborting interrupts the kernel and ends the cell as cancelled. */
  signal?: AbortSignal;
  /** Reason reported when `signal` aborts: 'cancelled' or 'run-timeout'. */
  abortKind?: () => 'cancelled' | 'run-timeout';
  /** Called for each output added or changed in this cell; `appended` is a stream message's text (merged into `output`). */
  onOutput?: (output: IOutput, appended?: string) => void;
  /** Called for every iopub message parented to this execution (after outputs are applied). */
  onMessage?: (msg: JupyterMessage) => void;
  /** How long to wait for the reply after an interrupt before giving up on the kernel. */
  interruptGraceMs?: number;
  /** Sent as the request's `store_history`. Default true. */
  storeHistory?: boolean;
  silent?: boolean;
  /**
   * Sent as `stop_on_error`. Default false: nbrun sends one request at a time, so there is
   * no queue to abort, and with true ipykernel also aborts a request that arrives right
   * after an error (an interrupted cell, say) — the next cell would come back `aborted`.
   */
  stopOnError?: boolean;
  userExpressions?: Record<string, string>;
}

/**
 * Routes received messages to the execution they belong to. One per kernel connection;
 * messages whose parent is unknown (e.g. a thread printing after its cell ended) go to
 * `late` so the owner of that earlier msg_id can still record them.
 */
export class MessageRouter {
  private readonly handlers = new Map<string, (msg: JupyterMessage) => void>();
  private readonly off: () => void;
  /** Called with messages for a parent that has no live handler. */
  late?: (msg: JupyterMessage, parent: string | undefined) => void;

  constructor(readonly kernel: KernelConnection) {
    this.off = kernel.onMessage((msg) => {
      const parent = parentId(msg);
      const handler = parent === undefined ? undefined : this.handlers.get(parent);
      if (handler) handler(msg);
      else this.late?.(msg, parent);
    });
  }

  register(msgId: string, handler: (msg: JupyterMessage) => void): () => void {
    this.handlers.set(msgId, handler);
    return () => this.handlers.delete(msgId);
  }

  dispose(): void {
    this.off();
    this.handlers.clear();
  }
}

/**
 * Sends `code` as an execute_request and resolves when the kernel is done with it
 * (or it was stopped: see `interruption`). Never rejects for a cell error: errors are
 * outputs plus `reply.status === 'error'`.
 */
export function executeCode(
  router: MessageRouter,
  code: string,
  area: OutputArea,
  options: ExecuteCodeOptions = {},
): Promise<CellOutcome> {
  const kernel = router.kernel;
  const inputs = options.inputs;
  const content: ExecuteRequestContent = {
    code,
    silent: options.silent ?? false,
    store_history: options.storeHistory ?? true,
    user_expressions: options.userExpressions ?? {},
    allow_stdin: inputs !== undefined,
    stop_on_error: options.stopOnError ?? false,
  };
  const request = createMessage('shell', 'execute_request', content, kernel.session);
  const msgId = request.header.msg_id;
  const timestamps: ExecutionTimestamps = {};
  let executionCount: number | null = null;

  return new Promise<CellOutcome>((resolve) => {
    let reply: ExecuteReplyContent | undefined;
    let idle = false;
    let interruption: CellInterruption | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let unresponsive = false;

    const finish = () => {
      if (settled) return;
      settled = true;
      unregister();
      offDeath();
      timer?.clear();
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ reply, executionCount, timestamps, interruption, ...(unresponsive ? { unresponsive } : {}) });
    };

    const stop = (why: CellInterruption) => {
      if (settled || interruption) return;
      interruption = why;
      if (why.kind === 'kernel-died') return finish();
      // Interrupt first; if the kernel does not answer within the grace period, give up on it.
      kernel.interrupt().catch(() => undefined);
      graceTimer = setTimeout(() => {
        unresponsive = true;
        finish();
      }, options.interruptGraceMs ?? INTERRUPT_GRACE_MS);
    };

    const unregister = router.register(msgId, (msg) => {
      const type = msg.header.msg_type;
      if (msg.channel === 'iopub') {
        if (type === 'status') {
          const state = (msg.content as unknown as StatusContent).execution_state;
          if (state === 'busy') timestamps['iopub.status.busy'] = msg.header.date;
          else if (state === 'idle') {
            timestamps['iopub.status.idle'] = msg.header.date;
            idle = true;
          }
        } else if (type === 'execute_input') {
          timestamps['iopub.execute_input'] = msg.header.date;
          const count = (msg.content as { execution_count?: number }).execution_count;
          if (typeof count === 'number') executionCount = count;
        } else {
          const out = area.handle(msg);
          if (type === 'execute_result') {
            const count = (msg.content as { execution_count?: number }).execution_count;
            if (typeof count === 'number') executionCount = count;
          }
          if (out) options.onOutput?.(out, type === 'stream' ? (msg.content as { text?: string }).text : undefined);
        }
        options.onMessage?.(msg);
      } else if (msg.channel === 'shell' && type === 'execute_reply') {
        reply = msg.content as unknown as ExecuteReplyContent;
        timestamps['shell.execute_reply'] = msg.header.date;
        if (typeof reply.execution_count === 'number') executionCount = reply.execution_count;
      } else if (msg.channel === 'stdin' && type === 'input_request') {
        const req = msg.content as unknown as InputRequestContent;
        const answer = inputs?.shift();
        if (answer === undefined) {
          stop({ kind: 'input-exhausted', prompt: req.prompt });
        } else {
          kernel.send(createMessage('stdin', 'input_reply', { value: answer }, kernel.session, { parent: msg.header }));
        }
      }
      if (reply && idle) finish();
    });

    const offDeath = kernel.onDeath((death) => stop({ kind: 'kernel-died', death }));
    const timer =
      options.timeoutMs !== undefined ? setLongTimeout(() => stop({ kind: 'timeout' }), options.timeoutMs) : undefined;
    const onAbort = () => stop({ kind: options.abortKind?.() ?? 'cancelled' });
    if (options.signal?.aborted) {
      interruption = { kind: options.abortKind?.() ?? 'cancelled' };
      return finish();
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (kernel.isDead) {
      interruption = { kind: 'kernel-died', death: { reason: 'kernel is not running' } };
      return finish();
    }
    kernel.send(request);
  });
}
