/**
 * Saves the notebook while a run goes on: after a cell when the last save is older than
 * the interval, and on a timer during long cells — never a full rewrite per cell of a
 * 1000-cell notebook, never two writes at once. A save that takes long (a notebook with
 * 100 MB of output) pushes the next one back: at most about 10 % of the time goes to saving.
 */
import { clampInterval } from '../timers.js';

const BACKOFF_FACTOR = 10;

export class Autosaver {
  private lastSave = 0;
  /** Ten times the last save's duration: the least time until the next (0 until one took long). */
  private backoffMs = 0;
  private dirty = false;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly save: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => void this.maybeSave(), clampInterval(this.intervalMs));
      this.timer.unref();
    }
  }

  /** Something changed that a reader of the saved file should see. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Saves if dirty and the interval has passed (0: whenever dirty). */
  async maybeSave(): Promise<void> {
    if (!this.dirty || this.writing) return;
    if (this.now() - this.lastSave < Math.max(this.intervalMs, this.backoffMs)) return;
    await this.saveNow();
  }

  /** Saves now (after any write in progress), e.g. at the end of the run. */
  async flush(): Promise<void> {
    if (this.writing) await this.writing.catch(() => undefined);
    await this.saveNow();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async saveNow(): Promise<void> {
    this.dirty = false;
    const started = this.now();
    this.lastSave = started;
    this.writing = this.save().catch((err) => {
      this.dirty = true;
      this.onError(err);
    });
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
      const took = this.now() - started;
      // An interval of 0 asked for a save after every cell: kept.
      this.backoffMs = this.intervalMs > 0 ? took * BACKOFF_FACTOR : 0;
      this.lastSave = this.now();
    }
  }
}
