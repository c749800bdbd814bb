/**
 * A kernel on a remote gateway: REST for interrupt/restart/shutdown, one WebSocket (owned
 * here, with `ws`) for messages. Serialization is @jupyterlab/services' (legacy JSON and
 * `v1.kernel.websocket.jupyter.org`). Reconnects keep the session id, so Jupyter Server
 * replays what it buffered while the socket was down.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { CancelledError, GatewayError, KernelDiedError, KernelStartTimeoutError, UsageError } from '../../errors.js';
import { createMessage, parentId, type JupyterMessage, type KernelInfoReplyContent } from '../messages.js';
import { KernelBase } from '../kernel-base.js';
import type { KernelSpecInfo } from '../types.js';
import { CONTROL_REQUEST_TIMEOUT_MS, TOKEN_HINT, type RestClient } from './rest.js';

/** The binary kernel WebSocket subprotocol of Jupyter Server >= 1.23; legacy JSON otherwise. */
export const V1_SUBPROTOCOL = 'v1.kernel.websocket.jupyter.org';

/** Knobs for tests and benchmarks; the defaults are what users get. */
export interface RemoteConnectionTuning {
  /** Answer every received frame with an unsolicited pong so the TCP ACK leaves at once. Default true. */
  ackEveryFrame?: boolean;
  /** How long reconnecting may fail before the kernel counts as dead. Default 30 000. */
  reconnectTimeoutMs?: number;
  /** Offer the v1 binary subprotocol. Default true (servers without it get legacy JSON). */
  offerV1Protocol?: boolean;
}

const RATE_LIMIT_TEXT = /IOPub (data|message) rate exceeded/;
/** No frame at all for this long (the server pings every 30 s, we every 15 s): the link is dead. */
const SILENCE_LIMIT_MS = 45_000;
const KEEPALIVE_INTERVAL_MS = 15_000;
const RESTART_TIMEOUT_MS = 120_000;
const SHUTDOWN_ATTEMPTS = 5;
/** How long restart() waits for a kernel the gateway restarted itself before asking for a restart. */
const ADOPT_TIMEOUT_MS = 30_000;
/** After a kernel_info_reply, how long its iopub status may lag before the socket is judged deaf to iopub. */
const IOPUB_HANDSHAKE_MS = 3_000;
/** After a shutdown_reply we did not ask for, how long to watch for the kernel to vanish. */
const VANISH_WATCH_MS = 15_000;

export interface RemoteKernelInit {
  rest: RestClient;
  id: string;
  kernelName: string;
  tuning: RemoteConnectionTuning;
  onClosed(connection: RemoteKernelConnection): void;
}

/** One kernel on a remote gateway. Create it with {@link RemoteKernelConnection.open}. */
export class RemoteKernelConnection extends KernelBase {
  readonly id: string;
  readonly kernelName: string;
  private sessionId = randomUUID();
  spec: KernelSpecInfo;
  info!: KernelInfoReplyContent;

  private readonly rest: RestClient;
  private readonly tuning: Required<RemoteConnectionTuning>;
  private readonly onClosed: (c: RemoteKernelConnection) => void;
  private ws: WebSocket | undefined;
  private protocol = '';
  private useV1: boolean;
  private outbox: JupyterMessage[] = [];
  private restarting = false;
  /** The gateway restarted the crashed kernel itself (status `restarting`): restart() adopts it. */
  private autoRestarted = false;
  private reconnecting: Promise<void> | undefined;
  /**
   * The gateway did not answer our DELETE (frozen, silent, gone): the gateway's dispose()
   * gives up on this kernel at once instead of waiting for a second DELETE to time out.
   */
  shutdownUnanswered = false;
  private keepalive: NodeJS.Timeout | undefined;
  private lastFrameAt = Date.now();

  private constructor(init: RemoteKernelInit) {
    super((text) => init.rest.scrub(text));
    this.rest = init.rest;
    this.id = init.id;
    this.kernelName = init.kernelName;
    this.onClosed = init.onClosed;
    this.tuning = {
      ackEveryFrame: init.tuning.ackEveryFrame ?? true,
      reconnectTimeoutMs: init.tuning.reconnectTimeoutMs ?? 30_000,
      offerV1Protocol: init.tuning.offerV1Protocol ?? true,
    };
    this.useV1 = this.tuning.offerV1Protocol;
    this.spec = { name: init.kernelName, displayName: init.kernelName, language: '' };
  }

  /**
   * Connects the WebSocket of a started kernel and waits for its kernel_info_reply.
   * `signal` aborts with its reason (the caller turns it into a timeout or a cancel).
   * @example const conn = await RemoteKernelConnection.open({ rest, id, kernelName: 'python3', tuning: {}, onClosed }, signal)
   */
  static async open(init: RemoteKernelInit, signal: AbortSignal): Promise<RemoteKernelConnection> {
    const conn = new RemoteKernelConnection(init);
    try {
      await conn.connect(signal);
      const reply = await conn.request(createMessage('shell', 'kernel_info_request', {}, conn.session), { signal });
      conn.info = reply.content as unknown as KernelInfoReplyContent;
    } catch (err) {
      conn.closing = true;
      conn.closeSocket();
      throw err;
    }
    conn.startKeepalive();
    return conn;
  }

  /** The session id of message headers and of the WebSocket URL (kept across reconnects). */
  get session(): string {
    return this.sessionId;
  }

  /** The subprotocol in use: `v1.kernel.websocket.jupyter.org`, or '' for legacy JSON. */
  get wireProtocol(): string {
    return this.protocol;
  }

  protected transmit(msg: JupyterMessage): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.write(this.ws, msg);
    // While reconnecting, messages wait and go out in order once the socket is back.
    else this.outbox.push(msg);
  }

  /** The contract (types.ts): a dead or shut-down kernel has nothing to interrupt — resolves. */
  async interrupt(): Promise<void> {
    if (this.dead || this.closing) return;
    const path = `api/kernels/${encodeURIComponent(this.id)}/interrupt`;
    const res = await this.rest.request('POST', path, { timeoutMs: CONTROL_REQUEST_TIMEOUT_MS });
    // Gone meanwhile: the death is reported to onDeath listeners, the interrupt has nothing left to do.
    if (res.status === 404) {
      this.markGone();
      return;
    }
    if (res.status !== 204 && res.status !== 200) throw this.rest.unexpected('POST', path, res);
  }

  /** The contract (types.ts): revives a dead kernel (the gateway restarts it); refuses after shutdown(). */
  async restart(): Promise<void> {
    if (this.closing) throw new KernelDiedError(`kernel ${this.kernelName} (${this.id}) is shut down: cannot restart it`);
    if (this.restarting) throw new UsageError(`kernel ${this.kernelName} (${this.id}) is already restarting`);
    const path = `api/kernels/${encodeURIComponent(this.id)}/restart`;
    const wasDead = this.dead;
    const death = this.death;
    this.restarting = true;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new KernelStartTimeoutError(this.kernelName, RESTART_TIMEOUT_MS)), RESTART_TIMEOUT_MS);
    // A dead kernel that could not be revived stays dead (its death was reported already).
    const stayDead = () => {
      if (wasDead && !this.dead) this.end(death, death?.reason ?? `kernel ${this.kernelName} (${this.id}) is dead`);
    };
    try {
      // The gateway restarted the crashed kernel itself (Jupyter Server's restarter): that fresh
      // kernel is the new life. A restart request of ours now would race the server's own, and
      // jupyter_client 7 can then lose track of the kernel process (two launches, one watched:
      // a later death is never noticed). Adopt it; only if it does not answer, ask for a restart.
      if (wasDead && this.autoRestarted) {
        const attempt = AbortSignal.any([controller.signal, AbortSignal.timeout(ADOPT_TIMEOUT_MS)]);
        try {
          await this.beginNewLife(wasDead, attempt);
          return;
        } catch (err) {
          if (controller.signal.aborted || this.closing) throw err;
          stayDead();
        }
      }
      let res = await this.rest.request('POST', path, { signal: controller.signal });
      // Jupyter Server answers 500 ("Exception restarting kernel") while its restarter is still
      // bringing a crashed kernel back: the same answer as to DELETE then — try again shortly.
      for (let attempt = 1; res.status >= 500 && attempt < SHUTDOWN_ATTEMPTS; attempt++) {
        await sleep(500 * attempt, controller.signal);
        res = await this.rest.request('POST', path, { signal: controller.signal });
      }
      if (res.status === 404) {
        if (!wasDead) throw this.markGone();
        throw new KernelDiedError(`kernel ${this.kernelName} (${this.id}) no longer exists on the gateway: cannot restart it`);
      }
      if (res.status !== 200 && res.status !== 204) throw this.rest.unexpected('POST', path, res);
      if (this.closing) throw new KernelDiedError(`kernel ${this.kernelName} (${this.id}) was shut down while restarting`);
      await this.beginNewLife(wasDead, controller.signal);
    } catch (err) {
      stayDead();
      throw err;
    } finally {
      clearTimeout(timer);
      this.restarting = false;
      // A restart that failed after dropping the socket must not leave the kernel unreachable.
      if (!this.ws && !this.dead && !this.closing) this.reconnecting ??= this.reconnect(1000).finally(() => (this.reconnecting = undefined));
    }
  }

  /** After the gateway restarted the kernel: a new socket, a kernel_info answer, a new life. */
  private async beginNewLife(wasDead: boolean, signal: AbortSignal): Promise<void> {
    // A new life: a later death is reported again.
    this.revive();
    this.autoRestarted = false;
    await this.handshake(signal);
    if (wasDead) this.startKeepalive();
  }

  /**
   * A new socket (as JupyterLab does after a restart: the kernel's ports may have changed)
   * and a kernel_info request answered on shell *and* seen on iopub. Jupyter Server 1.x may
   * hand a reconnecting session its buffered channels, still bound to the ports the kernel
   * had before a restart: shell works, iopub stays silent (no output, no idle, ever). Such
   * a socket is dropped and another opened (the server then connects fresh channels).
   */
  private async handshake(signal: AbortSignal): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const tries = AbortSignal.any([signal, AbortSignal.timeout(Math.min(10_000 * 2 ** (attempt - 1), 60_000))]);
      const old = this.ws;
      this.ws = undefined;
      if (old) {
        old.removeAllListeners('message');
        old.close(1000);
        setTimeout(() => old.terminate(), 2000).unref();
      }
      const request = createMessage('shell', 'kernel_info_request', {}, this.session);
      let heard!: () => void;
      const onIopub = new Promise<void>((resolve) => (heard = resolve));
      const off = this.events.onMessage((msg) => {
        if (msg.channel === 'iopub' && parentId(msg) === request.header.msg_id) heard();
      });
      try {
        await this.connect(tries);
        const reply = await this.request(request, { signal: tries });
        if (await settlesWithin(onIopub, IOPUB_HANDSHAKE_MS, tries)) {
          this.info = reply.content as unknown as KernelInfoReplyContent;
          return;
        }
      } catch (err) {
        // Only this attempt's own time ran out: try another socket.
        if (signal.aborted || !tries.aborted) throw err;
      } finally {
        off();
      }
    }
  }

  /** A later shutdown() tries again (e.g. the gateway was briefly unreachable). */
  protected override shutdownFailed(err: unknown): void {
    if (err instanceof GatewayError && err.code === 'E_GATEWAY_UNREACHABLE') this.shutdownUnanswered = true;
  }

  /** DELETE, retried while Jupyter Server answers 5xx; the base then drops the socket and fails what waits. */
  protected async close(): Promise<void> {
    const path = `api/kernels/${encodeURIComponent(this.id)}`;
    for (let attempt = 1; ; attempt++) {
      const res = await this.rest.request('DELETE', path, { timeoutMs: CONTROL_REQUEST_TIMEOUT_MS });
      // 404: already gone (died, or shut down by someone else) — that is the goal anyway.
      if (res.status === 204 || res.status === 200 || res.status === 404) break;
      // Jupyter Server answers 500 while it is auto-restarting a crashed kernel: try again shortly.
      if (res.status < 500 || attempt >= SHUTDOWN_ATTEMPTS) throw this.rest.unexpected('DELETE', path, res);
      await sleep(500 * attempt);
    }
    this.onClosed(this);
  }

  // --- the WebSocket -------------------------------------------------------------------

  private channelsUrl(): string {
    return `${this.rest.settings.wsUrl}api/kernels/${encodeURIComponent(this.id)}/channels?session_id=${encodeURIComponent(this.session)}`;
  }

  /** Opens the socket; falls back to legacy JSON when the server picks no subprotocol. */
  private async connect(signal?: AbortSignal): Promise<void> {
    try {
      await this.openSocket(signal);
    } catch (err) {
      if (this.useV1 && err instanceof Error && /no subprotocol/i.test(err.message)) {
        this.useV1 = false;
        // The server registered the refused socket under this session and would wait ~5 s
        // for its close before accepting the same session again; nothing to replay yet.
        if (!this.info) this.sessionId = randomUUID();
        await this.openSocket(signal);
        return;
      }
      throw err;
    }
  }

  private openSocket(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const SocketClass = this.rest.settings.WebSocket as unknown as new (url: string, protocols?: string[]) => WebSocket;
      const ws = new SocketClass(this.channelsUrl(), this.useV1 ? [V1_SUBPROTOCOL] : []);
      ws.binaryType = 'arraybuffer';
      let settled = false;
      const settle = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else {
          ws.removeAllListeners();
          ws.on('error', () => undefined);
          ws.terminate();
          reject(err);
        }
      };
      const onAbort = (): void => settle(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        if (status === 401 || status === 403) {
          settle(new GatewayError('E_GATEWAY_AUTH', `the gateway at ${this.rest.displayUrl} refused the kernel WebSocket (HTTP ${status}): check gatewayToken`, status, TOKEN_HINT));
        } else if (status === 404) {
          settle(new KernelDiedError(`kernel ${this.kernelName} (${this.id}) no longer exists on the gateway`));
        } else {
          settle(new GatewayError('E_GATEWAY', `the gateway at ${this.rest.displayUrl} answered HTTP ${status} to the kernel WebSocket upgrade`, status));
        }
      });
      ws.on('error', (err) => {
        if (settled) return;
        const detail = this.rest.scrub(err.message);
        const unreachable = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|timed out|socket hang up/i.test(detail);
        const wrapped = /no subprotocol/i.test(detail)
          ? new Error(detail)
          : new GatewayError(
              unreachable ? 'E_GATEWAY_UNREACHABLE' : 'E_GATEWAY',
              `cannot open the kernel WebSocket at ${this.rest.displayUrl} (${detail})`,
              undefined,
              { cause: err },
            );
        settle(wrapped);
      });
      ws.on('open', () => {
        // Tornado does not set TCP_NODELAY; at least our side must not hold small frames back.
        (ws as unknown as { _socket?: Socket })._socket?.setNoDelay(true);
        this.protocol = ws.protocol;
        this.ws = ws;
        this.lastFrameAt = Date.now();
        ws.on('message', (data, isBinary) => this.receive(ws, data, isBinary));
        ws.on('ping', () => (this.lastFrameAt = Date.now()));
        ws.on('pong', () => (this.lastFrameAt = Date.now()));
        ws.on('close', (code) => this.handleClose(ws, code));
        ws.removeAllListeners('error');
        ws.on('error', () => undefined); // 'close' follows and drives reconnects
        settle();
        const queued = this.outbox;
        this.outbox = [];
        for (const msg of queued) this.write(ws, msg);
      });
    });
  }

  private write(ws: WebSocket, msg: JupyterMessage): void {
    const wire = {
      ...msg,
      parent_header: msg.parent_header ?? {},
      // @jupyterlab/services reads view.buffer whole: give it views that own their bytes.
      buffers: (msg.buffers ?? []).map((b) => (ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice() : b)),
    };
    const data = this.rest.settings.serializer.serialize(wire as never, this.protocol);
    ws.send(data);
  }

  private receive(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    // The cure for the Nagle/delayed-ACK stall: an unsolicited pong makes our ACK leave now.
    if (this.tuning.ackEveryFrame && ws.readyState === WebSocket.OPEN) ws.pong();
    this.lastFrameAt = Date.now();
    let msg: JupyterMessage;
    try {
      const raw = isBinary ? toArrayBuffer(data) : Buffer.isBuffer(data) ? data.toString('utf8') : new TextDecoder().decode(toArrayBuffer(data));
      msg = this.rest.settings.serializer.deserialize(raw as ArrayBuffer, this.protocol) as unknown as JupyterMessage;
    } catch (err) {
      this.notice('warning', `ignored an unreadable message from kernel ${this.id}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!msg.channel) msg.channel = 'iopub';
    msg.parent_header ??= {};
    msg.metadata ??= {};
    if (msg.buffers && msg.buffers.length === 0) delete msg.buffers;
    this.inspect(msg);
    this.deliver(msg);
  }

  /** Status and rate-limit messages that concern the connection itself. */
  private inspect(msg: JupyterMessage): void {
    if (msg.channel !== 'iopub') return;
    const type = msg.header?.msg_type;
    if (type === 'status') {
      const state = (msg.content as { execution_state?: string }).execution_state;
      if (state === 'dead') {
        this.autoRestarted = false;
        queueMicrotask(() => this.die({ reason: `kernel ${this.kernelName} (${this.id}) died and the gateway could not restart it` }));
      } else if (state === 'restarting' && !this.restarting) {
        // The gateway auto-restarted a crashed kernel: its state (variables, imports) is gone.
        this.autoRestarted = true;
        queueMicrotask(() => this.die({ reason: `kernel ${this.kernelName} (${this.id}) died (the gateway restarted it; its state is lost)` }));
      }
    } else if (type === 'shutdown_reply' && !this.closing && !this.restarting) {
      // ipykernel broadcasts its shutdown_reply: someone else is shutting this kernel down.
      if ((msg.content as { restart?: boolean }).restart !== true) void this.watchForVanishing();
    } else if (type === 'stream') {
      const text = (msg.content as { text?: string }).text ?? '';
      const match = RATE_LIMIT_TEXT.exec(text);
      if (match) {
        const which = match[1] === 'data' ? 'iopub_data_rate_limit' : 'iopub_msg_rate_limit';
        this.notice(
          'rate-limit',
          `the gateway dropped output of kernel ${this.kernelName} above its IOPub ${match[1]} rate limit; raise ServerApp.${which} on the server to keep it all`,
        );
      }
    }
  }

  private handleClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    if (this.closing || this.dead) return;
    this.reconnecting ??= this.reconnect(code).finally(() => (this.reconnecting = undefined));
  }

  /** Same session id again, so the server replays what it buffered meanwhile. */
  private async reconnect(code: number): Promise<void> {
    const started = Date.now();
    const deadline = started + this.tuning.reconnectTimeoutMs;
    let attempt = 0;
    let lastError: unknown;
    while (!this.closing && !this.dead) {
      attempt += 1;
      try {
        const model = await this.rest.request('GET', `api/kernels/${encodeURIComponent(this.id)}`, {
          timeoutMs: Math.max(1000, Math.min(CONTROL_REQUEST_TIMEOUT_MS, deadline - Date.now())),
        });
        if (model.status === 404) {
          this.die({ reason: `kernel ${this.kernelName} (${this.id}) no longer exists on the gateway` });
          return;
        }
        const state = (model.data as { execution_state?: unknown } | undefined)?.execution_state;
        if (state === 'dead') {
          this.die({ reason: `kernel ${this.kernelName} (${this.id}) is dead on the gateway` });
          return;
        }
        await this.connect(AbortSignal.timeout(Math.max(1000, deadline - Date.now())));
        if (this.closing || this.dead) {
          this.closeSocket();
          return;
        }
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        this.notice(
          'reconnect',
          `the WebSocket to kernel ${this.kernelName} (${this.id}) closed (code ${code}); reconnected with the same session after ${seconds} s (${attempt} attempt${attempt > 1 ? 's' : ''})`,
        );
        return;
      } catch (err) {
        lastError = err;
        if (err instanceof KernelDiedError) {
          this.die({ reason: err.message });
          return;
        }
      }
      if (Date.now() >= deadline) break;
      await sleep(Math.min(250 * 2 ** (attempt - 1), 2000, Math.max(0, deadline - Date.now())));
    }
    if (!this.closing && !this.dead) {
      const why = lastError instanceof Error ? `: ${this.rest.scrub(lastError.message)}` : '';
      this.die({ reason: `lost the connection to kernel ${this.kernelName} (${this.id}) and could not reconnect within ${this.tuning.reconnectTimeoutMs / 1000} s${why}` });
    }
  }

  private startKeepalive(): void {
    this.keepalive = setInterval(() => {
      void this.checkExists();
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      // A half-open TCP link (NAT timeout, laptop sleep) shows only as silence.
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) ws.terminate();
      else ws.ping();
    }, KEEPALIVE_INTERVAL_MS);
    this.keepalive.unref();
  }

  /** Asks the gateway whether the kernel still exists; dies when it does not. Never throws. */
  private async checkExists(): Promise<boolean> {
    if (this.closing || this.dead || this.restarting) return !this.dead;
    try {
      const res = await this.rest.request('GET', `api/kernels/${encodeURIComponent(this.id)}`, { timeoutMs: CONTROL_REQUEST_TIMEOUT_MS });
      if (this.closing || this.dead) return !this.dead;
      if (res.status === 404) {
        this.die({ reason: `kernel ${this.kernelName} (${this.id}) no longer exists on the gateway (shut down by someone else?)` });
      } else if ((res.data as { execution_state?: unknown } | undefined)?.execution_state === 'dead') {
        this.die({ reason: `kernel ${this.kernelName} (${this.id}) is dead on the gateway` });
      }
    } catch {
      /* unreachable for a moment: the WebSocket's own close drives reconnects */
    }
    return !this.dead;
  }

  /** The kernel is shutting down at someone else's request; report the death once it is gone. */
  private async watchForVanishing(): Promise<void> {
    const deadline = Date.now() + VANISH_WATCH_MS;
    while (Date.now() < deadline && (await this.checkExists()) && !this.closing) await sleep(300);
  }

  // --- death ---------------------------------------------------------------------------

  private markGone(): KernelDiedError {
    const err = new KernelDiedError(`kernel ${this.kernelName} (${this.id}) no longer exists on the gateway`);
    this.die({ reason: err.message });
    return err;
  }

  /**
   * Gives up on a kernel whose gateway does not answer (dispose after a failed shutdown):
   * the socket and timers go, so nothing of it keeps the process alive.
   */
  abandon(): void {
    this.closing = true;
    this.end(this.death, `kernel ${this.kernelName} (${this.id}) was abandoned: its gateway did not answer`);
  }

  protected release(): void {
    this.closeSocket();
  }

  private closeSocket(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      ws.removeAllListeners('message');
      ws.close(1000);
      // A server that does not answer the close handshake must not keep the process alive.
      setTimeout(() => ws.terminate(), 2000).unref();
    }
  }

}

/** Rejects a start that is cancelled: turns an abort reason into the right nbrun error. */
export function toStartAbortError(reason: unknown, kernelName: string): Error {
  if (reason instanceof KernelStartTimeoutError || reason instanceof CancelledError) return reason;
  return new CancelledError(`start of kernel '${kernelName}' cancelled`, undefined, { cause: reason });
}

function toArrayBuffer(data: WebSocket.RawData): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  const buf = Array.isArray(data) ? Buffer.concat(data) : (data as Buffer);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** Whether `promise` settles within `ms` (false when it does not; rejects when `signal` aborts). */
async function settlesWithin(promise: Promise<unknown>, ms: number, signal: AbortSignal): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
      new Promise<boolean>((_, reject) => {
        onAbort = () => reject(signal.reason);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Waits `ms`; with a signal, rejects with its reason as soon as it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
