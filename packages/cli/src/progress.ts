/**
 * Live feedback for `nbrun run` on stderr: a one-line progress bar on a TTY, or the
 * cells' outputs as they arrive (`--log-output`).
 */
import type { IOutput } from '@jupyterlab/nbformat';
import type { RunEvent } from '@nbrun/core';

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export class ProgressBar {
  private total = 0;
  private done = 0;
  private current: number | undefined;
  private started = Date.now();
  private lastDraw = 0;
  private visible = false;

  constructor(private readonly out: Out) {}

  handle(ev: RunEvent): void {
    switch (ev.type) {
      case 'run-start':
        this.total = ev.codeCellCount;
        this.started = Date.now();
        break;
      case 'cell-start':
        this.current = ev.index;
        break;
      case 'cell-end':
        this.done++;
        break;
      case 'warning':
        this.clear();
        this.out.write(`nbrun: warning: ${ev.message}\n`);
        break;
      case 'run-end':
        this.clear();
        return;
      default:
        return;
    }
    this.draw(ev.type === 'run-start' || ev.type === 'cell-start');
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const frac = this.total ? Math.min(1, this.done / this.total) : 0;
    const filled = Math.round(frac * width);
    const secs = ((now - this.started) / 1000).toFixed(1);
    const cell = this.current !== undefined ? `  cell ${this.current}` : '';
    this.out.write(`\r\x1b[2K[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${this.done}/${this.total}  ${secs}s${cell}`);
    this.visible = true;
  }

  clear(): void {
    if (this.visible) this.out.write('\r\x1b[2K');
    this.visible = false;
  }
}

/** Writes outputs to stderr as they arrive; streams incrementally (merged streams are not repeated). */
export class OutputLogger {
  private readonly printed = new WeakMap<IOutput, number>();

  constructor(private readonly out: Out) {}

  handle(ev: RunEvent): void {
    if (ev.type === 'cell-start') {
      this.out.write(`--- cell ${ev.index} ---\n`);
      return;
    }
    if (ev.type === 'warning') {
      this.out.write(`nbrun: warning: ${ev.message}\n`);
      return;
    }
    if (ev.type !== 'output') return;
    const o = ev.output;
    if (o.output_type === 'stream' && ev.text !== undefined) {
      // What the message added: reading the whole `text` again would read back spilled output each time.
      this.out.write(ev.text);
    } else if (o.output_type === 'stream') {
      const text = String(Array.isArray(o.text) ? o.text.join('') : o.text);
      const from = this.printed.get(o) ?? 0;
      this.out.write(text.slice(from));
      this.printed.set(o, text.length);
    } else if (o.output_type === 'error') {
      this.out.write(`${String(o.ename)}: ${String(o.evalue)}\n`);
    } else {
      const data = (o as { data?: Record<string, unknown> }).data ?? {};
      const plain = data['text/plain'];
      const text = Array.isArray(plain) ? plain.join('') : typeof plain === 'string' ? plain : undefined;
      const kinds = Object.keys(data).filter((k) => k !== 'text/plain');
      this.out.write((text ?? '') + (kinds.length ? `${text ? ' ' : ''}[${kinds.join(', ')}]` : '') + '\n');
    }
  }
}
