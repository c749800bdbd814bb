/**
 * Reading a notebook: text → JSON (errors at line:column) → version and schema checks →
 * cell id repair / upgrade to 4.5 → multiline strings joined, as nbformat's `reads` does.
 */
import { readFile } from 'node:fs/promises';
import { NotebookFormatError, NotebookJsonError, NotebookReadError } from '../errors.js';
import type { Notebook } from '../execute/types.js';
import { JsonSyntaxIssue, locateOffset, parseJsonText } from './json-parse.js';
import { rejoinNotebookLines } from './lines.js';
import { repairCellIds, upgradeNotebook } from './upgrade.js';
import { describeRepairs, repairNotebook, stripInvalidMetadata, type NotebookRepair } from './repair.js';
import { decodeUtf8Strict, Utf8Issue } from './utf8.js';

const MAX_METADATA_REPAIRS = 100;
import { findNotebookProblem } from './validate.js';

/** Options of {@link parseNotebook} and {@link readNotebook}. */
export interface ReadNotebookOptions {
  /**
   * Upgrade nbformat 4.0–4.4 to 4.5 (cell ids), as nbformat's `read(..., as_version=4)` does.
   * Default true. With false the notebook keeps its minor version (4.5 ids are still repaired).
   */
  upgrade?: boolean;
  /**
   * Read leniently, as nbclient does: repair what has one right answer (a missing
   * `execution_count`, a kernelspec without `display_name`, an unknown key, an invalid
   * metadata value: see `repair.ts`) instead of refusing the notebook. Default true; false
   * refuses every schema error.
   */
  repair?: boolean;
  /** Told once per notebook, with one line naming the places, when something was repaired. */
  onWarning?: (message: string, repairs: NotebookRepair[]) => void;
}

/**
 * Parses notebook text. Throws {@link NotebookJsonError} (`<path>:<line>:<column>: invalid JSON: …`)
 * or {@link NotebookFormatError} (`<path>: not a Jupyter notebook (…)`, nbformat 3, schema errors
 * naming the JSON pointer). Missing, invalid or duplicate 4.5 cell ids are replaced, as
 * nbformat does. Multiline strings come back joined into single strings.
 * @example const nb = parseNotebook(await readFile('in.ipynb', 'utf8'), 'in.ipynb')
 */
export function parseNotebook(text: string, path: string, options: ReadNotebookOptions = {}): Notebook {
  // A byte order mark is not JSON, but editors on Windows write one.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = parseJsonText(body);
  } catch (err) {
    if (!(err instanceof JsonSyntaxIssue)) throw err;
    const { line, column } = locateOffset(body, err.offset);
    const truncated = err.offset >= body.length && body.trim() !== '' ? ' (is the file truncated?)' : '';
    throw new NotebookJsonError(path, line, column, `${path}:${line}:${column}: invalid JSON: ${err.reason}${truncated}`, { cause: err });
  }
  return normalizeNotebook(value, path, options);
}

/**
 * What {@link parseNotebook} does after JSON parsing, for a notebook already in memory
 * (e.g. from `JSON.parse` or an API): repairs 4.5 cell ids and, leniently, what has one
 * right answer (see {@link ReadNotebookOptions.repair}), validates (throwing
 * {@link NotebookFormatError}), joins multiline strings, strips nbformat's transient fields
 * and upgrades to 4.5. Changes `value` in place and returns it — pass a copy to keep the original.
 * @example const nb = normalizeNotebook(JSON.parse(text), 'from-api.ipynb')
 */
export function normalizeNotebook(value: unknown, path = '<notebook>', options: ReadNotebookOptions = {}): Notebook {
  const upgrade = options.upgrade !== false;
  const lenient = options.repair !== false;
  const record = value as Record<string, unknown>;
  // nbformat repairs 4.5 cell ids before it validates; ids of older notebooks come with the upgrade.
  if (isNotebook45OrNewer(record)) repairCellIds(value as Notebook);
  const repairs = lenient ? repairNotebook(value) : [];
  let problem = findNotebookProblem(value, { ignoreCellIdsBefore45: upgrade, path });
  // Invalid metadata values are stripped one by one (each can hide the next); a bound keeps hostile files cheap.
  for (let n = 0; problem?.instancePath && lenient && n < MAX_METADATA_REPAIRS; n++) {
    const stripped = stripInvalidMetadata(record, problem.instancePath);
    if (!stripped) break;
    repairs.push(stripped);
    problem = findNotebookProblem(value, { ignoreCellIdsBefore45: upgrade, path });
  }
  if (problem) throw new NotebookFormatError(path, `${path}: ${problem.message}`, problem.instancePath);
  if (repairs.length) options.onWarning?.(describeRepairs(path, repairs), repairs);
  const nb = rejoinNotebookLines(value as Notebook);
  stripTransientMetadata(nb);
  return upgrade ? upgradeNotebook(nb) : nb;
}

/**
 * Reads and parses a notebook file (see {@link parseNotebook}); a missing or unreadable file
 * throws {@link NotebookReadError} (`<path>: no such file`), bytes that are not UTF-8 a
 * {@link NotebookJsonError} with the byte offset.
 * @example const nb = await readNotebook('analysis.ipynb')
 */
export async function readNotebook(path: string, options: ReadNotebookOptions = {}): Promise<Notebook> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new NotebookReadError(path, `${path}: ${describeReadError(err)}`, { cause: err });
  }
  return parseNotebook(decodeNotebookBytes(bytes, path), path, options);
}

/**
 * Notebook bytes as text, strictly: invalid UTF-8 is a {@link NotebookJsonError} naming the
 * byte offset (nbformat refuses it too), never a silent U+FFFD.
 * @example decodeNotebookBytes(await readFile('nb.ipynb'), 'nb.ipynb')
 */
export function decodeNotebookBytes(bytes: Uint8Array, path: string): string {
  try {
    return decodeUtf8Strict(bytes);
  } catch (err) {
    if (!(err instanceof Utf8Issue)) throw err;
    let line = 1;
    let lineStart = 0;
    for (let i = bytes.indexOf(0x0a); i !== -1 && i < err.offset; i = bytes.indexOf(0x0a, i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const column = err.offset - lineStart + 1;
    const byte = `0x${err.byte.toString(16).padStart(2, '0')}`;
    throw new NotebookJsonError(path, line, column, `${path}:${line}:${column}: not UTF-8 text: byte ${byte} at byte offset ${err.offset} (${err.reason})`, { cause: err });
  }
}

function isNotebook45OrNewer(value: Record<string, unknown>): boolean {
  return (
    typeof value === 'object' && value !== null && value.nbformat === 4 && typeof value.nbformat_minor === 'number' && value.nbformat_minor >= 5 && Array.isArray(value.cells)
  );
}

/** nbformat's `strip_transient`: values that describe a past load, never stored. */
function stripTransientMetadata(nb: Notebook): void {
  const metadata = nb.metadata as Record<string, unknown>;
  delete metadata.orig_nbformat;
  delete metadata.orig_nbformat_minor;
  delete metadata.signature;
  for (const cell of nb.cells) delete (cell.metadata as Record<string, unknown>).trusted;
}

function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory, not a notebook file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}
