/**
 * Timers for the timeouts users give: `setTimeout` holds at most 2^31−1 ms (about 24.8
 * days) and fires at once above it, so longer timeouts are armed in chunks.
 */

/** The longest delay one `setTimeout` can hold. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A pending {@link setLongTimeout}; `clear()` cancels it (idempotent). */
export interface LongTimeout {
  clear(): void;
}

/**
 * `setTimeout` for any delay: fires once `ms` milliseconds (monotonic clock) have passed,
 * however many chunks of {@link MAX_TIMER_MS} that takes. `Infinity` never fires.
 * @example const t = setLongTimeout(() => abort(), 40 * 86_400_000); t.clear();
 */
export function setLongTimeout(fn: () => void, ms: number, options: { unref?: boolean } = {}): LongTimeout {
  const due = performance.now() + Math.max(0, ms);
  let timer: NodeJS.Timeout | undefined;
  let cleared = false;
  const arm = (left: number): void => {
    if (cleared || left === Infinity) return;
    timer = setTimeout(() => {
      const rest = due - performance.now();
      if (rest > 1) arm(rest);
      else fn();
    }, Math.min(Math.max(0, left), MAX_TIMER_MS));
    if (options.unref) timer.unref();
  };
  arm(due - performance.now());
  return {
    clear() {
      cleared = true;
      clearTimeout(timer);
    },
  };
}

/** An interval `setInterval` can hold: at most {@link MAX_TIMER_MS}. */
export function clampInterval(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}
