/** The autosaver backs off after a slow save, so a huge notebook is not rewritten all the time. */
import { describe, expect, it } from 'vitest';
import { Autosaver } from '@nbrun/core/record/autosave.js';

/** An autosaver on a fake clock whose save takes `saveMs` of it. */
function saverWith(intervalMs: number, saveMs: number) {
  let clock = 1_000_000;
  let saves = 0;
  const saver = new Autosaver(
    intervalMs,
    async () => {
      saves++;
      clock += saveMs;
    },
    () => undefined,
    () => clock,
  );
  return { saver, saves: () => saves, advance: (ms: number) => (clock += ms) };
}

describe('Autosaver', () => {
  it('saves at most once per interval while saves are quick', async () => {
    const { saver, saves, advance } = saverWith(5000, 10);
    saver.markDirty();
    await saver.maybeSave();
    expect(saves()).toBe(1);
    saver.markDirty();
    advance(4000);
    await saver.maybeSave();
    expect(saves()).toBe(1);
    advance(1001);
    await saver.maybeSave();
    expect(saves()).toBe(2);
  });

  it('after a save that took 2 s, waits 20 s (10×) rather than the 5 s interval', async () => {
    const { saver, saves, advance } = saverWith(5000, 2000);
    saver.markDirty();
    await saver.maybeSave();
    saver.markDirty();
    advance(19_000);
    await saver.maybeSave();
    expect(saves()).toBe(1);
    advance(1001);
    await saver.maybeSave();
    expect(saves()).toBe(2);
    // The final save (flush) is never held back.
    saver.markDirty();
    await saver.flush();
    expect(saves()).toBe(3);
  });

  it('an interval of 0 still saves whenever dirty, however long saves take', async () => {
    const { saver, saves } = saverWith(0, 2000);
    for (let i = 0; i < 3; i++) {
      saver.markDirty();
      await saver.maybeSave();
    }
    expect(saves()).toBe(3);
  });
});
