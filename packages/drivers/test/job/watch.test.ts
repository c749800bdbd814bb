/** DirectoryWatch: a change wakes the waiter long before its fallback timeout; changes between waits are kept. */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryWatch } from '../../src/job/wait.js';

const NEVER = 10 * 60_000; // longer than the test's timeout: only a change can end the wait

let dir: string;
let watch: DirectoryWatch;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nbrun-watch-'));
  watch = new DirectoryWatch([dir]);
});
afterEach(async () => {
  watch.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DirectoryWatch', () => {
  it('wakes on a file written in the directory', async () => {
    expect(watch.watching).toBe(true);
    const woken = watch.next(NEVER);
    setTimeout(() => void writeFile(join(dir, 'exit-code'), '0\n'), 50);
    await woken;
  });

  it('does not lose a change made while nobody waited', async () => {
    await writeFile(join(dir, 'runner.log'), 'line\n');
    await new Promise((r) => setTimeout(r, 200)); // the event arrives before the wait
    await watch.next(NEVER);
  });

  it('with names, wakes only for changes to those files', async () => {
    const named = new DirectoryWatch([dir], ['exit-code']);
    try {
      await writeFile(join(dir, 'runner.log'), 'line\n');
      await new Promise((r) => setTimeout(r, 200)); // the log's event has arrived (and is ignored)
      const woken = named.next(NEVER).then(() => 'woken');
      const first = await Promise.race([woken, new Promise((r) => setTimeout(() => r('still waiting'), 300))]);
      expect(first).toBe('still waiting');
      await writeFile(join(dir, 'exit-code.tmp'), '0\n');
      await rename(join(dir, 'exit-code.tmp'), join(dir, 'exit-code'));
      expect(await woken).toBe('woken');
    } finally {
      named.close();
    }
  });

  it('ends the wait when the signal aborts, and falls back to a plain timeout without a directory', async () => {
    const controller = new AbortController();
    const woken = watch.next(NEVER, controller.signal);
    controller.abort();
    await woken;
    const none = new DirectoryWatch([join(dir, 'missing')]);
    expect(none.watching).toBe(false);
    await none.next(10);
    none.close();
  });
});
