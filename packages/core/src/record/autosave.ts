/**
 * Saves the notebook while a run goes on: after a cell when the last save is older than
 * the interval, and on a timer during long cells — never a full rewrite per cell of a
 * 1000-cell notebook, never two writes at once.
 */
export class Autosaver {
  private lastSave = 0;
  private dirty = false;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly save: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => void this.maybeSave(), this.intervalMs);
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
    if (Date.now() - this.lastSave < this.intervalMs) return;
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
    this.lastSave = Date.now();
    this.writing = this.save().catch((err) => {
      this.dirty = true;
      this.onError(err);
    });
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
  }
}
