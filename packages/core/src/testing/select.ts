/** Which cells a test runs: all, one, a list, a range, or those with a tag. */
import type { ICell } from '@jupyterlab/nbformat';
import { UsageError } from '../errors.js';
import type { Notebook } from '../execute/types.js';

/** A cell by index (0-based, negative counts from the end) or by cell id. */
export type CellRef = number | string;

/**
 * - `'all'`: every cell;
 * - a {@link CellRef} or a list of them;
 * - `{ from, to }`: a range, both ends included (either may be omitted);
 * - `{ tag }`: the cells whose `metadata.tags` hold `tag`.
 */
export type CellSelection = 'all' | CellRef | readonly CellRef[] | { from?: CellRef; to?: CellRef } | { tag: string };

/**
 * The index of a cell in `nb.cells`; throws a UsageError naming the ref when there is none.
 * @example resolveCellRef(nb, -1) // the last cell's index
 */
export function resolveCellRef(nb: Notebook, ref: CellRef, what = 'cell'): number {
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref)) throw new UsageError(`${what} index must be an integer, got ${ref}`);
    const i = ref < 0 ? nb.cells.length + ref : ref;
    if (i < 0 || i >= nb.cells.length) {
      throw new UsageError(`${what} index ${ref} is out of range (the notebook has ${nb.cells.length} cells)`);
    }
    return i;
  }
  if (typeof ref === 'string') {
    const i = nb.cells.findIndex((c) => c.id === ref);
    if (i < 0) throw new UsageError(`no cell with id '${ref}' (ids: ${nb.cells.map((c) => c.id).slice(0, 10).join(', ')}${nb.cells.length > 10 ? ', ...' : ''})`);
    return i;
  }
  throw new UsageError(`${what} must be an index or a cell id, got ${JSON.stringify(ref)}`);
}

function tagsOf(cell: ICell): unknown[] {
  const tags = (cell.metadata as { tags?: unknown } | undefined)?.tags;
  return Array.isArray(tags) ? tags : [];
}

/**
 * The indices a selection names, in notebook order (duplicates removed).
 * @example selectCells(nb, { tag: 'setup' }) // [0, 2]
 */
export function selectCells(nb: Notebook, selection: CellSelection): number[] {
  let indices: number[];
  if (selection === 'all') indices = nb.cells.map((_, i) => i);
  else if (typeof selection === 'number' || typeof selection === 'string') indices = [resolveCellRef(nb, selection)];
  else if (Array.isArray(selection)) indices = (selection as readonly CellRef[]).map((r) => resolveCellRef(nb, r));
  else if (selection && typeof selection === 'object' && 'tag' in selection) {
    const tag = selection.tag;
    indices = nb.cells.flatMap((c, i) => (tagsOf(c).includes(tag) ? [i] : []));
    if (!indices.length) throw new UsageError(`no cell is tagged '${tag}'`);
  } else if (selection && typeof selection === 'object') {
    const range = selection as { from?: CellRef; to?: CellRef };
    const from = range.from === undefined ? 0 : resolveCellRef(nb, range.from, 'from');
    const to = range.to === undefined ? nb.cells.length - 1 : resolveCellRef(nb, range.to, 'to');
    if (to < from) throw new UsageError(`cell range is empty: from ${String(range.from)} (index ${from}) is after to ${String(range.to)} (index ${to})`);
    indices = Array.from({ length: to - from + 1 }, (_, k) => from + k);
  } else {
    throw new UsageError(`cells must be 'all', an index, an id, a list, { from, to } or { tag }, got ${JSON.stringify(selection)}`);
  }
  return [...new Set(indices)].sort((a, b) => a - b);
}
