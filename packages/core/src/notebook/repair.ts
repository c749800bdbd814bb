/**
 * Lenient reading, as nbclient reads (it runs a notebook that fails validation and only
 * logs it): what has one right answer is repaired in place and reported with its place,
 * so the notebook nbrun writes is valid. What has no right answer (an unknown cell type, a
 * stream without text, a string where a number belongs) stays an error.
 *
 * Repaired, each against the notebook's own schema version:
 * - a required field with an empty value: a cell's `metadata` ({}), `source` (''), a code
 *   cell's `outputs` ([]) and `execution_count` (null), an output's `metadata`/`data` ({})
 *   and an execute_result's `execution_count` (null); the notebook's `metadata` ({});
 * - a kernelspec without `display_name`: its `name`;
 * - a key the schema does not allow (on the notebook, a cell, an output): removed;
 * - an invalid value in a `metadata` object: that metadata key removed, as nbformat's own
 *   repair (`strip_invalid_metadata`) does.
 */
import { LATEST_MINOR, schemaShape, type NbformatMinor, type SchemaDefinition } from './schemas.js';

/** One change the lenient reader made. */
export interface NotebookRepair {
  /** JSON pointer of the place, e.g. `/cells/3/execution_count`. */
  pointer: string;
  /** What was done, e.g. `added (null)`, `removed (not an nbformat field)`. */
  action: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

const CELL_DEFAULTS: Record<string, Record<string, () => unknown>> = {
  code: { metadata: () => ({}), source: () => '', outputs: () => [], execution_count: () => null },
  markdown: { metadata: () => ({}), source: () => '' },
  raw: { metadata: () => ({}), source: () => '' },
};
const OUTPUT_DEFAULTS: Record<string, Record<string, () => unknown>> = {
  execute_result: { execution_count: () => null, data: () => ({}), metadata: () => ({}) },
  display_data: { data: () => ({}), metadata: () => ({}) },
  stream: {},
  error: {},
};

/** The schema minor version a notebook is checked against (as the validator picks it). */
export function schemaMinorOf(nb: Json): NbformatMinor {
  const minor = nb.nbformat_minor;
  return typeof minor === 'number' && Number.isInteger(minor) && minor >= 0 && minor <= LATEST_MINOR ? (minor as NbformatMinor) : LATEST_MINOR;
}

/** Fills the required fields `defaults` knows and removes keys the definition does not allow. */
function repairObject(obj: Json, pointer: string, definition: SchemaDefinition | '', minor: NbformatMinor, defaults: Record<string, () => unknown>, out: NotebookRepair[]): void {
  const shape = schemaShape(minor, definition);
  for (const key of shape.required) {
    const make = defaults[key];
    if (!(key in obj) && make) {
      obj[key] = make();
      out.push({ pointer: `${pointer}/${escape(key)}`, action: `added (${JSON.stringify(obj[key])})` });
    }
  }
  if (shape.additionalProperties) return;
  for (const key of Object.keys(obj)) {
    // Cell ids of 4.0–4.4 notebooks are kept: the upgrade to 4.5 gives every cell one anyway.
    if (shape.properties.includes(key) || (key === 'id' && definition.endsWith('_cell'))) continue;
    delete obj[key];
    out.push({ pointer: `${pointer}/${escape(key)}`, action: 'removed (not an nbformat field here)' });
  }
}

/**
 * Repairs, in place, what has one right answer in an nbformat 4 notebook (see the module
 * comment) and returns what it changed; values it cannot judge are left to the validator.
 * @example repairNotebook({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: 'a', cell_type: 'code', source: '', metadata: {}, outputs: [] }] })
 * // [{ pointer: '/cells/0/execution_count', action: 'added (null)' }]
 */
export function repairNotebook(value: unknown): NotebookRepair[] {
  const out: NotebookRepair[] = [];
  if (!isObject(value) || value.nbformat !== 4 || !Array.isArray(value.cells)) return out;
  const minor = schemaMinorOf(value);
  repairObject(value, '', '', minor, { metadata: () => ({}) }, out);
  const ks = isObject(value.metadata) ? value.metadata.kernelspec : undefined;
  if (isObject(ks) && typeof ks.name === 'string' && ks.display_name === undefined) {
    ks.display_name = ks.name;
    out.push({ pointer: '/metadata/kernelspec/display_name', action: `added (${JSON.stringify(ks.name)}, the kernel name)` });
  }
  value.cells.forEach((cell: unknown, i: number) => {
    if (!isObject(cell) || typeof cell.cell_type !== 'string' || !(cell.cell_type in CELL_DEFAULTS)) return;
    const type = cell.cell_type;
    repairObject(cell, `/cells/${i}`, `${type}_cell` as SchemaDefinition, minor, CELL_DEFAULTS[type]!, out);
    if (type !== 'code' || !Array.isArray(cell.outputs)) return;
    cell.outputs.forEach((output: unknown, j: number) => {
      if (!isObject(output) || typeof output.output_type !== 'string' || !(output.output_type in OUTPUT_DEFAULTS)) return;
      repairObject(output, `/cells/${i}/outputs/${j}`, output.output_type as SchemaDefinition, minor, OUTPUT_DEFAULTS[output.output_type]!, out);
    });
  });
  return out;
}

const METADATA_KEY = /^((?:\/cells\/\d+)?(?:\/outputs\/\d+)?\/metadata)\/([^/]+)/;

/**
 * Removes the metadata key holding the schema error at `pointer` (nbformat's
 * `strip_invalid_metadata`), or returns undefined when the error is not inside a metadata object.
 * @example stripInvalidMetadata(nb, '/cells/0/metadata/tags') // { pointer: '/cells/0/metadata/tags', action: 'removed (invalid value)' }
 */
export function stripInvalidMetadata(nb: Json, pointer: string): NotebookRepair | undefined {
  const m = METADATA_KEY.exec(pointer);
  if (!m) return undefined;
  let holder: unknown = nb;
  for (const part of m[1]!.split('/').slice(1)) holder = Array.isArray(holder) ? holder[Number(part)] : isObject(holder) ? holder[part] : undefined;
  const key = m[2]!.replace(/~1/g, '/').replace(/~0/g, '~');
  if (!isObject(holder) || !(key in holder)) return undefined;
  delete holder[key];
  return { pointer: `${m[1]}/${m[2]}`, action: 'removed (invalid value)' };
}

/**
 * One line saying what was repaired and where (the first few places, then a count).
 * @example describeRepairs('nb.ipynb', repairs) // 'nb.ipynb: not valid nbformat, repaired: /cells/3/execution_count: added (null)'
 */
export function describeRepairs(path: string, repairs: NotebookRepair[]): string {
  const shown = repairs.slice(0, 5).map((r) => `${r.pointer}: ${r.action}`);
  const more = repairs.length > 5 ? `; and ${repairs.length - 5} more` : '';
  return `${path}: not valid nbformat, read leniently as nbclient does and repaired: ${shown.join('; ')}${more}`;
}
