/** Waiting for a job: polling its status until it ends, woken early by file changes. */
import { watch, type FSWatcher } from 'node:fs';
import { CancelledError } from '@nbrun/core';
import { isTerminalState, type JobStatus, type WaitOptions } from '../types.js';

/**
 * Asks `status` until the job reaches a terminal state: every `pollIntervalMs`, or as soon
 * as `changed` (e.g. {@link DirectoryWatch.next}) says something may have changed.
 * @example const final = await pollUntilTerminal(() => job.status(), { signal })
 */
export async function pollUntilTerminal(
  status: () => Promise<JobStatus>,
  options: WaitOptions = {},
  changed: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
): Promise<JobStatus> {
  const interval = options.pollIntervalMs ?? 500;
  for (;;) {
    if (options.signal?.aborted) throw new CancelledError('stopped waiting for the job (it keeps running)');
    const s = await status();
    if (isTerminalState(s.state)) return s;
    await changed(interval, options.signal);
  }
}

/**
 * Wakes its waiter when something in the watched directories changes (a file written,
 * renamed, removed), and at the latest after the waiter's timeout: `fs.watch` may miss
 * events (network filesystems) or be unavailable, so the timeout is the fallback poll.
 * Changes between two waits are not lost: the next wait returns at once. With `names`, only
 * changes to files of those names wake it (an event without a file name wakes it too): a
 * job's log growing line by line need not wake a waiter for its exit code.
 *
 * @example
 * const watch = new DirectoryWatch([jobDir], ['exit-code']);
 * try { while (!(await done())) await watch.next(1000, signal); } finally { watch.close(); }
 */
export class DirectoryWatch {
  private readonly watchers: FSWatcher[] = [];
  private dirty = false;
  private wake?: () => void;

  constructor(dirs: string[], names?: readonly string[]) {
    const wanted = names && new Set(names);
    for (const dir of dirs) {
      try {
        const onChange = (_event: string, name: string | Buffer | null) => {
          if (wanted && name !== null && !wanted.has(name.toString())) return;
          this.changed();
        };
        this.watchers.push(watch(dir, { persistent: false }, onChange).on('error', () => undefined));
      } catch {
        // Not there yet, or no watching here: the timeout polls instead.
      }
    }
  }

  /** Whether at least one directory is watched (else every wait is a plain sleep). */
  get watching(): boolean {
    return this.watchers.length > 0;
  }

  private changed(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Resolves at the next change (at once if one came since the last call), after `ms`, or when `signal` aborts. */
  async next(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.dirty) {
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = onAbort;
      if (signal?.aborted) controller.abort();
      await sleep(ms, controller.signal);
      this.wake = undefined;
      signal?.removeEventListener('abort', onAbort);
    }
    this.dirty = false;
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    this.wake?.();
  }
}

/**
 * Resolves after `ms`, or early when `signal` aborts.
 * @example await sleep(200, signal)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise) => {
    if (signal?.aborted) return resolvePromise();
    const onAbort = () => {
      clearTimeout(timer);
      resolvePromise();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
