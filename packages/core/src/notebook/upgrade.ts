/**
 * nbformat 4.0–4.4 → 4.5 (cell ids), and the id repairs nbformat's validator makes.
 */
import { randomBytes } from 'node:crypto';
import type { Notebook } from '../execute/types.js';

/** The cell id pattern and length of the nbformat 4.5 schema (`definitions/cell_id`). */
const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

/**
 * A new random cell id, like nbformat's `random_cell_id` (8 hex characters).
 * @example randomCellId() // 'a3f09c1e'
 */
export function randomCellId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * True when `id` is a valid nbformat 4.5 cell id (1–64 of `a-z A-Z 0-9 - _`).
 * @example isValidCellId('intro-1') // true
 */
export function isValidCellId(id: unknown): id is string {
  return typeof id === 'string' && CELL_ID.test(id);
}

/** One id nbrun gave a cell, and why. */
export interface CellIdRepair {
  cellIndex: number;
  /** The id the cell had (undefined when it had none). */
  previous: unknown;
  id: string;
  reason: 'missing' | 'invalid' | 'duplicate';
}

/**
 * Gives every cell a valid id unique in the notebook, in place, as nbformat's validator
 * does for 4.5 notebooks: missing, invalid and duplicate ids are replaced by new random
 * ones; the first cell keeps an id that is repeated later. Returns what it changed.
 * @example repairCellIds(nb).length // 0 when every id was fine
 */
export function repairCellIds(nb: Notebook): CellIdRepair[] {
  const repairs: CellIdRepair[] = [];
  const cells = nb.cells as unknown[];
  if (!Array.isArray(cells)) return repairs;
  const seen = new Set<string>();
  const isObject = (cell: unknown): cell is Record<string, unknown> => typeof cell === 'object' && cell !== null && !Array.isArray(cell);
  for (const cell of cells) if (isObject(cell) && isValidCellId(cell.id)) seen.add(cell.id);
  // `seen` first holds every valid id so new ids avoid them; then it tracks first uses.
  const used = new Set<string>();
  cells.forEach((cell, cellIndex) => {
    if (!isObject(cell)) return;
    const previous = cell.id;
    let reason: CellIdRepair['reason'] | undefined;
    if (previous === undefined) reason = 'missing';
    else if (!isValidCellId(previous)) reason = 'invalid';
    else if (used.has(previous)) reason = 'duplicate';
    if (!reason) {
      used.add(previous as string);
      return;
    }
    let id = randomCellId();
    while (seen.has(id)) id = randomCellId();
    seen.add(id);
    used.add(id);
    cell.id = id;
    repairs.push({ cellIndex, previous, id, reason });
  });
  return repairs;
}

/**
 * Upgrades an nbformat 4.0–4.4 notebook to 4.5 in place and returns it: every cell gets a
 * valid unique id (ids a cell already has are kept when valid and unique) and
 * `nbformat_minor` becomes 5. Nothing else changes — metadata of any tool, markdown and raw
 * cells, attachments and outputs stay as they are. Notebooks already at 4.5 or newer only
 * get their ids repaired.
 * @example upgradeNotebook(parseNotebook(text, 'old.ipynb', { upgrade: false })).nbformat_minor // 5
 */
export function upgradeNotebook(nb: Notebook): Notebook {
  repairCellIds(nb);
  if (nb.nbformat === 4 && (typeof nb.nbformat_minor !== 'number' || nb.nbformat_minor < 5)) nb.nbformat_minor = 5;
  return nb;
}
