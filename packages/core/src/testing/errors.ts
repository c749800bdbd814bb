/** The error a failing notebook cell (or kernel evaluation) raises in a test. */
import { stripVTControlCharacters } from 'node:util';
import { CellExecutionError, type FailedCell } from '../errors.js';

/**
 * Removes ANSI colour codes (the escape sequences IPython and IRkernel colour their tracebacks with) from kernel text.
 * @example stripAnsi('\u001b[0;31mNameError\u001b[0m') // 'NameError'
 */
export function stripAnsi(text: string): string {
  return stripVTControlCharacters(text);
}

/** The first lines of a cell's source, for error messages. */
export function sourceExcerpt(source: string, maxLines = 6): string {
  const lines = source.replace(/\s+$/, '').split('\n');
  const shown = lines.slice(0, maxLines).map((l) => `    ${l.length > 120 ? l.slice(0, 117) + '...' : l}`);
  if (lines.length > maxLines) shown.push(`    ... (${lines.length - maxLines} more lines)`);
  return shown.join('\n');
}

/**
 * A notebook cell raised an error while a test ran it, or an expression given to
 * `value()`/`call()` failed. The message's first line names the cell (index and id) or
 * the expression and the error; the following lines show the source and the traceback
 * (ANSI colours stripped), so a test runner's failure report is readable as is.
 * `cell.cellIndex` is -1 for expressions (`expression` is set instead).
 * @example
 * const err = await nb.execute().catch((e) => e);
 * if (err instanceof NotebookCellError) console.log(err.cell.cellIndex, err.ename, err.traceback.join('\n'));
 */
export class NotebookCellError extends CellExecutionError {
  /** The source of the failing cell or expression. */
  readonly source: string;
  /** The notebook's path, when it was opened from a file. */
  readonly notebookPath?: string;
  /** Set when the failing code was a `value()`/`call()` expression, not a cell. */
  readonly expression?: string;

  constructor(init: {
    cell: FailedCell;
    ename: string;
    evalue: string;
    traceback: string[];
    source: string;
    notebookPath?: string;
    expression?: string;
  }) {
    const traceback = init.traceback.map(stripAnsi);
    const where =
      init.expression !== undefined
        ? `evaluating ${JSON.stringify(init.expression.length > 80 ? init.expression.slice(0, 77) + '...' : init.expression)}`
        : `cell ${init.cell.cellIndex}${init.cell.cellId ? ` (id ${init.cell.cellId})` : ''}`;
    const head = `${init.notebookPath ? `${init.notebookPath}: ` : ''}${where} failed: ${init.ename}: ${stripAnsi(init.evalue).split('\n', 1)[0]}`;
    const body = [head, '', sourceExcerpt(init.source)];
    if (traceback.length) body.push('', ...traceback.join('\n').split('\n'));
    super(init.cell, init.ename, stripAnsi(init.evalue), traceback, body.join('\n'));
    this.source = init.source;
    if (init.notebookPath !== undefined) this.notebookPath = init.notebookPath;
    if (init.expression !== undefined) this.expression = init.expression;
  }
}
