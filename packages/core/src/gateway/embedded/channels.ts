/**
 * The kernel's channels over ZeroMQ, as jupyter_client's channels hold them: shell, stdin
 * and control as DEALERs, iopub as a SUB, each received message decoded and checked against
 * the connection's key (what fails is dropped and counted), each sent one signed — one send
 * at a time per socket. Knows nothing of the kernel's life: it opens on a connection info
 * and closes.
 */
import { Dealer, Subscriber } from 'zeromq';
import { UsageError } from '../../errors.js';
import type { Channel, JupyterMessage } from '../messages.js';
import { endpoint, type ConnectionInfo } from './launch.js';
import { decodeMessage, encodeMessage } from './wire.js';

/** What the channels tell the kernel. */
export interface ChannelHandlers {
  /** A message received (and verified) on a channel. */
  onMessage(msg: JupyterMessage, channel: Channel): void;
  /** The kernel's stdin socket met ours (ZMTP handshake): input_request can now reach us. */
  onStdinHandshake(): void;
  /** Something worth a warning (a send or receive failed, messages dropped). */
  onWarning(message: string): void;
}

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

/**
 * The four message channels of one kernel (the heartbeat is heartbeat.ts's).
 * @example
 * const channels = new KernelChannels(conn, Buffer.from(conn.key, 'latin1'), session, 'python3', handlers);
 * channels.send(createMessage('shell', 'kernel_info_request', {}, session));
 * channels.close();
 */
export class KernelChannels {
  private readonly shell: Dealer;
  private readonly stdin: Dealer;
  private readonly control: Dealer;
  private readonly iopub: Subscriber;
  private readonly writers: Record<'shell' | 'stdin' | 'control', FrameWriter>;
  private handshakes = 0;
  private dropped = 0;

  constructor(
    conn: ConnectionInfo,
    private readonly key: Buffer,
    session: string,
    private readonly kernelName: string,
    private readonly handlers: ChannelHandlers,
  ) {
    // The kernel routes input_request by the shell peer's identity: stdin must share it.
    this.shell = new Dealer({ routingId: session, linger: 0 });
    this.stdin = new Dealer({ routingId: session, linger: 0 });
    this.stdin.events.on('handshake', () => {
      this.handshakes++;
      this.handlers.onStdinHandshake();
    });
    this.control = new Dealer({ linger: 0 });
    // No receive limit on iopub: above it the kernel's PUB would drop output.
    this.iopub = new Subscriber({ linger: 0, receiveHighWaterMark: 0 });
    this.iopub.subscribe();
    this.shell.connect(endpoint(conn, conn.shell_port));
    this.stdin.connect(endpoint(conn, conn.stdin_port));
    this.control.connect(endpoint(conn, conn.control_port));
    this.iopub.connect(endpoint(conn, conn.iopub_port));
    const onError = (channel: Channel) => (err: unknown) => this.handlers.onWarning(`cannot send on ${channel}: ${(err as Error).message}`);
    this.writers = {
      shell: new FrameWriter(this.shell, onError('shell')),
      stdin: new FrameWriter(this.stdin, onError('stdin')),
      control: new FrameWriter(this.control, onError('control')),
    };
    void this.receive(this.shell, 'shell');
    void this.receive(this.iopub, 'iopub');
    void this.receive(this.stdin, 'stdin');
    void this.receive(this.control, 'control');
  }

  /** Whether the kernel's stdin socket has met ours (the kernel routes input_request only to a peer it has met). */
  get stdinMet(): boolean {
    return this.handshakes > 0;
  }

  /** Signs and queues one message on its channel (shell, control or stdin). */
  send(msg: JupyterMessage): void {
    const writer = msg.channel === 'iopub' ? undefined : this.writers[msg.channel];
    if (!writer) throw new UsageError(`cannot send ${msg.header.msg_type} on channel '${msg.channel}' (use shell, control or stdin)`);
    writer.write(encodeMessage(msg, this.key));
  }

  close(): void {
    for (const socket of [this.shell, this.iopub, this.stdin, this.control]) socket.close();
  }

  private async receive(socket: Dealer | Subscriber, channel: Channel): Promise<void> {
    try {
      for await (const frames of socket) this.handleFrames(frames, channel);
    } catch (err) {
      if (!socket.closed) this.handlers.onWarning(`${channel} channel of kernel '${this.kernelName}' failed: ${(err as Error).message}`);
    }
  }

  private handleFrames(frames: Buffer[], channel: Channel): void {
    const decoded = decodeMessage(frames, channel, this.key);
    if (!decoded.ok) {
      this.dropped++;
      // Tell once, then every 1000th: a flood of bad messages must not flood the user.
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.handlers.onWarning(`dropped ${this.dropped} message(s) from kernel '${this.kernelName}' (last: ${decoded.reason} on ${channel})`);
      }
      return;
    }
    this.handlers.onMessage(decoded.message, channel);
    if (decoded.more) for (const msg of decoded.more) this.handlers.onMessage(msg, channel);
  }
}
