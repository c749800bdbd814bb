/**
 * One kernel started on this machine and spoken to over ZeroMQ: the embedded
 * {@link KernelConnection}. Lifecycle: start (launch + wait for kernel_info on shell and a
 * live iopub) → ready → [restart → ready]* → shutdown, or → dead (process exit, or missed
 * heartbeats when the kernel's process is not our child).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Dealer, Subscriber } from 'zeromq';
import { CancelledError, KernelDiedError, KernelStartError, KernelStartTimeoutError, UsageError } from '../../errors.js';
import { createMessage, type Channel, type JupyterMessage, type KernelInfoReplyContent } from '../messages.js';
import type { KernelConnection, KernelSpecInfo } from '../types.js';
import { KernelBase } from '../kernel-base.js';
import {
  buildLaunchCommand, createConnectionInfo, endpoint, isIPyKernel, OutputTail, readBoundConnection, spawnKernel, writeConnectionFile,
  type ConnectionInfo,
} from './launch.js';
import {
  isProcessGroupAlive, killProcessGroup, registerKernel, unlinkQuietly, unregisterKernel, type RegisteredKernel,
} from './registry.js';
import { decodeMessage, encodeMessage, type WireRejection } from './wire.js';
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
const HEARTBEAT_INTERVAL_MS = 1000;
const HEARTBEAT_MISSES = 3;
const KERNEL_INFO_RETRY_MS = 1000;
/** Once the kernel answered: how soon to ask again for an iopub message to arrive. */
const IOPUB_RETRY_MS = 50;
const SHUTDOWN_GRACE_MS = 3000;
const INTERRUPT_REPLY_TIMEOUT_MS = 5000;
/** Launches per start when a port is taken under the kernel (each on new ports). */
const PORT_CLASH_ATTEMPTS = 5;
/** How often to look for the ports a kernel picked in its connection file. */
const PORTS_POLL_MS = 20;
const PING = Buffer.from('ping');
const EMPTY = Buffer.alloc(0);

/** Sends frames on one socket, one send at a time (zeromq allows a single pending send). */
class FrameWriter {
  private readonly queue: Buffer[][] = [];
  private busy = false;
  constructor(private readonly socket: Dealer, private readonly onError: (err: unknown) => void) {}

  write(frames: Buffer[]): void {
    if (this.busy) {
      this.queue.push(frames);
      return;
    }
    this.busy = true;
    void this.flush(frames);
  }

  private async flush(first: Buffer[]): Promise<void> {
    let next: Buffer[] | undefined = first;
    try {
      while (next) {
        await this.socket.send(next);
        next = this.queue.shift();
      }
    } catch (err) {
      this.queue.length = 0;
      if (!this.socket.closed) this.onError(err);
    } finally {
      this.busy = false;
    }
  }
}

interface Sockets {
  shell: Dealer;
  iopub: Subscriber;
  stdin: Dealer;
  control: Dealer;
  writers: { shell: FrameWriter; stdin: FrameWriter; control: FrameWriter };
}

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
  private key = EMPTY;
  private phase: Phase = 'new';
  private child: ChildProcess | undefined;
  private pid: number | undefined;
  private generation = 0;
  private processExited = true;
  private expectExit = false;
  private exitWaiters: Array<() => void> = [];
  private stderrTail = new OutputTail();
  private sockets: Sockets | undefined;
  private startup: Startup | undefined;
  /** ZMTP handshakes completed on stdin: the kernel routes input_request only to a peer it has met. */
  private stdinHandshakes = 0;
  private startTimeoutMs = 60_000;
  private dropped = 0;
  // Heartbeat: only used when the kernel's process is not our child (its launcher exited 0).
  private heartbeatMode = false;
  private hb: Dealer | undefined;
  private hbTimer: NodeJS.Timeout | undefined;
  private lastBeat = 0;
  private beatWaiters: Array<() => void> = [];

  constructor(private readonly options: EmbeddedKernelOptions) {
    super();
    this.spec = options.spec;
    this.kernelName = options.spec.name;
    this.connectionFile = join(options.runtimeDir, `nbrun-kernel-${this.id}.json`);
  }

  get info(): KernelInfoReplyContent {
    if (!this.kernelInfo) throw new UsageError(`kernel '${this.kernelName}' has not started yet`);
    return this.kernelInfo;
  }

  /** The kernel process id (the leader of its process group), while it runs. */
  get processId(): number | undefined {
    return this.pid;
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
        this.stderrTail = new OutputTail();
        // Ports the kernel picks are known once it wrote them back (waitForReady reads them).
        if (!kernelPicksPorts) this.openSockets();
        const handshakes = this.stdinHandshakes;
        await this.launch();
        // The message names the timeout given, not the time left after a retry.
        await this.waitForReady(Math.max(1, deadline - Date.now()), signal, handshakes, this.startTimeoutMs);
        this.becomeReady();
        return;
      } catch (err) {
        // A kernel that failed to start gets no grace period.
        this.expectExit = true;
        killProcessGroup(this.pid, 'SIGKILL');
        if (attempt < PORT_CLASH_ATTEMPTS && isPortClash(err) && !signal?.aborted && Date.now() < deadline) {
          await this.waitForExit(SHUTDOWN_GRACE_MS);
          this.closeSockets();
          continue;
        }
        throw err;
      }
    }
  }

  protected transmit(msg: JupyterMessage): void {
    const sockets = this.sockets;
    if (!sockets) throw new KernelDiedError(`kernel '${this.kernelName}' is ${this.phase === 'restarting' ? 'restarting' : 'not connected'}: cannot send ${msg.header.msg_type}`);
    const writer = msg.channel === 'iopub' ? undefined : sockets.writers[msg.channel];
    if (!writer) throw new UsageError(`cannot send ${msg.header.msg_type} on channel '${msg.channel}' (use shell, control or stdin)`);
    writer.write(encodeMessage(msg, this.key));
  }

  async interrupt(): Promise<void> {
    if (this.isDead || this.phase === 'new') return;
    if (this.spec.interruptMode === 'message') {
      const msg = createMessage('control', 'interrupt_request', {}, this.session);
      // No reply within the timeout (or a death meanwhile): nothing more an interrupt can do.
      await this.request(msg, { hidden: true, timeoutMs: INTERRUPT_REPLY_TIMEOUT_MS }).catch(() => undefined);
      return;
    }
    killProcessGroup(this.pid, 'SIGINT');
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
    this.stopHeartbeat();
    try {
      if (!wasDead) await this.stopProcess(true);
      killProcessGroup(this.pid, 'SIGKILL');
      await this.waitForExit(SHUTDOWN_GRACE_MS);
      // New ports, as at start: the old ones were free for anyone while the kernel was down.
      this.closeSockets();
      this.heartbeatMode = false;
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
    this.stderrTail = new OutputTail();
  }

  /** Synchronous last resort (process exit): kills the process group, removes the connection file. */
  killSync(): void {
    killProcessGroup(this.pid, 'SIGKILL');
    unlinkQuietly(this.connectionFile);
  }

  /** The base (KernelBase) calls it once; release() follows. */
  protected async close(): Promise<void> {
    this.startup?.fail(new KernelStartError(`kernel '${this.kernelName}' was shut down while starting`));
    this.stopHeartbeat();
    if (!this.dead && this.phase !== 'new') await this.stopProcess(false);
  }

  /** Frees everything: process group, sockets, timers, connection file, registry entry. */
  protected release(): void {
    this.stopHeartbeat();
    this.expectExit = true;
    killProcessGroup(this.pid, 'SIGKILL');
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    this.closeSockets();
    unlinkQuietly(this.connectionFile);
    unregisterKernel(this);
    for (const resolve of this.exitWaiters.splice(0)) resolve();
  }

  /** Asks the kernel to exit (shutdown_request on control), then kills its process group after the grace period. */
  private async stopProcess(restart: boolean): Promise<void> {
    this.expectExit = true;
    if (!this.isProcessAlive()) return;
    if (this.sockets) {
      const msg = createMessage('control', 'shutdown_request', { restart }, this.session);
      const replied = this.request(msg, { hidden: true, timeoutMs: SHUTDOWN_GRACE_MS }).then(() => true, () => false);
      if ((await replied) && !restart) this.closeSockets();
    }
    if (await this.waitForExit(SHUTDOWN_GRACE_MS)) return;
    killProcessGroup(this.pid, 'SIGKILL');
    await this.waitForExit(SHUTDOWN_GRACE_MS);
  }

  private isProcessAlive(): boolean {
    return this.heartbeatMode ? isProcessGroupAlive(this.pid) : !this.processExited;
  }

  private async waitForExit(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    if (this.heartbeatMode) {
      while (isProcessGroupAlive(this.pid)) {
        if (Date.now() > deadline) return false;
        await delay(50);
      }
      return true;
    }
    if (this.processExited) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private async launch(): Promise<void> {
    const cmd = buildLaunchCommand(this.spec, {
      connectionFile: this.connectionFile,
      baseEnv: this.options.baseEnv,
      extraEnv: this.options.env,
      python: this.options.python,
    });
    const generation = ++this.generation;
    this.expectExit = false;
    const child = spawnKernel(cmd, { cwd: this.options.cwd, stdio: this.options.stdio });
    this.child = child;
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      const where = this.spec.resourceDir ? ` (argv of ${join(this.spec.resourceDir, 'kernel.json')})` : '';
      throw new KernelStartError(
        `cannot launch kernel '${this.kernelName}': ${cmd.argv[0]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}${where}`,
        { cause: err },
      );
    }
    child.on('error', () => undefined); // kill() failures on an exited process: nothing to do
    this.pid = child.pid;
    this.processExited = false;
    const onOutput = this.options.onOutput;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail.push(chunk);
      onOutput?.('stderr', chunk);
      if (this.startup && generation === this.generation) this.checkBindFailure();
    });
    child.stdout?.on('data', (chunk: Buffer) => onOutput?.('stdout', chunk));
    child.once('exit', (code, signal) => this.onProcessExit(generation, code, signal));
  }

  /**
   * A kernel that cannot bind a port fails its start at once, whether it exits or not:
   * ipykernel 6.17 prints the ZMQError and hangs when its iopub port is taken (its threads
   * keep the process alive), so kernel_info would never be answered.
   */
  private checkBindFailure(): void {
    const tail = this.stderrTail.text();
    if (!ADDRESS_IN_USE.test(tail)) return;
    const line = tail.split('\n').find((l) => ADDRESS_IN_USE.test(l)) ?? '';
    this.startup?.fail(new KernelStartError(`kernel '${this.kernelName}' could not bind a port: ${line.trim()}`, this.stderrCause()));
  }

  private onProcessExit(generation: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (generation !== this.generation) return;
    this.processExited = true;
    for (const resolve of this.exitWaiters.splice(0)) resolve();
    if (this.expectExit || this.isDead) return;
    if (code === 0 && signal === null) {
      // A launcher that exits 0 may have left the kernel running elsewhere: ask its heartbeat.
      this.heartbeatMode = true;
      if (this.phase === 'ready') void this.checkDetachedKernel();
      return; // while starting, the kernel_info handshake (or its timeout) decides
    }
    const reason = `kernel '${this.kernelName}' ${describeExit(code, signal)}${lastLine(this.stderrTail.text())}`;
    if (this.startup) {
      this.startup.fail(new KernelStartError(`${reason} during start`, this.stderrCause()));
      return;
    }
    this.die({ reason, exitCode: code, signal });
  }

  private async checkDetachedKernel(): Promise<void> {
    if (await this.probeHeartbeat(HEARTBEAT_INTERVAL_MS)) this.startHeartbeat();
    else this.die({ reason: `kernel '${this.kernelName}' exited (code 0)`, exitCode: 0, signal: null });
  }

  private openSockets(): void {
    const conn = this.conn as ConnectionInfo;
    // The kernel routes input_request by the shell peer's identity: stdin must share it.
    const shell = new Dealer({ routingId: this.session, linger: 0 });
    const stdin = new Dealer({ routingId: this.session, linger: 0 });
    stdin.events.on('handshake', () => {
      this.stdinHandshakes++;
      this.startup?.onStdinHandshake();
    });
    const control = new Dealer({ linger: 0 });
    // No receive limit on iopub: above it the kernel's PUB would drop output.
    const iopub = new Subscriber({ linger: 0, receiveHighWaterMark: 0 });
    iopub.subscribe();
    shell.connect(endpoint(conn, conn.shell_port));
    stdin.connect(endpoint(conn, conn.stdin_port));
    control.connect(endpoint(conn, conn.control_port));
    iopub.connect(endpoint(conn, conn.iopub_port));
    const onError = (channel: Channel) => (err: unknown) => this.notice('warning', `cannot send on ${channel}: ${(err as Error).message}`);
    this.sockets = {
      shell, iopub, stdin, control,
      writers: {
        shell: new FrameWriter(shell, onError('shell')),
        stdin: new FrameWriter(stdin, onError('stdin')),
        control: new FrameWriter(control, onError('control')),
      },
    };
    void this.receive(shell, 'shell');
    void this.receive(iopub, 'iopub');
    void this.receive(stdin, 'stdin');
    void this.receive(control, 'control');
  }

  private closeSockets(): void {
    const s = this.sockets;
    this.sockets = undefined;
    if (s) for (const socket of [s.shell, s.iopub, s.stdin, s.control]) socket.close();
    this.hb?.close();
    this.hb = undefined;
  }

  private async receive(socket: Dealer | Subscriber, channel: Channel): Promise<void> {
    try {
      for await (const frames of socket) this.handleFrames(frames, channel);
    } catch (err) {
      if (!socket.closed) this.notice('warning', `${channel} channel of kernel '${this.kernelName}' failed: ${(err as Error).message}`);
    }
  }

  private handleFrames(frames: Buffer[], channel: Channel): void {
    const decoded = decodeMessage(frames, channel, this.key);
    if (!decoded.ok) {
      this.reportDropped(channel, decoded.reason);
      return;
    }
    this.dispatch(decoded.message, channel);
    if (decoded.more) for (const msg of decoded.more) this.dispatch(msg, channel);
  }

  private dispatch(msg: JupyterMessage, channel: Channel): void {
    if (channel === 'iopub') this.startup?.onIopub();
    this.deliver(msg);
  }

  private reportDropped(channel: Channel, reason: WireRejection): void {
    this.dropped++;
    // Tell once, then every 1000th: a flood of bad messages must not flood the user.
    if (this.dropped === 1 || this.dropped % 1000 === 0) {
      this.notice('warning', `dropped ${this.dropped} message(s) from kernel '${this.kernelName}' (last: ${reason} on ${channel})`);
    }
  }

  /**
   * The startup handshake (nbclient's wait_for_ready): the ports a kernel picked read back
   * from its connection file, then kernel_info_request re-sent every second (the first may
   * be lost), done when a kernel_info_reply has arrived on shell and some iopub message too
   * (so iopub output of the first cell cannot be missed). A start that times out names the
   * step it was stuck at.
   */
  private waitForReady(timeoutMs: number, signal?: AbortSignal, handshakesBefore = 0, givenMs = timeoutMs): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let replied = false;
      let iopubSeen = false;
      // Without it, an input() in the first cell could be routed to nobody and hang. A kernel
      // that never serves stdin gets STDIN_WAIT_MS before it counts as ready all the same.
      let stdinWait: NodeJS.Timeout | undefined;
      const stdinMet = (): boolean => {
        if (this.stdinHandshakes > handshakesBefore) return true;
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
        !this.sockets ? `ports in its connection file ${this.connectionFile}`
          : !replied ? 'kernel_info_reply on shell'
            : 'message on iopub';
      const overall = setLongTimeout(
        () => finish(new KernelStartTimeoutError(this.kernelName, givenMs, { ...this.stderrCause(), waitingFor: waitingFor() })),
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
        const bound = this.sockets ? undefined : readBoundConnection(this.connectionFile, this.conn as ConnectionInfo);
        if (bound) {
          this.conn = bound;
          this.openSockets();
        }
        if (this.sockets) ask();
        else retry = setTimeout(connect, PORTS_POLL_MS);
      };
      this.startup = startup;
      connect();
    }).then(() => {
      if (this.heartbeatMode) this.startHeartbeat();
    });
  }

  /** The kernel's last stderr lines, for a start error (what it said before it hung or died). */
  private stderrCause(): { cause: Error; kernelStderr: string } | undefined {
    const tail = this.stderrTail.text();
    if (!tail) return undefined;
    const kernelStderr = tailLines(tail);
    return { cause: new Error(`kernel stderr:\n${kernelStderr}`), kernelStderr };
  }

  private ensureHeartbeatSocket(): Dealer {
    if (this.hb) return this.hb;
    const conn = this.conn as ConnectionInfo;
    // A Dealer speaking REQ's envelope ('' + payload) never wedges on a lost reply, unlike REQ.
    const hb = new Dealer({ linger: 0, sendTimeout: 0 });
    hb.connect(endpoint(conn, conn.hb_port));
    this.hb = hb;
    void (async () => {
      try {
        for await (const _ of hb) {
          this.lastBeat = Date.now();
          for (const resolve of this.beatWaiters.splice(0)) resolve();
        }
      } catch {
        // closed
      }
    })();
    return hb;
  }

  private ping(): void {
    this.ensureHeartbeatSocket().send([EMPTY, PING]).catch(() => undefined);
  }

  private probeHeartbeat(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      timer.unref();
      this.beatWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.ping();
    });
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.lastBeat = Date.now();
    this.hbTimer = setInterval(() => {
      if (Date.now() - this.lastBeat > HEARTBEAT_MISSES * HEARTBEAT_INTERVAL_MS + HEARTBEAT_INTERVAL_MS / 2) {
        this.die({ reason: `kernel '${this.kernelName}' stopped answering heartbeats (${HEARTBEAT_MISSES} missed)` });
        return;
      }
      this.ping();
    }, HEARTBEAT_INTERVAL_MS);
    this.hbTimer.unref();
    this.ping();
  }

  private stopHeartbeat(): void {
    clearInterval(this.hbTimer);
    this.hbTimer = undefined;
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

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

function lastLine(text: string): string {
  const line = text.split('\n').filter((l) => l.trim()).pop();
  return line ? `: ${line.length > 300 ? line.slice(0, 297) + '...' : line}` : '';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const ADDRESS_IN_USE = /Address already in use|EADDRINUSE/;

function isPortClash(err: unknown): boolean {
  const text = `${(err as Error)?.message} ${((err as Error)?.cause as Error | undefined)?.message ?? ''}`;
  return err instanceof KernelStartError && ADDRESS_IN_USE.test(text);
}

/** The last 20 lines of a kernel's stderr. */
function tailLines(text: string): string {
  return text.split('\n').slice(-20).join('\n');
}
