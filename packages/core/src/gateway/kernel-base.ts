/**
 * What both KernelConnections share, written once over a small transport per gateway
 * (ZeroMQ sockets for the embedded one, WebSocket + REST for the remote one): the listeners
 * ({@link KernelEvents}), requests waiting for their reply by msg_id (rejected on death,
 * shutdown or abort), the dead/closing state, and shutdown once (concurrent calls share one
 * promise; a failed shutdown may be tried again). The contract is in types.ts.
 */
import { KernelDiedError } from '../errors.js';
import { KernelEvents } from './kernel-events.js';
import { parentId, type JupyterMessage, type KernelInfoReplyContent } from './messages.js';
import type { GatewayNotice, KernelConnection, KernelDeath, KernelSpecInfo } from './types.js';

interface PendingReply {
  resolve(msg: JupyterMessage): void;
  reject(err: unknown): void;
}

/** A request of ours that was not answered within its `timeoutMs`. */
export class ReplyTimeoutError extends Error {
  constructor(msgType: string, timeoutMs: number) {
    super(`no reply to ${msgType} within ${timeoutMs} ms`);
    this.name = 'ReplyTimeoutError';
  }
}

export interface RequestOptions {
  /** Rejects with its reason when it aborts. */
  signal?: AbortSignal;
  /** Rejects with a {@link ReplyTimeoutError} after this long. */
  timeoutMs?: number;
  /** The request is ours alone: its reply and the iopub messages it causes never reach listeners. */
  hidden?: boolean;
}

/**
 * The shared half of a kernel connection. A subclass brings the transport: {@link transmit}
 * (put one message on the wire), {@link release} (drop sockets, timers, processes) and
 * {@link close} (the gateway's own shutdown), and hands every received message to
 * {@link deliver}.
 * @example
 * class LoopbackKernel extends KernelBase {
 *   protected transmit(msg: JupyterMessage): void { queueMicrotask(() => this.deliver(reply(msg))); }
 *   protected release(): void {}
 *   protected async close(): Promise<void> {}
 *   // … id, kernelName, spec, info, session, interrupt(), restart()
 * }
 */
export abstract class KernelBase implements KernelConnection {
  abstract readonly id: string;
  abstract readonly kernelName: string;
  abstract readonly spec: KernelSpecInfo;
  abstract readonly info: KernelInfoReplyContent;
  abstract readonly session: string;

  protected readonly events: KernelEvents;
  /** This life is over (died, or shut down). */
  protected dead = false;
  /** shutdown() was called (and has not failed). */
  protected closing = false;
  /** Why this life ended, while it is over. */
  protected death: KernelDeath | undefined;
  private readonly pending = new Map<string, PendingReply>();
  /** Our own requests (kept after the reply: the iopub status that follows it is ours too). */
  private readonly hiddenIds = new Set<string>();
  private shutdownPromise: Promise<void> | undefined;

  /** @param scrub applied to every notice's text (a remote gateway's token never reaches a listener). */
  constructor(scrub?: (text: string) => string) {
    this.events = new KernelEvents(scrub);
  }

  get isDead(): boolean {
    return this.dead || this.closing;
  }

  /** The contract (types.ts): throws a KernelDiedError on a dead or shut-down kernel. */
  send(msg: JupyterMessage<object>): void {
    if (this.isDead) {
      const why = this.closing ? 'shut down' : `dead${this.death ? ` (${this.death.reason})` : ''}`;
      throw new KernelDiedError(`kernel '${this.kernelName}' (${this.id}) is ${why}: cannot send ${msg.header.msg_type}`);
    }
    this.transmit(msg as JupyterMessage);
  }

  onMessage(listener: (msg: JupyterMessage) => void): () => void {
    return this.events.onMessage(listener);
  }

  onDeath(listener: (death: KernelDeath) => void): () => void {
    return this.events.onDeath(listener);
  }

  onNotice(listener: (notice: GatewayNotice) => void): () => void {
    return this.events.onNotice(listener);
  }

  abstract interrupt(): Promise<void>;
  abstract restart(): Promise<void>;

  /**
   * Shuts down once: concurrent calls share one promise, later ones resolve at once. A shutdown
   * that fails (the gateway did not answer) lets a later call try again. Reports no death.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.shutDownOnce().catch((err: unknown) => {
      this.shutdownPromise = undefined;
      this.closing = false;
      this.shutdownFailed(err);
      throw err;
    });
    return this.shutdownPromise;
  }

  private async shutDownOnce(): Promise<void> {
    this.closing = true;
    await this.close();
    this.end(undefined, `kernel '${this.kernelName}' (${this.id}) was shut down`);
    this.events.clear();
  }

  /** Puts one message on the wire (or queues it while the transport reconnects). */
  protected abstract transmit(msg: JupyterMessage): void;
  /** Frees the transport: sockets, timers, processes. Called once a life or the kernel ends. */
  protected abstract release(): void;
  /** The gateway's shutdown of the kernel; the base releases the transport after it. */
  protected abstract close(): Promise<void>;
  /** A shutdown failed (and may be tried again). */
  protected shutdownFailed(_err: unknown): void {}

  /**
   * Sends a request of ours and resolves with its reply (a message on shell, control or stdin
   * whose parent it is). Rejects when the signal aborts, after `timeoutMs`, when the kernel
   * dies or is shut down, or when the transport refuses the message.
   */
  protected request(msg: JupyterMessage, options: RequestOptions = {}): Promise<JupyterMessage> {
    const { signal, timeoutMs, hidden } = options;
    return new Promise<JupyterMessage>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (this.dead) return reject(new KernelDiedError(this.death?.reason ?? `kernel '${this.kernelName}' (${this.id}) is dead`));
      const id = msg.header.msg_id;
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        this.pending.delete(id);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done();
          reject(new ReplyTimeoutError(msg.header.msg_type, timeoutMs));
        }, timeoutMs);
      }
      if (hidden) this.hiddenIds.add(id);
      this.pending.set(id, {
        resolve: (reply) => {
          done();
          resolve(reply);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      });
      try {
        this.transmit(msg);
      } catch (err) {
        this.pending.get(id)?.reject(err);
      }
    });
  }

  /**
   * A received message: the reply a request of ours waits for resolves it, and every message
   * reaches the listeners except those caused by a hidden request.
   */
  protected deliver(msg: JupyterMessage): void {
    const parent = parentId(msg);
    if (parent !== undefined) {
      if (msg.channel !== 'iopub') this.pending.get(parent)?.resolve(msg);
      if (this.hiddenIds.has(parent)) return;
    }
    this.events.message(msg);
  }

  /** The kernel died: the transport goes, waiting requests fail, listeners hear it once. Not while shutting down. */
  protected die(death: KernelDeath): void {
    if (this.dead || this.closing) return;
    this.end(death, death.reason);
    this.events.death(death);
  }

  /** Ends this life without telling a death (told already, or none to tell). */
  protected end(death: KernelDeath | undefined, reason: string): void {
    this.dead = true;
    this.death = death;
    this.release();
    this.rejectPending(new KernelDiedError(reason));
  }

  /** A new life (restart): alive again, and its death will be told. */
  protected revive(): void {
    this.dead = false;
    this.death = undefined;
    this.events.revive();
  }

  protected rejectPending(err: unknown): void {
    for (const pending of [...this.pending.values()]) pending.reject(err);
  }

  protected notice(code: GatewayNotice['code'], message: string): void {
    this.events.notice(code, message);
  }
}
