/**
 * The kernel's heartbeat, as jupyter_client's HBChannel beats it: a ping every second on the
 * hb port, echoed by the kernel; three missed in a row and the kernel counts as dead. Used
 * only when the kernel's process is not our child (its launcher exited 0): a child's exit
 * tells its death sooner and surer.
 */
import { Dealer } from 'zeromq';

export const HEARTBEAT_INTERVAL_MS = 1000;
export const HEARTBEAT_MISSES = 3;
const PING = Buffer.from('ping');
const EMPTY = Buffer.alloc(0);

/**
 * @example
 * const hb = new Heartbeat('tcp://127.0.0.1:5555');
 * if (await hb.probe(1000)) hb.start(() => console.log('kernel stopped answering'));
 * hb.close();
 */
export class Heartbeat {
  private socket: Dealer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastBeat = 0;
  private beatWaiters: Array<() => void> = [];

  /** @param address the kernel's hb endpoint (`tcp://ip:hb_port`); connected at the first ping. */
  constructor(private readonly address: string) {}

  /** Whether the kernel answers one ping within `ms`. */
  probe(ms: number): Promise<boolean> {
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

  /** Pings every interval; `onMissed` once the kernel has missed HEARTBEAT_MISSES in a row (beating then stops). */
  start(onMissed: () => void): void {
    this.stop();
    this.lastBeat = Date.now();
    this.timer = setInterval(() => {
      if (Date.now() - this.lastBeat > HEARTBEAT_MISSES * HEARTBEAT_INTERVAL_MS + HEARTBEAT_INTERVAL_MS / 2) {
        this.stop();
        onMissed();
        return;
      }
      this.ping();
    }, HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
    this.ping();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    this.socket?.close();
    this.socket = undefined;
  }

  private ping(): void {
    this.connect().send([EMPTY, PING]).catch(() => undefined);
  }

  private connect(): Dealer {
    if (this.socket) return this.socket;
    // A Dealer speaking REQ's envelope ('' + payload) never wedges on a lost reply, unlike REQ.
    const socket = new Dealer({ linger: 0, sendTimeout: 0 });
    socket.connect(this.address);
    this.socket = socket;
    void (async () => {
      try {
        for await (const _ of socket) {
          this.lastBeat = Date.now();
          for (const resolve of this.beatWaiters.splice(0)) resolve();
        }
      } catch {
        // closed
      }
    })();
    return socket;
  }
}
