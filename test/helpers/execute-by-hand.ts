/**
 * Runs one execute_request on a KernelConnection by hand (no executor): resolves once the
 * execute_reply and the iopub `idle` of that request have both arrived, with every message
 * whose parent is the request, in arrival order.
 */
import { createMessage, parentId, type JupyterMessage } from '../../packages/core/src/gateway/messages.js';
import type { KernelConnection } from '../../packages/core/src/gateway/types.js';

export interface HandExecution {
  request: JupyterMessage;
  /** Every message whose parent is the request. */
  messages: JupyterMessage[];
  reply: JupyterMessage;
  /** Concatenated `stream` text by stream name. */
  streams: { stdout: string; stderr: string };
}

/**
 * @example const { reply, streams } = await executeByHand(kernel, 'print(1)')
 */
export function executeByHand(kernel: KernelConnection, code: string, limitMs = 60_000): Promise<HandExecution> {
  const request = createMessage(
    'shell',
    'execute_request',
    { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
    kernel.session,
  );
  return new Promise<HandExecution>((resolve, reject) => {
    const messages: JupyterMessage[] = [];
    let reply: JupyterMessage | undefined;
    let idle = false;
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      stop();
      stopDeath();
      if (err) return reject(err);
      const streams = { stdout: '', stderr: '' };
      for (const m of messages) {
        if (m.header.msg_type !== 'stream') continue;
        const c = m.content as { name: 'stdout' | 'stderr'; text: string };
        streams[c.name] += c.text;
      }
      resolve({ request, messages, reply: reply!, streams });
    };
    const timer = setTimeout(() => finish(new Error(`no execute_reply + idle within ${limitMs} ms for: ${code}`)), limitMs);
    const stop = kernel.onMessage((msg) => {
      if (parentId(msg) !== request.header.msg_id) return;
      messages.push(msg);
      if (msg.header.msg_type === 'execute_reply') reply = msg;
      if (msg.header.msg_type === 'status' && (msg.content as { execution_state?: string }).execution_state === 'idle') idle = true;
      if (reply && idle) finish();
    });
    const stopDeath = kernel.onDeath((death) => finish(new Error(`kernel died: ${death.reason}`)));
    kernel.send(request);
  });
}
