/**
 * A bundle: the notebook, the files it needs, the job spec (`nbrun-job.json`) and,
 * optionally, the runner's built `dist/` (under `.nbrun-runner/`), collected in memory by
 * entry name. Each platform encodes it once, in its own wrapping: files in a directory
 * (local), a tar streamed to the engine (docker), a zip in a bucket or FfDL's
 * model_definition zip — compressed off the event loop.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { unzipSync, zip as zipAsync, type AsyncZippable } from 'fflate';
import { FloatValue, ParameterError } from '@nbrun/core';
import { stringifyParameterValue, validateParameters } from '@nbrun/core/parameters';
import { JOB_SPEC_FILE_NAME, bundlePath, isRunnerDistFile, validateJobSpec, type JobSpec } from '@nbrun/runner/contract';
import { BundleError } from '../errors.js';
import { resolveDependencies, type BundleFile } from './dependencies.js';
import { resolveEntryPath } from './paths.js';

/** Folder inside a bundle that holds the runner's dist, when included. */
export const BUNDLED_RUNNER_DIR = '.nbrun-runner';

export interface CreateBundleOptions {
  /** Path of the notebook file. */
  notebook: string;
  /** Dependency patterns relative to the notebook's folder (see {@link resolveDependencies}). */
  dependencies?: string[];
  allowOutside?: boolean;
  /** The job spec without `notebook` (set to the notebook's entry). `input`/`results` are left to the driver. */
  spec: Omit<JobSpec, 'notebook'>;
  /** More files for the bundle by entry name (e.g. a platform's start script); names are checked. */
  extraFiles?: Record<string, Uint8Array>;
  /** A runner `dist/` directory (and its entry file name) to include under {@link BUNDLED_RUNNER_DIR}. */
  runnerDist?: { dir: string; entry: string };
}

/** A bundle built in memory. */
export interface Bundle {
  /** Every file by entry name (the names checked). */
  files: ReadonlyMap<string, Uint8Array>;
  /** The bundle as one zip (made on first call, off the event loop), for platforms that take one file. */
  zip(): Promise<Uint8Array>;
  /** The notebook's path inside the bundle. */
  notebookEntry: string;
  /** Every file entry, sorted. */
  entries: string[];
  /** The job spec stored as {@link JOB_SPEC_FILE_NAME}. */
  spec: JobSpec;
  /** The entry of the runner's main file, when the runner was included. */
  runnerEntry?: string;
}

async function readNotebookBytes(path: string): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new BundleError(`notebook '${path}' is not a file`, path);
    return await readFile(path);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`cannot read notebook '${path}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path, {
      cause: err,
    });
  }
}

/**
 * The spec as JSON text. The runner reads it with plain JSON, and its parameters losslessly,
 * so values JSON cannot carry exactly (integers beyond 2^53, NaN, Infinity) are refused
 * rather than silently changed, and a whole float (`-p lr 1.0`, a FloatValue) is written
 * as `1.0`, which the runner reads back as a float.
 */
function serializeJobSpec(spec: JobSpec): string {
  const check = (key: string, value: unknown): void => {
    if (typeof value === 'bigint' || (typeof value === 'number' && !Number.isFinite(value))) {
      throw new ParameterError(
        `parameter value of '${key}' (${String(value)}) cannot be sent in a job spec: integers beyond 2^53, NaN and Infinity are not JSON (pass it as a string with -r)`,
      );
    }
    if (value && typeof value === 'object' && !(value instanceof FloatValue)) {
      for (const [k, v] of Object.entries(value)) check(Array.isArray(value) ? key : k, v);
    }
  };
  // The parameters are written by the lossless writer, in place of a placeholder no value can equal.
  const placeholder = `nbrun-parameters-${randomUUID()}`;
  const { parameters, ...rest } = spec;
  if (parameters) check('parameters', validateParameters(parameters));
  const text = JSON.stringify(parameters ? { ...rest, parameters: placeholder } : rest, null, 2);
  return (parameters ? text.replace(JSON.stringify(placeholder), stringifyParameterValue(validateParameters(parameters))) : text) + '\n';
}

async function listTree(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const rel = base ? `${base}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await listTree(join(dir, d.name), rel)));
    else if (d.isFile()) out.push(rel);
  }
  return out;
}

/**
 * Builds a bundle; throws a {@link BundleError} for a missing or unsafe dependency before
 * anything else happens.
 *
 * @example
 * const bundle = await createBundle({ notebook: 'nb/train.ipynb', dependencies: ['*.py'], spec: { parameters: { epochs: 2 } } });
 * await writeFile('job.zip', await bundle.zip());
 */
export async function createBundle(options: CreateBundleOptions): Promise<Bundle> {
  const notebookPath = resolve(options.notebook);
  const notebookEntry = basename(notebookPath);
  const nbBytes = await readNotebookBytes(notebookPath);
  const deps: BundleFile[] = await resolveDependencies(dirname(notebookPath), options.dependencies ?? [], {
    allowOutside: options.allowOutside,
  });
  const spec = validateJobSpec({ ...options.spec, notebook: notebookEntry }, 'job spec');
  const files = new Map<string, Uint8Array>();
  const put = (name: string, data: Uint8Array, why: string) => {
    const entry = bundlePath(name);
    if (files.has(entry)) throw new BundleError(`'${entry}' would be in the bundle twice (${why})`, entry);
    files.set(entry, data);
  };
  put(notebookEntry, nbBytes, 'the notebook');
  put(JOB_SPEC_FILE_NAME, new TextEncoder().encode(serializeJobSpec(spec)), 'the job spec; rename your file');
  for (const dep of deps) {
    if (dep.entry === notebookEntry) continue; // a glob like `*` also matches the notebook itself
    put(dep.entry, await readFile(dep.source), `dependency ${dep.source}`);
  }
  for (const [entry, data] of Object.entries(options.extraFiles ?? {})) put(entry, data, 'an extra file');
  let runnerEntry: string | undefined;
  if (options.runnerDist) {
    const dist = options.runnerDist;
    const distFiles = await listTree(dist.dir).catch((err: unknown) => {
      throw new BundleError(`cannot read the runner's dist '${dist.dir}' (build it with 'pnpm -r build')`, undefined, { cause: err });
    });
    for (const f of distFiles) {
      // The runner's entry, the chunks it loads on demand and its native zeromq addon; the
      // library build is not needed to run.
      if (f !== dist.entry && !isRunnerDistFile(f)) continue;
      put(`${BUNDLED_RUNNER_DIR}/${f}`, await readFile(join(dist.dir, f)), 'the runner');
    }
    runnerEntry = `${BUNDLED_RUNNER_DIR}/${dist.entry}`;
  }
  const entries = [...files.keys()].sort();
  let zipped: Promise<Uint8Array> | undefined;
  return { files, zip: () => (zipped ??= zipFiles(files)), notebookEntry, entries, spec, runnerEntry };
}

/**
 * Zips files by entry name, compressing off the event loop (fflate's workers); the runner's
 * files, megabytes of mostly native code, get fast compression.
 * @example const zip = await zipFiles(bundle.files)
 */
export function zipFiles(files: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array> {
  const input: AsyncZippable = {};
  for (const [name, data] of files) input[bundlePath(name)] = name.startsWith(`${BUNDLED_RUNNER_DIR}/`) ? [data, { level: 1 }] : data;
  return new Promise((resolvePromise, reject) => {
    zipAsync(input, { level: 6 }, (err, data) => (err ? reject(new BundleError(`cannot zip the bundle: ${err.message}`, undefined, { cause: err })) : resolvePromise(data)));
  });
}

/**
 * Reads a bundle's entries into memory by canonical name (`./a` is `a`), checking every name
 * as the runner does; two entries with one canonical name are refused.
 * @example const files = readBundleEntries(bundle.zip); files.get('nbrun-job.json')
 */
export function readBundleEntries(zip: Uint8Array): Map<string, Uint8Array> {
  let raw: Record<string, Uint8Array>;
  try {
    raw = unzipSync(zip);
  } catch (err) {
    throw new BundleError(`not a valid bundle zip: ${(err as Error).message}`, undefined, { cause: err });
  }
  const out = new Map<string, Uint8Array>();
  for (const [decoded, data] of Object.entries(raw)) {
    const name = utf8Name(decoded);
    const directory = name.endsWith('/');
    const entry = bundlePath(name, { source: 'bundle zip', directory });
    if (directory) continue; // directory entries carry nothing
    if (out.has(entry)) throw new BundleError(`bundle zip: entry ${JSON.stringify(name)} appears more than once (refused)`, name);
    out.set(entry, data);
  }
  return out;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A zip entry name as the runner reads it: UTF-8. fflate reads a name without the zip's UTF-8
 * flag as Latin-1, though Info-ZIP writes UTF-8 names without it; such a name is read again.
 */
function utf8Name(decoded: string): string {
  const codes = [...decoded].map((c) => c.codePointAt(0)!);
  if (!codes.some((c) => c >= 0x80) || codes.some((c) => c > 0xff)) return decoded; // ASCII, or not read as Latin-1
  try {
    return UTF8.decode(Buffer.from(decoded, 'latin1'));
  } catch {
    return decoded;
  }
}

/**
 * Unpacks a bundle zip into `dest` (see {@link writeBundleFiles}).
 * @example await unpackBundle(await bundle.zip(), '/tmp/job/input')
 */
export async function unpackBundle(zip: Uint8Array, dest: string): Promise<string[]> {
  return writeBundleFiles(readBundleEntries(zip), dest);
}

/**
 * Writes a bundle's files into `dest` (created if needed). Names are checked again; only
 * regular files and folders are written (a link in a bundle becomes a plain file, never a link).
 * @example await writeBundleFiles(bundle.files, '/tmp/job/input')
 */
export async function writeBundleFiles(entries: ReadonlyMap<string, Uint8Array>, dest: string): Promise<string[]> {
  await mkdir(dest, { recursive: true });
  for (const [name, data] of entries) {
    const target = resolveEntryPath(dest, name);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data, { flag: 'wx' }); // wx: never write through something already there
  }
  return [...entries.keys()].sort();
}
