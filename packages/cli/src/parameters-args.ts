/**
 * Parameter flags of `nbrun run` / `nbrun submit`, and their merge into one object.
 *
 *   -f, --parameters-file FILE      YAML or JSON file holding a mapping (`.json` is read as JSON)
 *   -y, --parameters-yaml YAML      a YAML mapping given inline
 *   -p, --parameter NAME VALUE      VALUE inferred as papermill does: True/False, None, int, float, else string
 *   -r, --parameter-raw NAME VALUE  VALUE kept as a string
 *
 * Merge order (later wins, top-level names only): all files in command-line order, then
 * all YAML strings in order, then -p and -r in order. A name given both by -p and by -r
 * is an error (say which one you mean). Integers beyond 2^53 stay exact (bigint).
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ParameterError, normalizeInteger, parseParameterJson, validateParameters } from '@nbrun/core';
import { flagValues, type FlagSpec, type ParsedArgs } from './args.js';

/** The parameter flags, to spread into a command's FlagSpec list. */
export const parameterFlags: FlagSpec[] = [
  { name: 'parameter', short: 'p', arity: 2, multiple: true },
  { name: 'parameter-raw', short: 'r', arity: 2, multiple: true },
  { name: 'parameters-yaml', short: 'y', arity: 1, multiple: true },
  { name: 'parameters-file', short: 'f', arity: 1, multiple: true },
];

const INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const FLOAT = /^\s*[+-]?(?:\d+(?:_\d+)*\.(?:\d+(?:_\d+)*)?|\.\d+(?:_\d+)*|\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?\s*$/;
const SPECIAL_FLOAT = /^\s*([+-]?)(inf|infinity|nan)\s*$/i;

/**
 * A `-p` value as papermill infers it: `True`/`False` → boolean, `None` → null, an
 * integer (Python's spelling: sign, `_` between digits) → number, or bigint beyond 2^53,
 * a float (`1.5`, `.5`, `1e-3`, `inf`, `nan`) → number, anything else → the string.
 * @example inferParameterValue('42') // 42
 */
export function inferParameterValue(text: string): unknown {
  if (text === 'True') return true;
  if (text === 'False') return false;
  if (text === 'None') return null;
  if (INT.test(text)) return normalizeInteger(BigInt(text.trim().replace(/_/g, '')));
  if (FLOAT.test(text)) return Number(text.trim().replace(/_/g, ''));
  const special = SPECIAL_FLOAT.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  return text;
}

function normalizeBigInts(value: unknown): unknown {
  if (typeof value === 'bigint') return normalizeInteger(value);
  if (Array.isArray(value)) return value.map(normalizeBigInts);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: normalizeBigInts(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function asMapping(value: unknown, what: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ParameterError(`${what} must hold a mapping of name → value, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Parses YAML text into a mapping of parameters (integers exact, keys as strings).
 * `what` names the flag and value in messages.
 * @example parseParametersYaml('items: [1, "two", 3.5]', "-y 'items: …'") // { items: [1, 'two', 3.5] }
 */
export function parseParametersYaml(text: string, what: string): Record<string, unknown> {
  const doc = parseDocument(text, { intAsBigInt: true, stringKeys: true, prettyErrors: false });
  const problem = doc.errors[0];
  if (problem) throw new ParameterError(`${what}: not valid YAML: ${problem.message.split('\n')[0]}`, { cause: problem });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ParameterError(`${what}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const mapping = asMapping(normalizeBigInts(value), what);
  try {
    return validateParameters(mapping);
  } catch (err) {
    throw new ParameterError(`${what}: ${(err as Error).message}`, { cause: err });
  }
}

function short(value: string): string {
  const one = value.length > 40 ? value.slice(0, 37) + '...' : value;
  return JSON.stringify(one);
}

/**
 * Reads a parameters file: `.json` as (lossless) JSON, anything else as YAML (a superset
 * of JSON). `path` is resolved against `cwd`.
 * @example await readParametersFile('params.yaml', process.cwd())
 */
export async function readParametersFile(path: string, cwd: string): Promise<Record<string, unknown>> {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ParameterError(`-f ${path}: cannot read the parameters file (${code ?? (err as Error).message})`, { cause: err });
  }
  if (extname(full).toLowerCase() === '.json') {
    const value = parseParameterJson(text, `-f ${path}`);
    return validateParameters(asMapping(value, `-f ${path}`));
  }
  return parseParametersYaml(text, `-f ${path}`);
}

/**
 * Merges the parameter flags of a parsed command line (see the module comment for the
 * order). Resolves to undefined when no parameter flag was given, so nothing is injected.
 * @example const parameters = await collectParameters(parseArgs(argv, flags, 'run'), io.cwd);
 */
export async function collectParameters(args: ParsedArgs, cwd: string): Promise<Record<string, unknown> | undefined> {
  const files = flagValues(args, 'parameters-file');
  const yamls = flagValues(args, 'parameters-yaml');
  const inferred = flagValues(args, 'parameter');
  const raw = flagValues(args, 'parameter-raw');
  if (!files.length && !yamls.length && !inferred.length && !raw.length) return undefined;
  const out: Record<string, unknown> = {};
  const set = (name: string, value: unknown) => {
    // defineProperty: a parameter named "__proto__" is a parameter, not a prototype.
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const [path] of files) for (const [k, v] of Object.entries(await readParametersFile(path!, cwd))) set(k, v);
  for (const [text] of yamls) for (const [k, v] of Object.entries(parseParametersYaml(text!, `-y ${short(text!)}`))) set(k, v);
  const rawNames = new Set(raw.map(([n]) => n!));
  for (const [name, value] of inferred) {
    if (!name) throw new ParameterError(`-p: the parameter name is empty (usage: -p NAME VALUE)`);
    if (rawNames.has(name)) throw new ParameterError(`parameter '${name}' is given by both -p and -r: keep one`);
    set(name, inferParameterValue(value!));
  }
  for (const [name, value] of raw) {
    if (!name) throw new ParameterError(`-r: the parameter name is empty (usage: -r NAME VALUE)`);
    set(name, value!);
  }
  return validateParameters(out);
}
