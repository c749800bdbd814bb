/**
 * The listener side of a KernelConnection, shared by both gateways: messages, notices and
 * deaths fanned out to their listeners, a death told once per life (see the contract in
 * types.ts), a listener that throws never keeping the others from hearing.
 */
import type { JupyterMessage } from './messages.js';
import type { GatewayNotice, KernelDeath } from './types.js';

type Listener<T> = (value: T) => void;

/**
 * @example
 * const events = new KernelEvents();
 * const off = events.onMessage((msg) => console.log(msg.header.msg_type));
 * events.message(msg); events.death({ reason: 'exited' }); off();
 */
export class KernelEvents {
  // Copy on write: dispatch, the hot path, walks the array without copying it.
  private messageListeners: Array<Listener<JupyterMessage>> = [];
  private readonly deathListeners = new Set<Listener<KernelDeath>>();
  private readonly noticeListeners = new Set<Listener<GatewayNotice>>();
  private deathTold = false;

  /** @param scrub applied to every notice's text (a remote gateway's token never reaches a listener). */
  constructor(private readonly scrub: (text: string) => string = (text) => text) {}

  onMessage(listener: Listener<JupyterMessage>): () => void {
    this.messageListeners = [...this.messageListeners, listener];
    return () => {
      this.messageListeners = this.messageListeners.filter((l) => l !== listener);
    };
  }

  onDeath(listener: Listener<KernelDeath>): () => void {
    this.deathListeners.add(listener);
    return () => this.deathListeners.delete(listener);
  }

  onNotice(listener: Listener<GatewayNotice>): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** Hands a received message to every listener; one that throws becomes a warning notice. */
  message(msg: JupyterMessage): void {
    const listeners = this.messageListeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        (listeners[i] as Listener<JupyterMessage>)(msg);
      } catch (err) {
        this.notice('warning', `a message listener threw on ${msg.header?.msg_type}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  notice(code: GatewayNotice['code'], message: string): void {
    const notice = { code, message: this.scrub(message) };
    for (const listener of [...this.noticeListeners]) {
      try {
        listener(notice);
      } catch {
        /* notices are advisory */
      }
    }
  }

  /** Tells the death to every listener, once per life; false when this life's death was told already. */
  death(death: KernelDeath): boolean {
    if (this.deathTold) return false;
    this.deathTold = true;
    for (const listener of [...this.deathListeners]) {
      try {
        listener(death);
      } catch {
        /* a failing listener must not keep the others from hearing of the death */
      }
    }
    return true;
  }

  /** A new life (the kernel restarted after dying): its death will be told again. */
  revive(): void {
    this.deathTold = false;
  }

  /** Forgets every listener (the kernel is shut down for good). */
  clear(): void {
    this.messageListeners = [];
    this.deathListeners.clear();
    this.noticeListeners.clear();
  }
}
