/**
 * The scheduler's time source. The engine asks the clock what time it is and sleeps on it,
 * so tests drive time with a {@link ManualClock} (DST, catch-up after downtime) without waiting.
 */

export interface Clock {
  /** The current time. */
  now(): Date;
  /** Resolves after `ms` of this clock's time (at once when aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall-clock time and real timers. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
};

interface Sleeper {
  until: number;
  resolve: () => void;
}

/**
 * A clock that moves only when told: `set()` or `advance()` wake the sleepers whose time has come.
 * @example const clock = new ManualClock('2026-03-08T06:00:00Z'); clock.advance(60_000);
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];

  constructor(start: Date | string | number) {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const sleeper: Sleeper = {
        until: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener('abort', sleeper.resolve);
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          resolve();
        },
      };
      this.#sleepers.push(sleeper);
      signal?.addEventListener('abort', sleeper.resolve, { once: true });
    });
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.set(this.#now + ms);
  }

  /** Moves time to `to` (never backwards). */
  set(to: Date | string | number): void {
    this.#now = Math.max(this.#now, new Date(to).getTime());
    for (const s of [...this.#sleepers]) if (s.until <= this.#now) s.resolve();
  }
}
