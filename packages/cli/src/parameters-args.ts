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
 * is an error (say which one you mean). Integers beyond 2^53 stay exact (bigint); floats
 * stay floats (`1.0` is a FloatValue). YAML is read as PyYAML reads it (YAML 1.1, see
 * pyyaml-schema.ts), as papermill does.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import { ParameterError } from '@nbrun/core';
import { MAX_PARAMETER_DEPTH, inferParameterValue, parseParameterJson, validateParameters } from '@nbrun/core/parameters';
import { decodeUtf8Strict } from '@nbrun/core/notebook';
import { flagValues, type FlagSpec, type ParsedArgs } from './args.js';
import { pyyamlTags } from './pyyaml-schema.js';

export { inferParameterValue };

/** The parameter flags, to spread into a command's FlagSpec list. */
export const parameterFlags: FlagSpec[] = [
  { name: 'parameter', short: 'p', arity: 2, multiple: true },
  { name: 'parameter-raw', short: 'r', arity: 2, multiple: true },
  { name: 'parameters-yaml', short: 'y', arity: 1, multiple: true },
  { name: 'parameters-file', short: 'f', arity: 1, multiple: true },
];

/**
 * The `yaml` package, loaded with the first YAML parameters: importing it at start-up cost
 * every `nbrun run`/`submit` about 0.1 s of CPU (at load 28), mostly for nothing (no -y/-f).
 * Synchronously, as parsing is, with a `require` made here: `__filename` in the CommonJS
 * build, `import.meta.url` in the ESM one (a bundler's `require` shim throws there).
 */
function loadYaml(): typeof Yaml {
  const here = typeof __filename === 'string' ? __filename : import.meta.url;
  return createRequire(here)('yaml') as typeof Yaml;
}

function asMapping(value: unknown, what: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ParameterError(`${what} must hold a mapping of name → value, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Parses YAML text into a mapping of parameters as PyYAML (papermill) reads it: YAML 1.1
 * booleans and numbers, integers exact, whole floats as FloatValues, keys as strings; a
 * key given twice is an error (PyYAML keeps the last one silently).
 * `what` names the flag and value in messages.
 * @example parseParametersYaml('items: [1, "two", 3.5]\nflag: off', "-y 'items: …'") // { items: [1, 'two', 3.5], flag: false }
 */
export function parseParametersYaml(text: string, what: string): Record<string, unknown> {
  const doc = loadYaml().parseDocument(text, {
    version: '1.1',
    schema: 'failsafe',
    customTags: (tags) => [...tags, ...pyyamlTags],
    merge: true,
    stringKeys: true,
    prettyErrors: false,
  });
  // An unknown tag (`!!set`, `!!binary`, `!!timestamp`…) would silently become a string: refuse it.
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) {
    // The YAML parser recurses: thousands of nesting levels exhaust the stack before our depth check.
    const why = /call stack/i.test(problem.message)
      ? `lists and maps nested more than ${MAX_PARAMETER_DEPTH} levels deep (Python's parser stops at 200)`
      : `not valid YAML: ${problem.message.split('\n')[0]}`;
    throw new ParameterError(`${what}: ${why}`, { cause: problem });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ParameterError(`${what}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const mapping = asMapping(value, what);
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
  let bytes: Buffer;
  try {
    bytes = await readFile(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ParameterError(`-f ${path}: cannot read the parameters file (${code ?? (err as Error).message})`, { cause: err });
  }
  let text: string;
  try {
    text = decodeUtf8Strict(bytes);
  } catch (err) {
    throw new ParameterError(`-f ${path}: not UTF-8 text: ${(err as Error).message}`, { cause: err });
  }
  // A byte order mark is not part of the text (editors on Windows write one).
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
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
