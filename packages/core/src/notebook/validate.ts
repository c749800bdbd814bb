/**
 * Is this value a notebook nbrun can run? Version checks, then the official nbformat schema
 * of the notebook's own minor version, with one precise error: for the `oneOf` of cells and
 * outputs, the branch the cell/output meant (by `cell_type`/`output_type`) explains the failure.
 */
import { NotebookFormatError } from '../errors.js';
import type { Notebook } from '../execute/types.js';
import {
  getDefinitionValidator,
  getNotebookValidator,
  LATEST_MINOR,
  type ErrorObject,
  type ValidateFunction,
  type NbformatMinor,
  type SchemaDefinition,
} from './schemas.js';

/** Why a value is not a valid notebook: a one-line `message` and, when known, the JSON pointer. */
export interface NotebookProblem {
  message: string;
  instancePath?: string;
}

/** Options of {@link findNotebookProblem}. */
export interface FindNotebookProblemOptions {
  /**
   * Accept (and ignore) `id` on the cells of a 4.0–4.4 notebook, which is about to be upgraded
   * and given ids anyway — as nbformat's `read` does by upgrading before it validates.
   */
  ignoreCellIdsBefore45?: boolean;
  /** The notebook's file, named in the nbformat 3 conversion hint. */
  path?: string;
}

type Json = Record<string, unknown>;

const CELL_TYPES = ['code', 'markdown', 'raw'];
const OUTPUT_TYPES = ['execute_result', 'display_data', 'stream', 'error'];

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The first problem that keeps `value` from being a valid nbformat 4 notebook, or null.
 * @example findNotebookProblem({ cells: [] })?.message // 'not a Jupyter notebook (no "nbformat" field)'
 */
export function findNotebookProblem(value: unknown, options: FindNotebookProblemOptions = {}): NotebookProblem | null {
  if (!isPlainObject(value)) {
    return { message: `not a Jupyter notebook (the top level is ${describeValue(value)}, expected an object)` };
  }
  const { nbformat, nbformat_minor: minor } = value;
  if (nbformat === undefined) {
    const missing = value.cells === undefined ? 'no "nbformat" and no "cells" field' : 'no "nbformat" field';
    return { message: `not a Jupyter notebook (${missing})` };
  }
  if (typeof nbformat !== 'number' || !Number.isInteger(nbformat)) {
    return { message: `/nbformat: must be an integer (found ${describeValue(nbformat)})`, instancePath: '/nbformat' };
  }
  if (nbformat < 4) {
    return {
      message:
        `nbformat ${nbformat} is not supported (nbrun reads nbformat 4); convert it with ` +
        `\`jupyter nbconvert --to notebook --nbformat 4 ${quoteForShell(options.path ?? '<file>')}\` (writes <name>.nbconvert.ipynb)`,
      instancePath: '/nbformat',
    };
  }
  if (nbformat > 4) {
    return {
      message: `nbformat ${nbformat} is newer than this nbrun understands (it reads nbformat 4.0–4.5); save the notebook as nbformat 4`,
      instancePath: '/nbformat',
    };
  }
  const schemaMinor: NbformatMinor =
    typeof minor === 'number' && Number.isInteger(minor) && minor >= 0 && minor <= LATEST_MINOR ? (minor as NbformatMinor) : LATEST_MINOR;
  const ignoreIds = options.ignoreCellIdsBefore45 === true && schemaMinor < 5;
  const checked = ignoreIds ? withoutCellIds(value) : value;
  const validate = getNotebookValidator(schemaMinor);
  if (!passes(validate, checked)) return explainSchemaErrors(checked, validate.errors ?? [], schemaMinor);
  if (schemaMinor >= 5) return findDuplicateCellId(checked.cells as Json[]);
  return null;
}

/**
 * Throws a {@link NotebookFormatError} naming `path` and the failing JSON pointer unless `value`
 * is a valid nbformat 4.0–4.5 notebook; returns it typed as a Notebook.
 * @example const nb = validateNotebook(JSON.parse(text), 'analysis.ipynb')
 */
export function validateNotebook(value: unknown, path = '<notebook>'): Notebook {
  const problem = findNotebookProblem(value, { path });
  if (problem) throw new NotebookFormatError(path, `${path}: ${problem.message}`, problem.instancePath);
  return value as Notebook;
}

/**
 * Throws unless `value` is a valid nbformat **4.5** notebook (unique cell ids included) —
 * for tests that check what nbrun writes.
 * @example assertValidNotebook45(result.notebook)
 */
export function assertValidNotebook45(value: unknown, path = '<notebook>'): asserts value is Notebook {
  validateNotebook(value, path);
  const { nbformat, nbformat_minor: minor } = value as Json;
  if (nbformat !== 4 || minor !== 5) {
    throw new NotebookFormatError(path, `${path}: expected nbformat 4.5, found ${String(nbformat)}.${String(minor)}`, '/nbformat_minor');
  }
}

/** Calls an ajv validator without its type guard, which would narrow the value to `never` on failure. */
function passes(validate: ValidateFunction, value: unknown): boolean {
  return validate(value) as boolean;
}

function withoutCellIds(nb: Json): Json {
  if (!Array.isArray(nb.cells) || !nb.cells.some((cell) => isPlainObject(cell) && 'id' in cell)) return nb;
  const cells = nb.cells.map((cell: unknown) => {
    if (!isPlainObject(cell) || !('id' in cell)) return cell;
    const { id: _id, ...rest } = cell;
    return rest;
  });
  return { ...nb, cells };
}

function findDuplicateCellId(cells: Json[]): NotebookProblem | null {
  const firstUse = new Map<unknown, number>();
  for (let i = 0; i < cells.length; i++) {
    const id = cells[i]?.id;
    const first = firstUse.get(id);
    if (first !== undefined) {
      return { message: `/cells/${i}/id: duplicate cell id ${JSON.stringify(id)} (also the id of cell ${first})`, instancePath: `/cells/${i}/id` };
    }
    firstUse.set(id, i);
  }
  return null;
}

const CELL_PATH = /^\/cells\/(\d+)(?=\/|$)/;
const OUTPUT_PATH = /^\/outputs\/(\d+)(?=\/|$)/;

function explainSchemaErrors(nb: Json, errors: ErrorObject[], minor: NbformatMinor): NotebookProblem {
  const cellError = errors.find((e) => CELL_PATH.test(e.instancePath));
  if (cellError) {
    const index = Number(CELL_PATH.exec(cellError.instancePath)?.[1]);
    const explained = explainCell((nb.cells as unknown[])[index], `/cells/${index}`, minor);
    if (explained) return explained;
  }
  return describeError(pickError(errors), '');
}

function explainCell(cell: unknown, path: string, minor: NbformatMinor): NotebookProblem | null {
  if (!isPlainObject(cell)) return { message: `${path}: a cell must be an object (found ${describeValue(cell)})`, instancePath: path };
  const type = cell.cell_type;
  if (typeof type !== 'string' || !CELL_TYPES.includes(type)) {
    return explainDiscriminator(type, `${path}/cell_type`, 'cell_type', CELL_TYPES);
  }
  const validate = getDefinitionValidator(minor, `${type}_cell` as SchemaDefinition);
  if (passes(validate, cell)) return null;
  const errors = validate.errors ?? [];
  const outputError = errors.find((e) => OUTPUT_PATH.test(e.instancePath));
  if (type === 'code' && outputError) {
    const index = Number(OUTPUT_PATH.exec(outputError.instancePath)?.[1]);
    const explained = explainOutput((cell.outputs as unknown[])[index], `${path}/outputs/${index}`, minor);
    if (explained) return explained;
  }
  return describeError(pickError(errors), path);
}

function explainOutput(output: unknown, path: string, minor: NbformatMinor): NotebookProblem | null {
  if (!isPlainObject(output)) return { message: `${path}: an output must be an object (found ${describeValue(output)})`, instancePath: path };
  const type = output.output_type;
  if (typeof type !== 'string' || !OUTPUT_TYPES.includes(type)) {
    return explainDiscriminator(type, `${path}/output_type`, 'output_type', OUTPUT_TYPES);
  }
  const validate = getDefinitionValidator(minor, type as SchemaDefinition);
  if (passes(validate, output)) return null;
  return describeError(pickError(validate.errors ?? []), path);
}

function explainDiscriminator(value: unknown, pointer: string, field: string, allowed: string[]): NotebookProblem {
  const expected = allowed.map((t) => JSON.stringify(t)).join(', ');
  if (value === undefined) return { message: `${pointer}: required property is missing (one of ${expected})`, instancePath: pointer };
  return { message: `${pointer}: unknown ${field} ${describeValue(value)} (expected one of ${expected})`, instancePath: pointer };
}

/**
 * The error worth showing: the deepest one, not the summary `oneOf`/`anyOf` errors ajv adds
 * around branch errors — unless every branch failed on the value's type, where the `oneOf`
 * says it best ("must be a string or an array of strings").
 */
function pickError(errors: ErrorObject[]): ErrorObject | undefined {
  const specific = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'not'].includes(e.keyword));
  if (specific.length === 0) return errors[0];
  const depth = (e: ErrorObject) => e.instancePath.split('/').length;
  const deepest = specific.reduce((best, e) => (depth(e) > depth(best) ? e : best));
  const oneOf = errors.find((e) => e.keyword === 'oneOf' && e.instancePath === deepest.instancePath);
  if (oneOf && specific.every((e) => e.keyword === 'type' && e.instancePath === oneOf.instancePath)) return oneOf;
  return deepest;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  object: 'an object',
  array: 'an array',
  boolean: 'a boolean',
  null: 'null',
};

function describeType(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ');
}

/** "a string or an array of strings" from the branches of a oneOf such as `multiline_string`. */
function describeBranches(branches: unknown): string | undefined {
  if (!Array.isArray(branches)) return undefined;
  const names = branches.map((branch: Json) => {
    if (branch.type === 'array' && isPlainObject(branch.items) && branch.items.type) {
      return `an array of ${describeType(branch.items.type).replace(/^an? /, '')}s`;
    }
    return branch.type ? describeType(branch.type) : undefined;
  });
  return names.every(Boolean) ? names.join(' or ') : undefined;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeError(error: ErrorObject | undefined, prefix: string): NotebookProblem {
  if (!error) return { message: 'does not match the nbformat schema' };
  const at = prefix + error.instancePath;
  const params = error.params as Record<string, unknown>;
  const found = `found ${describeValue(error.data)}`;
  let pointer = at;
  let problem: string;
  switch (error.keyword) {
    case 'required':
      pointer = `${at}/${escapePointer(String(params.missingProperty))}`;
      problem = 'required property is missing';
      break;
    case 'additionalProperties': {
      pointer = `${at}/${escapePointer(String(params.additionalProperty))}`;
      const allowed = Object.keys((error.parentSchema?.properties as Json | undefined) ?? {});
      problem = `property not allowed here${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
      break;
    }
    case 'enum':
      problem = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (${found})`;
      break;
    case 'type':
      problem = `must be ${describeType(params.type)} (${found})`;
      break;
    case 'oneOf': {
      const expected = describeBranches(error.schema);
      problem = expected ? `must be ${expected} (${found})` : `must match exactly one schema in oneOf (${found})`;
      break;
    }
    case 'pattern':
      problem = `must match ${String(params.pattern)} (${found})`;
      break;
    case 'uniqueItems':
      problem = `must not repeat items (items ${String(params.j)} and ${String(params.i)} are equal)`;
      break;
    default:
      problem = `${error.message ?? 'is invalid'} (${found})`;
  }
  return { message: `${pointer || '/'}: ${problem}`, instancePath: pointer };
}

function quoteForShell(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** A short description of a JSON value for messages: `"text"`, `12`, `null`, `an array`, `an object`. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 37) + '...' : value);
  if (value === undefined) return 'nothing';
  return String(value);
}
