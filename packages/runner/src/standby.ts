/**
 * A job started ahead as a standby (`$NBRUN_HOLD_FILE`, set by the local driver for a run
 * waiting for a free slot): the job's own kernel starts with the job's kernel name, folder
 * and environment, then the job waits until the hold file exists. The run then takes that
 * kernel — a fresh one that ran nothing, used by this one run only — or starts another if
 * the run asks for a different kernel. The run's clock (run timeout) starts at the release.
 */
import { watch, type FSWatcher } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { CancelledError, createEmbeddedGateway, type Gateway, type KernelConnection, type KernelSpecList, type StartKernelOptions } from '@nbrun/core';

/** The environment variable naming the file whose creation releases a standby job. */
export const HOLD_FILE_ENV = 'NBRUN_HOLD_FILE';

/** Whether two environments have the same variables and values. */
function sameEnv(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  if (x.length !== Object.keys(b ?? {}).length) return false;
  return x.every(([k, v]) => Object.hasOwn(b!, k) && b![k] === v);
}

/**
 * The embedded gateway with one kernel started ahead: the first `startKernel` with the same
 * kernel name, folder and environment gets it; any other start gets a new kernel.
 *
 * @example
 * const gw = new StandbyGateway({ kernelName: 'python3', cwd, env }, process.env);
 * await waitForFile(holdFile, signal);
 * await runNotebook(nb, { cwd, env, gateway: gw });
 * await gw.dispose();
 */
export class StandbyGateway implements Gateway {
  readonly kind = 'embedded' as const;
  readonly #gateway: Gateway;
  readonly #ahead: StartKernelOptions;
  #kernel: Promise<KernelConnection> | undefined;
  readonly #abort = new AbortController();

  constructor(ahead: StartKernelOptions, baseEnv: NodeJS.ProcessEnv) {
    const env = { ...baseEnv };
    delete env[HOLD_FILE_ENV];
    this.#gateway = createEmbeddedGateway({ env });
    this.#ahead = ahead;
    this.#kernel = this.#gateway.startKernel({ ...ahead, signal: this.#abort.signal });
    // A failed start is the run's error once it asks for its kernel, not an unhandled rejection now.
    this.#kernel.catch(() => undefined);
  }

  listKernelSpecs(signal?: AbortSignal): Promise<KernelSpecList> {
    return this.#gateway.listKernelSpecs(signal);
  }

  async startKernel(options: StartKernelOptions): Promise<KernelConnection> {
    const ahead = this.#kernel;
    this.#kernel = undefined;
    const a = this.#ahead;
    if (ahead && options.kernelName === a.kernelName && resolve(options.cwd ?? '.') === resolve(a.cwd ?? '.') && sameEnv(options.env, a.env)) {
      const kernel = await ahead;
      if (!kernel.isDead) return kernel;
      await kernel.shutdown().catch(() => undefined);
    } else if (ahead) {
      void ahead.then((k) => k.shutdown()).catch(() => undefined);
    }
    return this.#gateway.startKernel(options);
  }

  /** Shuts down the kernel started ahead if no run took it, and every kernel of the gateway. */
  async dispose(): Promise<void> {
    this.#abort.abort();
    const ahead = this.#kernel;
    this.#kernel = undefined;
    if (ahead) await ahead.then((k) => k.shutdown()).catch(() => undefined);
    await this.#gateway.dispose();
  }
}

/** The kernel a notebook file asks for (its kernelspec's name), else `python3`, as core decides. */
export async function kernelNameOf(notebookPath: string, explicit?: string): Promise<string> {
  if (explicit) return explicit;
  try {
    const name = (JSON.parse(await readFile(notebookPath, 'utf8')) as { metadata?: { kernelspec?: { name?: unknown } } }).metadata?.kernelspec?.name;
    return typeof name === 'string' && name ? name : 'python3';
  } catch {
    return 'python3'; // unreadable: the run reports it; a kernel started in vain is shut down
  }
}

/**
 * Resolves once `path` exists: woken by a change in its folder, looked at every second in case
 * a change went unseen. Rejects with a CancelledError when `signal` aborts first.
 *
 * @example await waitForFile('/jobs/run-1/release', signal)
 */
export async function waitForFile(path: string, signal?: AbortSignal): Promise<void> {
  const exists = () => access(path).then(() => true, () => false);
  let wake: () => void = () => undefined;
  let changed = false;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, name) => {
      if (name && name !== basename(path)) return;
      changed = true;
      wake();
    });
    watcher.on('error', () => undefined);
  } catch {
    // No watch (the folder vanished, no inotify): the one-second look remains.
  }
  try {
    for (;;) {
      if (signal?.aborted) throw new CancelledError('cancelled while waiting for a free slot');
      changed = false;
      if (await exists()) return;
      if (changed) continue; // created while we looked
      await new Promise<void>((done) => {
        const timer = setTimeout(finish, 1000);
        function finish() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', finish);
          done();
        }
        wake = finish;
        signal?.addEventListener('abort', finish, { once: true });
      });
    }
  } finally {
    watcher?.close();
  }
}
