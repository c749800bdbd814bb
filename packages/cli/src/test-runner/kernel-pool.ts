/**
 * Kernels for a test suite, as a Gateway the core's runNotebook uses unchanged:
 * - fresh (default): every notebook gets a new kernel; with `prestart`, the next
 *   notebook's kernel is started while the current ones run (a warm pool, no shared state);
 * - reuse: a notebook's kernel is restarted (KernelConnection.restart) when the notebook
 *   ends and handed to the next notebook of the same kernelspec, folder and environment.
 * Kernels are keyed by kernelspec name, working directory and environment, so a reused or
 * pre-started kernel is always the one the notebook would have started itself.
 */
import { CancelledError } from '@nbrun/core';
import type { Gateway, KernelConnection, KernelSpecList, StartKernelOptions } from '@nbrun/core';

export interface KernelPoolOptions {
  /** Restart and reuse kernels between notebooks (instead of a fresh kernel each). */
  reuse: boolean;
  /** Start the kernels of notebooks still to come ahead of time (fresh mode only). */
  prestart: boolean;
  /** At most this many kernels started ahead of time at once. Default 2. */
  maxSpare?: number;
}

type Key = string;

function keyOf(options: StartKernelOptions): Key {
  // By code unit, not localeCompare (which loads ICU's collator, ~20 ms, for a key).
  const env = options.env ? Object.entries(options.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  return JSON.stringify([options.kernelName, options.cwd ?? '', env]);
}

/** Resolves like `promise`, or rejects with a CancelledError when `signal` aborts first. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new CancelledError('kernel start cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError('kernel start cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * A kernel lent to one notebook: shutdown() gives it back to the pool, and every listener
 * the notebook added is removed, so nothing of one notebook reaches the next.
 */
function lend(kernel: KernelConnection, giveBack: (k: KernelConnection) => void): KernelConnection {
  const offs: (() => void)[] = [];
  let returned = false;
  const track = (off: () => void) => {
    offs.push(off);
    return off;
  };
  return {
    get id() {
      return kernel.id;
    },
    get kernelName() {
      return kernel.kernelName;
    },
    get spec() {
      return kernel.spec;
    },
    get info() {
      return kernel.info;
    },
    get session() {
      return kernel.session;
    },
    get isDead() {
      return returned || kernel.isDead;
    },
    send: (msg) => {
      if (!returned) kernel.send(msg);
    },
    onMessage: (listener) => track(kernel.onMessage(listener)),
    onDeath: (listener) => track(kernel.onDeath(listener)),
    onNotice: (listener) => track(kernel.onNotice(listener)),
    interrupt: () => kernel.interrupt(),
    restart: () => kernel.restart(),
    shutdown: async () => {
      if (returned) return;
      returned = true;
      for (const off of offs.splice(0)) off();
      giveBack(kernel);
    },
  };
}

/**
 * The suite's kernel source. Call {@link expect} once per notebook to be run (so the pool
 * knows what to start ahead), pass the pool as the run's gateway, and {@link dispose} it at
 * the end (it shuts down every kernel it still holds, not the underlying gateway).
 *
 * @example
 * const pool = new KernelPool(createEmbeddedGateway(), { reuse: false, prestart: true });
 * for (const nb of notebooks) pool.expect({ kernelName: 'python3', cwd: dirname(nb) });
 * await runNotebook(nb, { gateway: pool });
 * await pool.dispose();
 */
export class KernelPool implements Gateway {
  readonly kind: Gateway['kind'];
  private readonly demand = new Map<Key, number>();
  private readonly spares = new Map<Key, Promise<KernelConnection>[]>();
  private readonly live = new Set<KernelConnection>();
  private readonly pending = new Set<Promise<KernelConnection>>();
  private readonly abort = new AbortController();
  private disposed = false;
  /** How many kernels were started (restarts not counted): for reports and tests. */
  started = 0;
  /** How many times a kernel was restarted for another notebook. */
  restarted = 0;

  constructor(
    private readonly gateway: Gateway,
    private readonly options: KernelPoolOptions,
  ) {
    this.kind = gateway.kind;
  }

  /** Announces one future notebook run with these start options. */
  expect(options: StartKernelOptions): void {
    const key = keyOf(options);
    this.demand.set(key, (this.demand.get(key) ?? 0) + 1);
  }

  /** Forgets one announced run that will not happen (a skipped or unreadable notebook). */
  unexpect(options: StartKernelOptions): void {
    const key = keyOf(options);
    this.demand.set(key, Math.max(0, (this.demand.get(key) ?? 0) - 1));
  }

  listKernelSpecs(signal?: AbortSignal): Promise<KernelSpecList> {
    return this.gateway.listKernelSpecs(signal);
  }

  async startKernel(options: StartKernelOptions): Promise<KernelConnection> {
    if (this.disposed) throw new CancelledError('the kernel pool is closed');
    const key = keyOf(options);
    this.demand.set(key, Math.max(0, (this.demand.get(key) ?? 0) - 1));
    const queue = this.spares.get(key);
    const next = queue?.shift() ?? this.launch(options);
    this.topUp(key, options);
    let kernel: KernelConnection;
    try {
      kernel = await raceSignal(next, options.signal);
    } catch (err) {
      // A cancelled wait leaves the kernel to the pool (dispose() shuts it down).
      if (err instanceof CancelledError) this.park(key, next);
      throw err;
    }
    if (this.options.reuse) return lend(kernel, (k) => this.giveBack(key, k, options));
    // A fresh kernel belongs to its notebook's run, which shuts it down.
    this.live.delete(kernel);
    return kernel;
  }

  /** Shuts down every kernel the pool holds or is starting. Idempotent. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.abort.abort();
    const starting = [...this.pending, ...[...this.spares.values()].flat()];
    this.spares.clear();
    const settled = await Promise.allSettled(starting);
    for (const s of settled) if (s.status === 'fulfilled') this.live.add(s.value);
    await Promise.all([...this.live].map((k) => k.shutdown().catch(() => undefined)));
    this.live.clear();
  }

  private park(key: Key, kernel: Promise<KernelConnection>): void {
    const queue = this.spares.get(key) ?? [];
    queue.push(kernel);
    this.spares.set(key, queue);
  }

  private spareCount(): number {
    let n = 0;
    for (const q of this.spares.values()) n += q.length;
    return n;
  }

  /** Pre-starts one kernel for `key` when notebooks needing it are still to come. */
  private topUp(key: Key, options: StartKernelOptions): void {
    if (!this.options.prestart || this.options.reuse || this.disposed) return;
    const waiting = this.spares.get(key)?.length ?? 0;
    if ((this.demand.get(key) ?? 0) <= waiting || this.spareCount() >= (this.options.maxSpare ?? 2)) return;
    this.park(key, this.launch(options));
  }

  private launch(options: StartKernelOptions): Promise<KernelConnection> {
    const { signal: _ignored, ...rest } = options;
    void _ignored;
    this.started++;
    // Started for the suite, not for one notebook: only the pool's own signal stops it.
    const p = this.gateway.startKernel({ ...rest, signal: this.abort.signal });
    this.pending.add(p);
    p.then(
      (k) => {
        this.pending.delete(p);
        this.live.add(k);
        if (this.disposed) void k.shutdown().catch(() => undefined);
      },
      () => this.pending.delete(p),
    );
    return p;
  }

  /** A notebook is done with its kernel: restart it for the next one, or shut it down. */
  private giveBack(key: Key, kernel: KernelConnection, options: StartKernelOptions): void {
    if (this.disposed || kernel.isDead || (this.demand.get(key) ?? 0) <= (this.spares.get(key)?.length ?? 0)) {
      this.live.delete(kernel);
      void kernel.shutdown().catch(() => undefined);
      return;
    }
    this.restarted++;
    const restarted = kernel.restart().then(
      () => kernel,
      async () => {
        // A kernel that cannot restart is replaced by a new one.
        this.live.delete(kernel);
        await kernel.shutdown().catch(() => undefined);
        return this.launch(options);
      },
    );
    this.pending.add(restarted);
    restarted.then(() => this.pending.delete(restarted), () => this.pending.delete(restarted));
    this.park(key, restarted);
  }
}
