/**
 * The one plug-in point between execution and kernels. Two implementations:
 * `embedded` (kernels on this machine over ZeroMQ) and `remote` (any server with the
 * Jupyter kernels REST + WebSocket API). The executor only sees these interfaces.
 */
import type { JupyterMessage, KernelInfoReplyContent } from './messages.js';

/**
 * jupyter_client's `NATIVE_KERNEL_NAME`: its KernelManager turns the kernel name `python`
 * into this one, and so do both gateways (papermill's test notebooks and `-k python` rely on it).
 */
export const NATIVE_KERNEL_NAME = 'python3';

/** A kernelspec as a gateway reports it. */
export interface KernelSpecInfo {
  name: string;
  displayName: string;
  /** The kernelspec's `language` (e.g. `python`, `R`). */
  language: string;
  argv?: string[];
  env?: Record<string, string>;
  interruptMode?: 'signal' | 'message';
  /** Folder holding kernel.json (embedded gateway). */
  resourceDir?: string;
  metadata?: Record<string, unknown>;
}

export interface KernelSpecList {
  default?: string;
  specs: KernelSpecInfo[];
}

export interface StartKernelOptions {
  /** Kernelspec name, e.g. `python3`. */
  kernelName: string;
  /** Working directory of the kernel (embedded: process cwd; remote: `path` hint where supported). */
  cwd?: string;
  /** Extra environment for the kernel (embedded: process env; remote: `env` of the start request). */
  env?: Record<string, string>;
  /** How long the kernel may take to become ready (kernel_info answered). Default 60 s. */
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Why a kernel is gone. */
export interface KernelDeath {
  reason: string;
  exitCode?: number | null;
  signal?: string | null;
}

/** Something a gateway wants the user to know (reconnects, dropped output, slow start). */
export interface GatewayNotice {
  code: 'reconnect' | 'rate-limit' | 'warning';
  message: string;
}

/**
 * A live kernel. Messages are sent with {@link send} on the channel named in
 * `msg.channel`; every message received on any channel reaches {@link onMessage}.
 *
 * The contract both gateways keep (checked by packages/core/test/gateway/contract.test.ts):
 * - a kernel lives until it dies or is shut down; `restart()` of a dead kernel starts a new
 *   life, and `onDeath` listeners hear of each death once;
 * - on a dead or shut-down kernel, `send()` throws a KernelDiedError, `interrupt()` resolves
 *   and does nothing (there is nothing left to interrupt; the death went to `onDeath`);
 * - `restart()` revives a dead kernel and throws a KernelDiedError after `shutdown()` (or
 *   when the gateway no longer has the kernel), a UsageError while a restart is under way;
 * - `shutdown()` is idempotent, also on a dead kernel, and reports no death.
 * Both connections keep it through one base, gateway/kernel-base.ts, over their own transport.
 */
export interface KernelConnection {
  readonly id: string;
  readonly kernelName: string;
  readonly spec: KernelSpecInfo;
  /** The kernel's own `kernel_info_reply`, received before startKernel() resolved. */
  readonly info: KernelInfoReplyContent;
  /** The session id used in message headers. */
  readonly session: string;
  readonly isDead: boolean;
  send(msg: JupyterMessage<object>): void;
  /** Subscribes to every received message; returns the unsubscribe function. */
  onMessage(listener: (msg: JupyterMessage) => void): () => void;
  /** Called at most once per life (see `restart`), when the kernel is known to be dead (within seconds). */
  onDeath(listener: (death: KernelDeath) => void): () => void;
  onNotice(listener: (notice: GatewayNotice) => void): () => void;
  /** Interrupts as the kernelspec says (signal or `interrupt_request`). Does nothing on a dead or shut-down kernel. */
  interrupt(): Promise<void>;
  /** Restarts the kernel, a dead one too; resolves when it answers kernel_info again. Throws a KernelDiedError after shutdown(). */
  restart(): Promise<void>;
  /** Shuts the kernel down (request, then kill after a grace period). Idempotent. */
  shutdown(): Promise<void>;
}

/** Where kernels come from. */
export interface Gateway {
  readonly kind: 'embedded' | 'remote';
  listKernelSpecs(signal?: AbortSignal): Promise<KernelSpecList>;
  startKernel(options: StartKernelOptions): Promise<KernelConnection>;
  /** Releases what the gateway holds (kernels it started and did not shut down). */
  dispose(): Promise<void>;
}
