/** setLongTimeout: delays beyond setTimeout's 2^31−1 ms fire when due, not at once. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/timers.js';

describe('setLongTimeout', () => {
  afterEach(() => vi.useRealTimers());

  it('fires after 40 days, not before', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const fired = vi.fn();
    setLongTimeout(fired, 40 * 86_400_000);
    vi.advanceTimersByTime(MAX_TIMER_MS + 10);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(40 * 86_400_000 - MAX_TIMER_MS - 20);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(20);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('clear() cancels it, also between chunks', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const fired = vi.fn();
    const t = setLongTimeout(fired, 3 * MAX_TIMER_MS);
    vi.advanceTimersByTime(MAX_TIMER_MS + 1);
    t.clear();
    vi.advanceTimersByTime(3 * MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
  });
});
