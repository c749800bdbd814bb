/**
 * What a run records in the notebook it writes: `metadata.nbrun` at notebook level
 * (status, times, kernel, parameters, paths, where it failed), `metadata.nbrun` and
 * nbclient's `metadata.execution` per cell, and a marker cell at the top that points
 * to the failing cell.
 */
import { randomBytes } from 'node:crypto';
import type { ICell, ICodeCell, IMarkdownCell } from '@jupyterlab/nbformat';
import type { Notebook, RunStatus, CellStatus } from '../execute/types.js';
import type { ExecutionTimestamps } from '../execute/cell.js';

/** Tag of the marker cells nbrun inserts on failure (removed again on a re-run). */
export const ERROR_MARKER_TAG = 'nbrun-error';

/** Tag of papermill's error marker cells (papermill ≥ 1.0 removes them before it runs again, and so does nbrun). */
export const PAPERMILL_ERROR_MARKER_TAG = 'papermill-error-cell-tag';

// papermill 0.x wrote its marker as a hidden `%%html` code cell with this exact text.
const LEGACY_PAPERMILL_MARKER =
  /^%%html\n<span style="color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;">An Exception was encountered at <a href='#[^']*'>'In \[\d*\]'<\/a>\.<\/span>\s*$/;

export interface NotebookRecord {
  version: string;
  status: RunStatus | 'running';
  start_time: string;
  end_time?: string;
  duration?: number;
  kernel: { name: string; language?: string; implementation?: string };
  parameters: Record<string, unknown>;
  input_path?: string;
  output_path?: string;
  failed_cell?: { id?: string; index: number; execution_count?: number | null; ename?: string; evalue?: string };
  error?: { code: string; message: string };
  warnings?: string[];
}

export interface CellRecord {
  status: CellStatus;
  start_time?: string;
  end_time?: string;
  duration?: number;
}

function tags(cell: ICell): string[] {
  const t = (cell.metadata as { tags?: unknown }).tags;
  return Array.isArray(t) ? (t as string[]) : [];
}

/** True if the cell carries `tag` in `metadata.tags`. */
export function hasTag(cell: ICell, tag: string): boolean {
  return tags(cell).includes(tag);
}

/**
 * True for a marker cell an earlier failed run left: nbrun's, papermill's (tagged
 * `papermill-error-cell-tag`), or papermill 0.x's hidden `%%html` "An Exception was
 * encountered" cell.
 */
export function isErrorMarker(cell: ICell): boolean {
  if (hasTag(cell, ERROR_MARKER_TAG) || hasTag(cell, PAPERMILL_ERROR_MARKER_TAG)) return true;
  if (cell.cell_type !== 'code') return false;
  const source = typeof cell.source === 'string' ? cell.source : cell.source.join('');
  return LEGACY_PAPERMILL_MARKER.test(source);
}

/**
 * Removes the marker cells of an earlier failed run (nbrun's or papermill's), as papermill
 * does before it runs or prepares a notebook again.
 * @example removeErrorMarkers(nb) // nb.cells without the red "execution failed" cells
 */
export function removeErrorMarkers(nb: Notebook): void {
  nb.cells = nb.cells.filter((c) => !isErrorMarker(c));
}

/**
 * Prepares a notebook for a run: removes marker cells of an earlier failed run (nbrun's
 * and papermill's) and the outputs, counts and run records of code cells, so nothing
 * stale survives.
 */
export function resetForRun(nb: Notebook): void {
  removeErrorMarkers(nb);
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    const code = cell as ICodeCell;
    code.outputs = [];
    code.execution_count = null;
    const md = code.metadata as Record<string, unknown>;
    delete md.execution;
    delete md.nbrun;
  }
}

export function recordCell(cell: ICell, record: CellRecord, timestamps?: ExecutionTimestamps): void {
  const md = cell.metadata as Record<string, unknown>;
  md.nbrun = record;
  if (timestamps && Object.keys(timestamps).length) md.execution = { ...timestamps };
}

export function recordNotebook(nb: Notebook, record: NotebookRecord): void {
  (nb.metadata as Record<string, unknown>).nbrun = record;
}

function markdownCell(source: string): IMarkdownCell {
  return {
    cell_type: 'markdown',
    id: `nbrun-error-${randomBytes(4).toString('hex')}`,
    metadata: { tags: [ERROR_MARKER_TAG] },
    source,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * Inserts papermill-style markers: one cell at the top saying what failed and linking
 * to an anchor cell placed right before the failing cell. Returns the failing cell's
 * new index.
 */
export function insertErrorMarkers(nb: Notebook, failedIndex: number, headline: string): number {
  const anchor = `nbrun-error-cell`;
  const failed = nb.cells[failedIndex];
  const count = failed && failed.cell_type === 'code' ? (failed as ICodeCell).execution_count : null;
  const where = `cell ${failedIndex}${count != null ? ` (In [${count}])` : ''}`;
  const top = markdownCell(
    `<span style="color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:1.5em;">` +
      `<b>nbrun: execution failed</b> at <a href="#${anchor}">${escapeHtml(where)}</a>: ${escapeHtml(headline)}</span>`,
  );
  const mark = markdownCell(
    `<span id="${anchor}" style="color:red; font-size:1.5em;"><b>nbrun: execution failed in the next cell</b></span>`,
  );
  nb.cells.splice(failedIndex, 0, mark);
  nb.cells.unshift(top);
  return failedIndex + 2;
}
