/**
 * The half both gateways share (gateway/kernel-base.ts), over an in-memory transport:
 * replies matched to requests by msg_id, requests failed on death, shutdown and abort,
 * shutdown once (shared by concurrent calls, tried again after a failure), death told once
 * per life and never while shutting down. Real kernels: contract.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { KernelDiedError } from '../../src/errors.js';
import { KernelBase, ReplyTimeoutError, type RequestOptions } from '../../src/gateway/kernel-base.js';
import { createMessage, type JupyterMessage, type KernelInfoReplyContent } from '../../src/gateway/messages.js';
import type { KernelDeath, KernelSpecInfo } from '../../src/gateway/types.js';

class MemoryKernel extends KernelBase {
  readonly id = 'k1';
  readonly kernelName = 'memory';
  readonly session = 's1';
  readonly spec: KernelSpecInfo = { name: 'memory', displayName: 'Memory', language: 'python' };
  readonly info = {} as KernelInfoReplyContent;
  readonly sent: JupyterMessage[] = [];
  releases = 0;
  closes = 0;
  failures: unknown[] = [];
  /** What the next close() does. */
  closing_: () => Promise<void> = async () => undefined;

  protected transmit(msg: JupyterMessage): void {
    this.sent.push(msg);
  }
  protected release(): void {
    this.releases++;
  }
  protected close(): Promise<void> {
    this.closes++;
    return this.closing_();
  }
  protected override shutdownFailed(err: unknown): void {
    this.failures.push(err);
  }
  async interrupt(): Promise<void> {}
  async restart(): Promise<void> {
    this.revive();
  }
  ask(options?: RequestOptions): Promise<JupyterMessage> {
    return this.request(createMessage('shell', 'kernel_info_request', {}, this.session), options);
  }
  receive(msg: JupyterMessage): void {
    this.deliver(msg);
  }
  kill(death: KernelDeath): void {
    this.die(death);
  }
}

/** A message of the kernel's whose parent is `parent`. */
function answer(parent: JupyterMessage, channel: 'shell' | 'iopub', msgType: string): JupyterMessage {
  const msg = createMessage(channel, msgType, {}, 's1');
  return { ...msg, parent_header: parent.header } as JupyterMessage;
}

describe('KernelBase', () => {
  it('resolves a request with the reply whose parent it is, on shell only; listeners hear all but what a hidden request caused', async () => {
    const kernel = new MemoryKernel();
    const heard: string[] = [];
    kernel.onMessage((msg) => heard.push(`${msg.channel}:${msg.header.msg_type}`));
    const open = kernel.ask();
    const hidden = kernel.ask({ hidden: true });
    const [openReq, hiddenReq] = kernel.sent as [JupyterMessage, JupyterMessage];
    let settled = false;
    void open.then(() => (settled = true));
    kernel.receive(answer(openReq, 'iopub', 'status'));
    await Promise.resolve();
    expect(settled).toBe(false);
    kernel.receive(answer(hiddenReq, 'iopub', 'status'));
    kernel.receive(answer(hiddenReq, 'shell', 'kernel_info_reply'));
    kernel.receive(answer(openReq, 'shell', 'kernel_info_reply'));
    expect((await open).header.msg_type).toBe('kernel_info_reply');
    expect((await hidden).parent_header.msg_id).toBe(hiddenReq.header.msg_id);
    // After its reply, what a hidden request caused still stays ours.
    kernel.receive(answer(hiddenReq, 'iopub', 'status'));
    expect(heard).toEqual(['iopub:status', 'shell:kernel_info_reply']);
  });

  it('rejects a request on abort with the reason, and after timeoutMs with a ReplyTimeoutError', async () => {
    const kernel = new MemoryKernel();
    const controller = new AbortController();
    const aborted = kernel.ask({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    await expect(kernel.ask({ timeoutMs: 10 })).rejects.toBeInstanceOf(ReplyTimeoutError);
    // Settled requests are forgotten: a late reply resolves nothing and reaches the listeners.
    const heard: JupyterMessage[] = [];
    kernel.onMessage((msg) => heard.push(msg));
    kernel.receive(answer(kernel.sent[0] as JupyterMessage, 'shell', 'kernel_info_reply'));
    expect(heard).toHaveLength(1);
  });

  it('a death fails waiting requests, is told once, releases the transport once; send and request then throw; revive starts a new life', async () => {
    const kernel = new MemoryKernel();
    const deaths: string[] = [];
    kernel.onDeath((d) => deaths.push(d.reason));
    const waiting = kernel.ask();
    kernel.kill({ reason: 'exited with code 1' });
    kernel.kill({ reason: 'again' });
    await expect(waiting).rejects.toThrow(KernelDiedError);
    await expect(waiting).rejects.toThrow('exited with code 1');
    expect(deaths).toEqual(['exited with code 1']);
    expect(kernel.releases).toBe(1);
    expect(kernel.isDead).toBe(true);
    expect(() => kernel.send(createMessage('shell', 'execute_request', {}, 's1'))).toThrow(/is dead \(exited with code 1\)/);
    await expect(kernel.ask()).rejects.toThrow(KernelDiedError);
    await kernel.restart();
    expect(kernel.isDead).toBe(false);
    kernel.kill({ reason: 'second life' });
    expect(deaths).toEqual(['exited with code 1', 'second life']);
  });

  it('shutdown once: concurrent calls share one close, waiting requests fail, no death is told, later calls resolve at once', async () => {
    const kernel = new MemoryKernel();
    const deaths: KernelDeath[] = [];
    kernel.onDeath((d) => deaths.push(d));
    let finish!: () => void;
    kernel.closing_ = () => new Promise<void>((resolve) => (finish = resolve));
    const waiting = kernel.ask();
    const first = kernel.shutdown();
    const second = kernel.shutdown();
    expect(second).toBe(first);
    expect(kernel.isDead).toBe(true);
    // A death while shutting down is the shutdown's doing: not told.
    kernel.kill({ reason: 'exited while closing' });
    finish();
    await Promise.all([first, second]);
    await expect(waiting).rejects.toThrow(/was shut down/);
    await kernel.shutdown();
    expect(kernel.closes).toBe(1);
    expect(deaths).toEqual([]);
    expect(() => kernel.send(createMessage('shell', 'execute_request', {}, 's1'))).toThrow(/is shut down/);
  });

  it('a failed shutdown is reported to the subclass and leaves the kernel alive for another try', async () => {
    const kernel = new MemoryKernel();
    kernel.closing_ = async () => {
      throw new Error('gateway unreachable');
    };
    await expect(kernel.shutdown()).rejects.toThrow('gateway unreachable');
    expect(kernel.failures).toHaveLength(1);
    expect(kernel.isDead).toBe(false);
    kernel.closing_ = async () => undefined;
    await kernel.shutdown();
    expect(kernel.closes).toBe(2);
    expect(kernel.isDead).toBe(true);
  });
});
