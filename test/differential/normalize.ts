/**
 * What the differential test compares, and the few rewrites that make two correct runs
 * of the same notebook comparable. Everything not listed here must be identical between
 * nbrun and nbclient: cell types, ids, sources, execution counts, every output (type,
 * stream name and text, mime data, metadata, error name/value/traceback with its ANSI
 * colours), cell metadata of other tools, notebook metadata (incl. language_info).
 *
 * The rules, each with the reason it is legitimate:
 *  R1 on-disk multiline form: nbformat stores source/text/mime strings as lists of lines
 *     and reads them back joined; both forms are the same notebook.
 *  R2 consecutive stream outputs of one name are concatenated (text untouched, `\r` and
 *     `\b` kept): nbclient 0.7.2 appends one output per iopub message, nbrun merges them as
 *     JupyterLab does, and where ipykernel cuts its messages depends on flush timing anyway.
 *  R3 run bookkeeping is dropped: cell `metadata.execution` (timestamps of this run, both
 *     write them), `metadata.nbrun` (nbrun's own record, per cell and per notebook).
 *  R4 measured times in `%time`/`%%time` output ("CPU times: user 5 µs, sys: 1e+03 ns, …",
 *     "Wall time: …") become `<time>`: they are measurements, different on every run.
 *  R5 memory addresses in default reprs (`<__main__.Card at 0x7f3b0b73d210>`) become
 *     `0x<addr>`: object addresses differ between two processes.
 *  R6 mkdtemp folders (`/tmp/nbrun-magics-2x5yiw01`) keep their prefix and lose their random
 *     suffix: a fresh temporary folder has a fresh name on every run.
 *  R7 cell ids of a notebook older than 4.5 (which has none) become `<new id>` once checked
 *     to be valid: both engines upgrade it to 4.5 (nbclient's side through nbformat's own
 *     upgrade, in run_nbclient.py), each with fresh random ids.
 *  R8 a notebook whose input names no kernelspec: nbrun records the kernelspec it ran in
 *     `metadata.kernelspec` (so the output says which kernel made it), nbclient 0.7.2 leaves
 *     none; the added kernelspec is dropped from the comparison.
 */
import type { Notebook } from '@nbrun/core';
import { joinMultiline } from '../helpers/notebooks.js';

type Json = Record<string, unknown>;

/** R4 */
const TIMING = /((?:CPU times: user|sys:|total:|Wall time:) )[\d.]+(?:e[+-]\d+)? ?(?:ns|µs|us|ms|s|min|h)/g;
/** R5 */
const ADDRESS = /\b0x[0-9a-f]{6,16}\b/g;
/** R6: Python's tempfile names are 8 characters of [a-z0-9_]. */
const TEMP_DIR = /(\/tmp\/[\w.-]*?-)[a-z0-9_]{8}\b/g;

function normalizeText(text: string): string {
  return text.replace(TIMING, '$1<time>').replace(ADDRESS, '0x<addr>').replace(TEMP_DIR, '$1<rand>');
}

function normalizeValue(value: unknown): unknown {
  if (typeof value === 'string') return normalizeText(value);
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, normalizeValue(v)]));
  }
  return value;
}

/** R2 */
function mergeStreams(outputs: Json[]): Json[] {
  const merged: Json[] = [];
  for (const out of outputs) {
    const last = merged.at(-1);
    if (out.output_type === 'stream' && last?.output_type === 'stream' && last.name === out.name) {
      last.text = String(last.text) + String(out.text);
      continue;
    }
    merged.push({ ...out });
  }
  return merged;
}

function withoutKeys(obj: unknown, keys: string[]): Json {
  const copy = { ...((obj ?? {}) as Json) };
  for (const k of keys) delete copy[k];
  return copy;
}

/** One cell as compared. */
export interface ComparableCell {
  id: unknown;
  cell_type: string;
  source: unknown;
  metadata: Json;
  execution_count?: unknown;
  outputs?: unknown[];
  attachments?: unknown;
}

export interface Comparable {
  metadata: Json;
  cells: ComparableCell[];
  /** Execution counts of the code cells, in order (null when not executed). */
  executionCounts: (number | null)[];
}

/**
 * Applies rules R1–R8 and keeps what is compared; `newIds` when the input had no cell ids (R7),
 * `inputHadKernelspec: false` when it named no kernelspec (R8).
 * @example expect(comparable(nbrunOut)).toEqual(comparable(nbclientOut))
 */
export function comparable(nb: Notebook, options: { newIds?: boolean; inputHadKernelspec?: boolean } = {}): Comparable {
  const joined = joinMultiline(nb); // R1
  const cells = (joined.cells as unknown as Json[]).map((cell): ComparableCell => {
    const newId = options.newIds && typeof cell.id === 'string' && /^[a-zA-Z0-9-_]{1,64}$/.test(cell.id); // R7
    const base: ComparableCell = {
      id: newId ? '<new id>' : cell.id,
      cell_type: String(cell.cell_type),
      source: cell.source,
      metadata: withoutKeys(cell.metadata, ['execution', 'nbrun']), // R3
      ...(cell.attachments !== undefined ? { attachments: cell.attachments } : {}),
    };
    if (cell.cell_type !== 'code') return base;
    return {
      ...base,
      execution_count: cell.execution_count ?? null,
      outputs: normalizeValue(mergeStreams((cell.outputs ?? []) as Json[])) as unknown[],
    };
  });
  return {
    metadata: withoutKeys(joined.metadata, options.inputHadKernelspec === false ? ['nbrun', 'kernelspec'] : ['nbrun']), // R3, R8
    cells,
    executionCounts: cells.filter((c) => c.cell_type === 'code').map((c) => (c.execution_count ?? null) as number | null),
  };
}
