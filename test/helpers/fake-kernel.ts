/**
 * A scripted in-memory kernel, for fast unit tests of the executor: no process, no socket.
 * Each execute_request is answered as the script says (stdout, a result, an error, a hang
 * that an interrupt ends or not, a death), with the message sequence ipykernel sends
 * (busy, execute_input, outputs, execute_reply, idle). It keeps the KernelConnection
 * contract (gateway/types.ts) through the same base as the real gateways (gateway/kernel-base.ts:
 * death told once, shutdown once); real kernels are for everything else.
 */
import { randomUUID } from 'node:crypto';
import { KernelDiedError } from '../../packages/core/src/errors.js';
import { KernelBase } from '../../packages/core/src/gateway/kernel-base.js';
import { createMessage, type JupyterMessage, type KernelInfoReplyContent } from '../../packages/core/src/gateway/messages.js';
import type { Gateway, KernelDeath, KernelSpecInfo, StartKernelOptions } from '../../packages/core/src/gateway/types.js';

/** What the fake kernel does with one piece of code. */
export interface FakeStep {
  stdout?: string;
  /** An `execute_result` with this text/plain. */
  result?: string;
  /** Raise this error (`SystemExit` with evalue '0' is a clean sys.exit). */
  error?: { ename: string; evalue: string };
  /** Never finish by itself: an interrupt ends it with KeyboardInterrupt, unless the kernel ignores interrupts. */
  hang?: 'until-interrupted' | 'ignoring-interrupts';
  /** Die while running it. */
  die?: KernelDeath;
}

export type FakeScript = (code: string) => FakeStep;

class FakeKernel extends KernelBase {
  readonly id = randomUUID();
  readonly session = randomUUID();
  readonly spec: KernelSpecInfo;
  readonly info = {
    status: 'ok', protocol_version: '5.3', implementation: 'fake', implementation_version: '0',
    language_info: { name: 'python', version: '3', mimetype: 'text/x-python', file_extension: '.py' }, banner: '',
  } as unknown as KernelInfoReplyContent;
  private count = 0;
  private running: { request: JupyterMessage; step: FakeStep } | undefined;
  /** The code of every execute_request, in order. */
  readonly executed: string[] = [];
  interrupts = 0;

  constructor(readonly kernelName: string, private readonly script: FakeScript) {
    super();
    this.spec = { name: kernelName, displayName: `Fake ${kernelName}`, language: 'python' };
  }

  protected transmit(msg: JupyterMessage): void {
    if (msg.header.msg_type !== 'execute_request') return;
    const code = (msg.content as { code: string }).code;
    this.executed.push(code);
    const step = this.script(code);
    // Answered asynchronously, as a real kernel would be.
    setImmediate(() => this.execute(msg as JupyterMessage, step));
  }

  async interrupt(): Promise<void> {
    this.interrupts++;
    const running = this.running;
    if (this.isDead || !running || running.step.hang !== 'until-interrupted') return;
    this.running = undefined;
    this.finish(running.request, { ename: 'KeyboardInterrupt', evalue: '' });
  }

  async restart(): Promise<void> {
    if (this.closing) throw new KernelDiedError('fake kernel is shut down: cannot restart it');
    this.running = undefined;
    this.count = 0;
    this.revive();
  }

  protected async close(): Promise<void> {}

  protected release(): void {
    this.running = undefined;
  }

  private emit(request: JupyterMessage, channel: 'iopub' | 'shell', type: string, content: object): void {
    if (this.isDead) return;
    this.deliver(createMessage(channel, type, content, this.session, { parent: request.header }) as JupyterMessage);
  }

  private execute(request: JupyterMessage, step: FakeStep): void {
    if (this.isDead) return;
    this.count++;
    this.emit(request, 'iopub', 'status', { execution_state: 'busy' });
    this.emit(request, 'iopub', 'execute_input', { code: (request.content as { code: string }).code, execution_count: this.count });
    if (step.stdout !== undefined) this.emit(request, 'iopub', 'stream', { name: 'stdout', text: step.stdout });
    if (step.die) {
      this.die(step.die);
      return;
    }
    if (step.hang) {
      this.running = { request, step };
      return;
    }
    if (step.result !== undefined) {
      this.emit(request, 'iopub', 'execute_result', { execution_count: this.count, data: { 'text/plain': step.result }, metadata: {} });
    }
    this.finish(request, step.error);
  }

  private finish(request: JupyterMessage, error: { ename: string; evalue: string } | undefined): void {
    if (error) {
      const traceback = [`${error.ename}: ${error.evalue}`];
      this.emit(request, 'iopub', 'error', { ...error, traceback });
      this.emit(request, 'shell', 'execute_reply', { status: 'error', execution_count: this.count, ...error, traceback });
    } else {
      this.emit(request, 'shell', 'execute_reply', { status: 'ok', execution_count: this.count, user_expressions: {} });
    }
    this.emit(request, 'iopub', 'status', { execution_state: 'idle' });
  }
}

/** A gateway whose kernels follow `script`; `kernels` holds every kernel it started. */
export function createFakeGateway(script: FakeScript): Gateway & { kernels: FakeKernel[] } {
  const kernels: FakeKernel[] = [];
  return {
    kind: 'embedded',
    kernels,
    async listKernelSpecs() {
      return { default: 'python3', specs: [{ name: 'python3', displayName: 'Fake python3', language: 'python' }] };
    },
    async startKernel(options: StartKernelOptions) {
      options.signal?.throwIfAborted();
      const kernel = new FakeKernel(options.kernelName, script);
      kernels.push(kernel);
      return kernel;
    },
    async dispose() {
      await Promise.all(kernels.map((k) => k.shutdown()));
    },
  };
}
