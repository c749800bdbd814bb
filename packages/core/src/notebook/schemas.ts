/**
 * The official nbformat 4.0–4.5 JSON Schemas (draft-04, vendored unchanged in
 * `packages/core/schemas/nbformat/`) and their ajv validators, each compiled once on first use
 * (the whole-notebook validator of 4.5 at build time: validate-v4.5.generated.cjs).
 */
import { createRequire } from 'node:module';
import type AjvDraft04 from 'ajv-draft-04';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv-draft-04';
/** The nbformat 4 minor versions nbrun has a schema for. */
export type NbformatMinor = 0 | 1 | 2 | 3 | 4 | 5;

/** The newest nbformat minor version nbrun knows (4.5). */
export const LATEST_MINOR: NbformatMinor = 5;

/** Schema definitions validated on their own, to explain an error of the branch a cell/output meant. */
export type SchemaDefinition =
  | 'raw_cell'
  | 'markdown_cell'
  | 'code_cell'
  | 'execute_result'
  | 'display_data'
  | 'stream'
  | 'error';

// Literal `require()` calls (see loadAjv): bundlers include the JSON, and each schema is
// evaluated on first use rather than with the package (80 KB of object literals).
/* eslint-disable @typescript-eslint/no-require-imports */
const SCHEMA_LOADERS: Record<NbformatMinor, () => unknown> = {
  0: () => (typeof require === 'function' ? require('../../schemas/nbformat/nbformat.v4.0.schema.json') : requireHere()('../../schemas/nbformat/nbformat.v4.0.schema.json')),
  1: () => (typeof require === 'function' ? require('../../schemas/nbformat/nbformat.v4.1.schema.json') : requireHere()('../../schemas/nbformat/nbformat.v4.1.schema.json')),
  2: () => (typeof require === 'function' ? require('../../schemas/nbformat/nbformat.v4.2.schema.json') : requireHere()('../../schemas/nbformat/nbformat.v4.2.schema.json')),
  3: () => (typeof require === 'function' ? require('../../schemas/nbformat/nbformat.v4.3.schema.json') : requireHere()('../../schemas/nbformat/nbformat.v4.3.schema.json')),
  4: () => (typeof require === 'function' ? require('../../schemas/nbformat/nbformat.v4.4.schema.json') : requireHere()('../../schemas/nbformat/nbformat.v4.4.schema.json')),
  5: () => (typeof require === 'function' ? require('../../schemas/nbformat/nbformat.v4.5.schema.json') : requireHere()('../../schemas/nbformat/nbformat.v4.5.schema.json')),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** `require` for ESM sources run by tsx or vitest, which have none. */
function requireHere(): NodeJS.Require {
  return createRequire(import.meta.url);
}

const schemas = new Map<NbformatMinor, AnySchemaObject>();

/** The official schema of nbformat 4.`minor`. */
function schemaOf(minor: NbformatMinor): AnySchemaObject {
  let schema = schemas.get(minor);
  if (!schema) {
    schema = SCHEMA_LOADERS[minor]() as AnySchemaObject;
    schemas.set(minor, schema);
  }
  return schema;
}

type AjvClass = typeof AjvDraft04.default;
type AjvInstance = InstanceType<AjvClass>;

let Ajv: AjvClass | undefined;

/**
 * ajv, loaded with the first validation: loading it was two thirds of `import('@nbrun/core')`.
 * Synchronously, as validation is (validateNotebook). A literal `require()` call, so bundlers
 * (the runner's self-contained build) include ajv; ESM sources run by tsx or vitest have none.
 */
function loadAjv(): AjvClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = (typeof require === 'function' ? require('ajv-draft-04') : requireHere()('ajv-draft-04')) as typeof AjvDraft04;
  // A CJS module: its `module.exports` has the class as `.default`.
  Ajv ??= mod.default;
  return Ajv;
}

const validators = new Map<string, ValidateFunction>();

/** One ajv instance per minor version: the schemas have no `id`, so they must not share a registry. */
const ajvs = new Map<NbformatMinor, AjvInstance>();

function ajvFor(minor: NbformatMinor): AjvInstance {
  let ajv = ajvs.get(minor);
  if (!ajv) {
    // strict off: the official schemas carry keywords ajv's strict mode rejects (e.g. `source_hidden` beside `properties`).
    // verbose: errors carry the failing data and schema, for messages that say what was found.
    ajv = new (loadAjv())({ strict: false, allErrors: false, validateSchema: false, verbose: true });
    ajvs.set(minor, ajv);
  }
  return ajv;
}

/**
 * The compiled validator of the whole notebook schema for nbformat 4.`minor`.
 * @example getNotebookValidator(5)(notebook) // true when valid
 */
export function getNotebookValidator(minor: NbformatMinor): ValidateFunction {
  return getValidator(minor, undefined);
}

/**
 * The compiled validator of one definition (e.g. `code_cell`, `stream`) of nbformat 4.`minor`.
 * @example getDefinitionValidator(5, 'stream')({ output_type: 'stream', name: 'stdout', text: '' })
 */
export function getDefinitionValidator(minor: NbformatMinor, definition: SchemaDefinition): ValidateFunction {
  return getValidator(minor, definition);
}

/**
 * The nbformat 4.5 notebook validator compiled at build time (scripts/write-validators.ts):
 * neither ajv nor the schema is loaded for a valid 4.5 notebook. A literal `require()`, as above.
 */
function loadPrecompiled(): ValidateFunction {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (typeof require === 'function' ? require('./validate-v4.5.generated.cjs') : requireHere()('./validate-v4.5.generated.cjs')) as ValidateFunction;
}

function getValidator(minor: NbformatMinor, definition: SchemaDefinition | undefined): ValidateFunction {
  const key = `${minor}:${definition ?? ''}`;
  const validate = validators.get(key);
  if (validate === undefined && minor === 5 && definition === undefined) {
    const precompiled = loadPrecompiled();
    validators.set(key, precompiled);
    return precompiled;
  }
  if (validate === undefined) {
    const schema = schemaOf(minor);
    // A definition is compiled as `$ref` into the same document, so its internal refs still resolve.
    const target = definition ? { definitions: schema.definitions, $ref: `#/definitions/${definition}` } : schema;
    const compiled = ajvFor(minor).compile(target);
    validators.set(key, compiled);
    return compiled;
  }
  return validate;
}

export type { ErrorObject, ValidateFunction };

/** The property names a schema object allows (`properties`) and requires, when it lists them. */
export interface SchemaShape {
  properties: string[];
  required: string[];
  /** False when the schema refuses properties it does not list. */
  additionalProperties: boolean;
}

/**
 * The shape of the whole notebook (`''`) or of one definition (`code_cell`, `stream`…) in
 * nbformat 4.`minor`: what the lenient reader repairs against, declared once by the schema.
 * @example schemaShape(5, 'code_cell').required // ['id', 'cell_type', 'metadata', 'source', 'outputs', 'execution_count']
 */
export function schemaShape(minor: NbformatMinor, definition: SchemaDefinition | ''): SchemaShape {
  const schema = schemaOf(minor) as { definitions: Record<string, AnySchemaObject> } & AnySchemaObject;
  const target = (definition ? schema.definitions[definition] : schema) as AnySchemaObject;
  return {
    properties: Object.keys((target.properties as object | undefined) ?? {}),
    required: (target.required as string[] | undefined) ?? [],
    additionalProperties: target.additionalProperties !== false,
  };
}
