/**
 * Reading and checking executed notebooks in end-to-end tests: fixture paths, an
 * nbformat 4.5 schema check that does not trust nbrun's own validator, and small
 * accessors (cells by id, stream text, outputs by type).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvDraft04 from 'ajv-draft-04';
import type { ErrorObject, ValidateFunction } from 'ajv-draft-04';
import type { Notebook, Output } from '@nbrun/core';

/** Folder of the fixture notebooks, named after the behaviour they trigger. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/notebooks/', import.meta.url));

// The official schema, vendored unchanged with core.
const SCHEMA_PATH = fileURLToPath(new URL('../../packages/core/schemas/nbformat/nbformat.v4.5.schema.json', import.meta.url));

/**
 * Absolute path of a fixture notebook.
 * @example fixturePath('basics.ipynb')
 */
export function fixturePath(name: string): string {
  return FIXTURES_DIR + name;
}

/**
 * Reads a notebook file as plain JSON.
 * @example const nb = readNotebookJson('/tmp/out.ipynb');
 */
export function readNotebookJson(path: string): Notebook {
  return JSON.parse(readFileSync(path, 'utf8')) as Notebook;
}

let validate: ValidateFunction | undefined;

/**
 * Throws unless `nb` validates against the official nbformat 4.5 schema (ajv, draft-04),
 * listing the failing places.
 * @example assertValidNotebook(result.notebook)
 */
export function assertValidNotebook(nb: unknown, label = 'notebook'): void {
  if (!validate) {
    // The official schema is draft-04 and uses formats ajv does not know; they only annotate.
    const ajv = new AjvDraft04.default({ allErrors: true, strict: false, validateFormats: false });
    validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
  }
  const check = validate;
  if (check(nb)) return;
  const errors = (check.errors ?? []) as ErrorObject[];
  const lines = errors.slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  throw new Error(`${label} does not validate against nbformat 4.5:\n  ${lines.join('\n  ')}`);
}

type AnyCell = Notebook['cells'][number];

/** A cell's source as one string (nbformat allows a list of lines). */
export function sourceOf(cell: AnyCell): string {
  return typeof cell.source === 'string' ? cell.source : cell.source.join('');
}

/** A multiline string field (`text`, mime data) as one string. */
export function joined(value: unknown): string {
  if (Array.isArray(value)) return value.join('');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The cell with the given id (fixtures have stable ids, so lookups survive marker cells).
 * @example cellById(nb, 'basics-1')
 */
export function cellById(nb: Notebook, id: string): AnyCell {
  const cell = nb.cells.find((c) => c.id === id);
  if (!cell) throw new Error(`no cell with id '${id}' (ids: ${nb.cells.map((c) => c.id).join(', ')})`);
  return cell;
}

/** The outputs of a code cell, by id. */
export function outputsOf(nb: Notebook, id: string): Output[] {
  const cell = cellById(nb, id);
  if (cell.cell_type !== 'code') throw new Error(`cell '${id}' is a ${cell.cell_type} cell`);
  return (cell.outputs ?? []) as Output[];
}

/** The execution count of a code cell, by id. */
export function countOf(nb: Notebook, id: string): number | null {
  const cell = cellById(nb, id);
  return (cell as { execution_count?: number | null }).execution_count ?? null;
}

/** All text a cell wrote to one stream, in order. */
export function streamText(nb: Notebook, id: string, name: 'stdout' | 'stderr' = 'stdout'): string {
  return outputsOf(nb, id)
    .filter((o) => o.output_type === 'stream' && (o as { name?: string }).name === name)
    .map((o) => joined((o as { text?: unknown }).text))
    .join('');
}

/** A compact view of outputs for readable equality checks: type, stream name, text/plain. */
export function summarize(outputs: Output[]): string[] {
  return outputs.map((o) => {
    const out = o as Record<string, unknown>;
    switch (o.output_type) {
      case 'stream':
        return `stream:${String(out.name)}:${joined(out.text)}`;
      case 'error':
        return `error:${String(out.ename)}:${String(out.evalue)}`;
      default:
        return `${o.output_type}:${joined((out.data as Record<string, unknown> | undefined)?.['text/plain'])}`;
    }
  });
}

/** Cells nbrun inserted to mark a failure (tag `nbrun-error`). */
export function markerCells(nb: Notebook): AnyCell[] {
  return nb.cells.filter((c) => {
    const tags = (c.metadata as { tags?: unknown }).tags;
    return Array.isArray(tags) && tags.includes('nbrun-error');
  });
}

/** The notebook-level run record nbrun writes (`metadata.nbrun`). */
export function runRecord(nb: Notebook): Record<string, unknown> {
  return ((nb.metadata as Record<string, unknown>).nbrun ?? {}) as Record<string, unknown>;
}

/** The per-cell run record nbrun writes (`cell.metadata.nbrun`). */
export function cellRecord(nb: Notebook, id: string): Record<string, unknown> {
  return ((cellById(nb, id).metadata as Record<string, unknown>).nbrun ?? {}) as Record<string, unknown>;
}

/** nbformat's rule: JSON mime types (`application/json`, `*\/*+json`) hold JSON, never lines. */
function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || /^[^/]+\/[^/]+\+json$/.test(mime);
}

function joinBundle(bundle: unknown): unknown {
  if (!bundle || typeof bundle !== 'object') return bundle;
  const out: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries(bundle as Record<string, unknown>)) {
    out[mime] = !isJsonMime(mime) && Array.isArray(value) ? value.join('') : value;
  }
  return out;
}

/**
 * The notebook with every multiline field (source, stream text, textual mime data,
 * attachments) as one string, as nbformat reads it: the on-disk list-of-lines form and
 * the in-memory string form compare equal after this.
 * @example expect(joinMultiline(readNotebookJson(p))).toEqual(joinMultiline(result.notebook))
 */
export function joinMultiline(nb: Notebook): Notebook {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  for (const cell of copy.cells as unknown as Record<string, unknown>[]) {
    if (Array.isArray(cell.source)) cell.source = cell.source.join('');
    if (cell.attachments && typeof cell.attachments === 'object') {
      for (const [name, bundle] of Object.entries(cell.attachments as Record<string, unknown>)) {
        (cell.attachments as Record<string, unknown>)[name] = joinBundle(bundle);
      }
    }
    for (const out of (cell.outputs ?? []) as Record<string, unknown>[]) {
      if (Array.isArray(out.text)) out.text = out.text.join('');
      if (out.data) out.data = joinBundle(out.data);
    }
  }
  return copy;
}

/**
 * Reads an executed notebook from disk, checks it against the nbformat 4.5 schema and
 * returns it with multiline fields joined ({@link joinMultiline}).
 * @example const nb = readExecuted('/tmp/out.ipynb');
 */
export function readExecuted(path: string): Notebook {
  const raw = readNotebookJson(path);
  assertValidNotebook(raw, path);
  return joinMultiline(raw);
}
