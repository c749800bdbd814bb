/**
 * One kernel started on this machine and spoken to over ZeroMQ: the embedded
 * {@link KernelConnection}. Lifecycle: start (launch + wait for kernel_info on shell and a
 * live iopub) → ready → [restart → ready]* → shutdown, or → dead (process exit, or missed
 * heartbeats when the kernel's process is not our child).
 *
 * Split as jupyter_client splits it: the process (process.ts: launch, stderr, exit, kill),
 * the channels (channels.ts: ZeroMQ sockets and the wire), the heartbeat (heartbeat.ts);
 * replies, death and shutdown are the shared base's (../kernel-base.ts). What is left here
 * is the life: the start handshake, the port-clash relaunch, restart, interrupt, shutdown.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CancelledError, KernelDiedError, KernelStartError, KernelStartTimeoutError, UsageError } from '../../errors.js';
import { createMessage, type Channel, type JupyterMessage, type KernelInfoReplyContent } from '../messages.js';
import type { KernelConnection, KernelSpecInfo } from '../types.js';
import { KernelBase } from '../kernel-base.js';
import { KernelChannels } from './channels.js';
import { Heartbeat, HEARTBEAT_INTERVAL_MS, HEARTBEAT_MISSES } from './heartbeat.js';
import { createConnectionInfo, endpoint, isIPyKernel, readBoundConnection, writeConnectionFile, type ConnectionInfo } from './launch.js';
import { describeExit, isPortClash, KernelProcess } from './process.js';
import { registerKernel, unlinkQuietly, unregisterKernel, type RegisteredKernel } from './registry.js';
import { setLongTimeout } from '../../timers.js';

/** How an embedded kernel is launched. */
export interface EmbeddedKernelOptions {
  spec: KernelSpecInfo;
  cwd?: string;
  /** Extra environment (over the base env and the kernelspec's env). */
  env?: Record<string, string>;
  /** The environment the kernel inherits. */
  baseEnv: NodeJS.ProcessEnv;
  /** Python for kernelspecs whose argv[0] is `python`, when the spec's prefix has none. */
  python?: string;
  /** Folder of the connection file. */
  runtimeDir: string;
  /** 'pipe' keeps the kernel's stdout/stderr off the terminal (stderr tail kept for errors). */
  stdio: 'pipe' | 'inherit';
  /** Receives the kernel process's own stdout/stderr (not cell output) when stdio is 'pipe'. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** Where a live kernel is in its life; dead and shut down are the base's (KernelBase). */
type Phase = 'new' | 'starting' | 'ready' | 'restarting';

/** How long a ready kernel may take to complete the stdin handshake. */
const STDIN_WAIT_MS = 2000;
const KERNEL_INFO_RETRY_MS = 1000;
/** Once the kernel answered: how soon to ask again for an iopub message to arrive. */
const IOPUB_RETRY_MS = 50;
const SHUTDOWN_GRACE_MS = 3000;
const INTERRUPT_REPLY_TIMEOUT_MS = 5000;
/** Launches per start when a port is taken under the kernel (each on new ports). */
const PORT_CLASH_ATTEMPTS = 5;
/** How often to look for the ports a kernel picked in its connection file. */
const PORTS_POLL_MS = 20;

/** Waiters of the startup handshake. */
interface Startup {
  onIopub(): void;
  onStdinHandshake(): void;
  fail(err: Error): void;
}

/**
 * A kernel launched from its kernelspec, connected over ZeroMQ. Create with
 * {@link startEmbeddedKernel} (or a gateway's `startKernel`).
 */
export class EmbeddedKernel extends KernelBase implements KernelConnection, RegisteredKernel {
  readonly id = randomUUID();
  readonly session = randomUUID();
  readonly kernelName: string;
  readonly spec: KernelSpecInfo;
  /** Path of the connection file (unique per kernel; deleted at shutdown). */
  readonly connectionFile: string;
  private kernelInfo: KernelInfoReplyContent | undefined;
  private conn: ConnectionInfo | undefined;
  private key = Buffer.alloc(0);
  private phase: Phase = 'new';
  private readonly process: KernelProcess;
  private channels: KernelChannels | undefined;
  /** Only when the kernel's process is not our child (its launcher exited 0). */
  private heartbeat: Heartbeat | undefined;
  private startup: Startup | undefined;
  private startTimeoutMs = 60_000;

  constructor(options: EmbeddedKernelOptions) {
    super();
    this.spec = options.spec;
    this.kernelName = options.spec.name;
    this.connectionFile = join(options.runtimeDir, `nbrun-kernel-${this.id}.json`);
    this.process = new KernelProcess(options);
  }

  get info(): KernelInfoReplyContent {
    if (!this.kernelInfo) throw new UsageError(`kernel '${this.kernelName}' has not started yet`);
    return this.kernelInfo;
  }

  /** The kernel process id (the leader of its process group), while it runs. */
  get processId(): number | undefined {
    return this.process.processId;
  }

  /** Launches the kernel and resolves once it answers kernel_info with iopub connected. */
  async start(options: { startTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.phase !== 'new' || this.isDead) throw new UsageError(`kernel '${this.kernelName}' was already started`);
    options.signal?.throwIfAborted();
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.phase = 'starting';
    try {
      await this.launchUntilReady(options.signal);
    } catch (err) {
      await this.shutdown();
      throw options.signal?.aborted ? new CancelledError(`kernel '${this.kernelName}' start cancelled`, undefined, { cause: err }) : err;
    }
  }

  /**
   * Launches the kernel on fresh connection info until it is ready, within the start
   * timeout. A kernel that finds a port taken (another process bound it between our choice
   * and its bind: "Address already in use" on its stderr, whether it then exits or hangs,
   * as ipykernel 6 does when its iopub port is taken) is killed and launched again on new
   * ports, up to PORT_CLASH_ATTEMPTS times.
   */
  private async launchUntilReady(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const kernelPicksPorts = isIPyKernel(this.spec.argv ?? []);
        this.conn = await createConnectionInfo(this.kernelName, { kernelPicksPorts });
        // Session.key is the ASCII bytes of the connection file's key.
        this.key = Buffer.from(this.conn.key, 'latin1');
        unlinkQuietly(this.connectionFile);
        await writeConnectionFile(this.connectionFile, this.conn);
        registerKernel(this);
        // Ports the kernel picks are known once it wrote them back (waitForReady reads them).
        if (!kernelPicksPorts) this.openChannels();
        await this.process.launch(this.connectionFile, {
          onExit: (code, exitSignal) => this.onProcessExit(code, exitSignal),
          onPortTaken: (line) => {
            this.startup?.fail(new KernelStartError(`kernel '${this.kernelName}' could not bind a port: ${line}`, this.process.stderrCause()));
          },
        });
        // The message names the timeout given, not the time left after a retry.
        await this.waitForReady(Math.max(1, deadline - Date.now()), signal, this.startTimeoutMs);
        this.becomeReady();
        return;
      } catch (err) {
        // A kernel that failed to start gets no grace period.
        this.process.expectExit();
        this.process.kill('SIGKILL');
        if (attempt < PORT_CLASH_ATTEMPTS && isPortClash(err) && !signal?.aborted && Date.now() < deadline) {
          await this.process.waitForExit(SHUTDOWN_GRACE_MS);
          this.closeChannels();
          continue;
        }
        throw err;
      }
    }
  }

  protected transmit(msg: JupyterMessage): void {
    if (!this.channels) throw new KernelDiedError(`kernel '${this.kernelName}' is ${this.phase === 'restarting' ? 'restarting' : 'not connected'}: cannot send ${msg.header.msg_type}`);
    this.channels.send(msg);
  }

  async interrupt(): Promise<void> {
    if (this.isDead || this.phase === 'new') return;
    if (this.spec.interruptMode === 'message') {
      const msg = createMessage('control', 'interrupt_request', {}, this.session);
      // No reply within the timeout (or a death meanwhile): nothing more an interrupt can do.
      await this.request(msg, { hidden: true, timeoutMs: INTERRUPT_REPLY_TIMEOUT_MS }).catch(() => undefined);
      return;
    }
    this.process.kill('SIGINT');
  }

  async restart(): Promise<void> {
    if (this.closing || this.phase === 'new') {
      throw new KernelDiedError(`kernel '${this.kernelName}' is shut down: cannot restart it`);
    }
    if (this.phase === 'restarting' || this.phase === 'starting') throw new UsageError(`kernel '${this.kernelName}' is already (re)starting`);
    const wasDead = this.dead;
    this.phase = 'restarting';
    // Not dead while restarting; the death of this life is told again only from revive() on.
    this.dead = false;
    this.heartbeat?.stop();
    try {
      if (!wasDead) await this.stopProcess(true);
      this.process.kill('SIGKILL');
      await this.process.waitForExit(SHUTDOWN_GRACE_MS);
      // New ports, as at start: the old ones were free for anyone while the kernel was down.
      this.closeChannels();
      this.revive();
      await this.launchUntilReady();
    } catch (err) {
      this.end(undefined, `kernel '${this.kernelName}' could not restart: ${(err as Error).message}`);
      throw err;
    }
  }

  private becomeReady(): void {
    this.phase = 'ready';
    // Start-up chatter (warnings) must not pass for the cause of a later death.
    this.process.forgetStderr();
  }

  /** Synchronous last resort (process exit): kills the process group, removes the connection file. */
  killSync(): void {
    this.process.kill('SIGKILL');
    unlinkQuietly(this.connectionFile);
  }

  /** The base (KernelBase) calls it once; release() follows. */
  protected async close(): Promise<void> {
    this.startup?.fail(new KernelStartError(`kernel '${this.kernelName}' was shut down while starting`));
    this.heartbeat?.stop();
    if (!this.dead && this.phase !== 'new') await this.stopProcess(false);
  }

  /** Frees everything: process group, sockets, timers, connection file, registry entry. */
  protected release(): void {
    this.process.release();
    this.closeChannels();
    unlinkQuietly(this.connectionFile);
    unregisterKernel(this);
  }

  /** Asks the kernel to exit (shutdown_request on control), then kills its process group after the grace period. */
  private async stopProcess(restart: boolean): Promise<void> {
    this.process.expectExit();
    if (!this.process.isAlive()) return;
    if (this.channels) {
      const msg = createMessage('control', 'shutdown_request', { restart }, this.session);
      const replied = await this.request(msg, { hidden: true, timeoutMs: SHUTDOWN_GRACE_MS }).then(() => true, () => false);
      if (replied && !restart) this.closeChannels();
    }
    if (await this.process.waitForExit(SHUTDOWN_GRACE_MS)) return;
    this.process.kill('SIGKILL');
    await this.process.waitForExit(SHUTDOWN_GRACE_MS);
  }

  /** The process exited unasked (KernelProcess tells only those). */
  private onProcessExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.isDead) return;
    if (code === 0 && signal === null) {
      // A launcher that exits 0 may have left the kernel running elsewhere: ask its heartbeat.
      if (this.phase === 'ready') void this.checkDetachedKernel();
      return; // while starting, the kernel_info handshake (or its timeout) decides
    }
    const reason = `kernel '${this.kernelName}' ${describeExit(code, signal)}${lastLine(this.process.stderr())}`;
    if (this.startup) {
      this.startup.fail(new KernelStartError(`${reason} during start`, this.process.stderrCause()));
      return;
    }
    this.die({ reason, exitCode: code, signal });
  }

  private async checkDetachedKernel(): Promise<void> {
    if (await this.ensureHeartbeat().probe(HEARTBEAT_INTERVAL_MS)) this.beat();
    else this.die({ reason: `kernel '${this.kernelName}' exited (code 0)`, exitCode: 0, signal: null });
  }

  private ensureHeartbeat(): Heartbeat {
    const conn = this.conn as ConnectionInfo;
    this.heartbeat ??= new Heartbeat(endpoint(conn, conn.hb_port));
    return this.heartbeat;
  }

  private beat(): void {
    this.ensureHeartbeat().start(() => {
      this.die({ reason: `kernel '${this.kernelName}' stopped answering heartbeats (${HEARTBEAT_MISSES} missed)` });
    });
  }

  private openChannels(): void {
    this.channels = new KernelChannels(this.conn as ConnectionInfo, this.key, this.session, this.kernelName, {
      onMessage: (msg, channel) => this.dispatch(msg, channel),
      onStdinHandshake: () => this.startup?.onStdinHandshake(),
      onWarning: (message) => this.notice('warning', message),
    });
  }

  private closeChannels(): void {
    this.channels?.close();
    this.channels = undefined;
    this.heartbeat?.close();
    this.heartbeat = undefined;
  }

  private dispatch(msg: JupyterMessage, channel: Channel): void {
    if (channel === 'iopub') this.startup?.onIopub();
    this.deliver(msg);
  }

  /**
   * The startup handshake (nbclient's wait_for_ready): the ports a kernel picked read back
   * from its connection file, then kernel_info_request re-sent every second (the first may
   * be lost), done when a kernel_info_reply has arrived on shell and some iopub message too
   * (so iopub output of the first cell cannot be missed). A start that times out names the
   * step it was stuck at.
   */
  private waitForReady(timeoutMs: number, signal: AbortSignal | undefined, givenMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let replied = false;
      let iopubSeen = false;
      // Without it, an input() in the first cell could be routed to nobody and hang. A kernel
      // that never serves stdin gets STDIN_WAIT_MS before it counts as ready all the same.
      let stdinWait: NodeJS.Timeout | undefined;
      const stdinMet = (): boolean => {
        if (this.channels?.stdinMet) return true;
        stdinWait ??= setTimeout(() => finish(), STDIN_WAIT_MS);
        return false;
      };
      let retry: NodeJS.Timeout | undefined;
      // Ends the kernel_info requests still waiting when the handshake is over.
      const asks = new AbortController();
      const finish = (err?: Error): void => {
        if (this.startup !== startup) return;
        this.startup = undefined;
        asks.abort();
        clearTimeout(retry);
        clearTimeout(stdinWait);
        overall.clear();
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const waitingFor = (): string =>
        !this.channels ? `ports in its connection file ${this.connectionFile}`
          : !replied ? 'kernel_info_reply on shell'
            : 'message on iopub';
      const overall = setLongTimeout(
        () => finish(new KernelStartTimeoutError(this.kernelName, givenMs, { ...this.process.stderrCause(), waitingFor: waitingFor() })),
        timeoutMs,
      );
      const onAbort = (): void => finish(new CancelledError(`kernel '${this.kernelName}' start cancelled`));
      signal?.addEventListener('abort', onAbort, { once: true });
      const ask = (): void => {
        const msg = createMessage('shell', 'kernel_info_request', {}, this.session);
        void this.request(msg, { hidden: true, signal: asks.signal }).then((reply) => {
          if (reply.header.msg_type !== 'kernel_info_reply') return;
          this.kernelInfo = reply.content as unknown as KernelInfoReplyContent;
          replied = true;
          if (iopubSeen && stdinMet()) finish();
          else if (!iopubSeen) {
            // The kernel answers, but its iopub status went out before our SUB was
            // connected: ask again at once rather than a full retry period later.
            clearTimeout(retry);
            retry = setTimeout(ask, IOPUB_RETRY_MS);
          }
        }, () => undefined);
        retry = setTimeout(ask, replied ? IOPUB_RETRY_MS : KERNEL_INFO_RETRY_MS);
      };
      const startup: Startup = {
        onIopub: () => {
          iopubSeen = true;
          if (replied && stdinMet()) finish();
        },
        onStdinHandshake: () => {
          if (replied && iopubSeen) finish();
        },
        fail: (err) => finish(err),
      };
      // Ports the kernel picked: connect once it wrote them back to the connection file.
      const connect = (): void => {
        const bound = this.channels ? undefined : readBoundConnection(this.connectionFile, this.conn as ConnectionInfo);
        if (bound) {
          this.conn = bound;
          this.openChannels();
        }
        if (this.channels) ask();
        else retry = setTimeout(connect, PORTS_POLL_MS);
      };
      this.startup = startup;
      connect();
    }).then(() => {
      if (this.process.detached) this.beat();
    });
  }
}

/**
 * Starts one kernel from a kernelspec already found.
 * @example const kernel = await startEmbeddedKernel({ spec, baseEnv: process.env, runtimeDir: tmpdir(), stdio: 'pipe' })
 */
export async function startEmbeddedKernel(
  options: EmbeddedKernelOptions & { startTimeoutMs?: number; signal?: AbortSignal },
): Promise<EmbeddedKernel> {
  const kernel = new EmbeddedKernel(options);
  await kernel.start({ startTimeoutMs: options.startTimeoutMs, signal: options.signal });
  return kernel;
}

function lastLine(text: string): string {
  const line = text.split('\n').filter((l) => l.trim()).pop();
  return line ? `: ${line.length > 300 ? line.slice(0, 297) + '...' : line}` : '';
}
