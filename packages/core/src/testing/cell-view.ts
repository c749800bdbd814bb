/** Read-only helpers over one cell of a live notebook: its text, its data by mimetype, its error. */
import type { ICell, IOutput } from '@jupyterlab/nbformat';
import type { Notebook } from '../execute/types.js';
import { stripAnsi } from './errors.js';

/** An error output, as a test reads it (traceback without ANSI colours). */
export interface CellErrorOutput {
  ename: string;
  evalue: string;
  traceback: string[];
}

const joined = (v: unknown): string => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');

/**
 * One cell of a {@link LiveNotebook}. It follows the cell object, so it stays right when
 * cells are injected before it (its `index` is looked up each time).
 * @example
 * const c = nb.cell('summary');
 * expect(c.text).toContain('mean: 2.5');
 * expect(c.data('text/html')).toContain('<table');
 */
export class CellView {
  constructor(
    private readonly notebook: Notebook,
    /** The nbformat cell itself (live: outputs change when it runs again). */
    readonly cell: ICell,
  ) {}

  /** Current index in `notebook.cells`. */
  get index(): number {
    return this.notebook.cells.indexOf(this.cell);
  }

  get id(): string | undefined {
    return this.cell.id as string | undefined;
  }

  get source(): string {
    return joined(this.cell.source);
  }

  get tags(): string[] {
    const tags = (this.cell.metadata as { tags?: unknown } | undefined)?.tags;
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
  }

  /** The outputs (nbformat), empty for markdown and raw cells. */
  get outputs(): IOutput[] {
    return this.cell.cell_type === 'code' ? (this.cell.outputs as IOutput[]) : [];
  }

  get executionCount(): number | null {
    return this.cell.cell_type === 'code' ? ((this.cell.execution_count as number | null) ?? null) : null;
  }

  /** Everything a reader sees as text, in order: streams and the `text/plain` of results and displays. */
  get text(): string {
    let out = '';
    for (const o of this.outputs) {
      if (o.output_type === 'stream') out += joined(o.text);
      else if (o.output_type === 'execute_result' || o.output_type === 'display_data') {
        const plain = (o.data as Record<string, unknown> | undefined)?.['text/plain'];
        if (plain !== undefined) out += joined(plain) + '\n';
      }
    }
    return out;
  }

  /** What the cell printed to stdout. */
  get stdout(): string {
    return this.stream('stdout');
  }

  /** What the cell printed to stderr. */
  get stderr(): string {
    return this.stream('stderr');
  }

  /**
   * The first value of `mime` among the cell's results and displays: a string for text
   * mimetypes, the parsed object for JSON ones; undefined when no output has it.
   */
  data(mime: string): unknown {
    return this.allData(mime)[0];
  }

  /** Every value of `mime`, in output order. */
  allData(mime: string): unknown[] {
    const values: unknown[] = [];
    for (const o of this.outputs) {
      if (o.output_type !== 'execute_result' && o.output_type !== 'display_data') continue;
      const v = (o.data as Record<string, unknown> | undefined)?.[mime];
      if (v !== undefined) values.push(Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join('') : v);
    }
    return values;
  }

  /** The error the cell raised (its first error output), or undefined. */
  get error(): CellErrorOutput | undefined {
    const e = this.outputs.find((o) => o.output_type === 'error');
    if (!e) return undefined;
    return {
      ename: String(e.ename),
      evalue: stripAnsi(String(e.evalue)),
      traceback: ((e.traceback as string[] | undefined) ?? []).map(stripAnsi),
    };
  }

  private stream(name: 'stdout' | 'stderr'): string {
    return this.outputs
      .filter((o) => o.output_type === 'stream' && o.name === name)
      .map((o) => joined(o.text))
      .join('');
  }
}
