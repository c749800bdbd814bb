/**
 * Kernelspec discovery as Jupyter does it: `jupyter_core.paths.jupyter_path('kernels')`
 * searched in order, first hit wins per (lower-cased) name, as jupyter_client's
 * KernelSpecManager does.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { KernelNotFoundError, KernelStartError } from '../../errors.js';
import { NATIVE_KERNEL_NAME, type KernelSpecInfo } from '../types.js';

/** Where to look for kernelspecs. */
export interface KernelSpecSearchOptions {
  /** Environment to read `JUPYTER_PATH`, `JUPYTER_DATA_DIR`, `NBRUN_PYTHON`... from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Extra Jupyter data dirs (each holding `kernels/`), searched before all others. */
  dataDirs?: string[];
  /** Python that runs Python kernels (its prefix's `share/jupyter` is searched). Default `NBRUN_PYTHON`. */
  python?: string;
}

const SYSTEM_DATA_DIRS = ['/usr/local/share/jupyter', '/usr/share/jupyter'];

// jupyter_client's _is_valid_kernel_name (case-insensitive).
const VALID_KERNEL_NAME = /^[a-z0-9._-]+$/i;

/**
 * The Jupyter data dirs in search order (`jupyter --paths` "data" section).
 * @example jupyterDataDirs({ env: { JUPYTER_PATH: '/opt/jupyter' } })[0] // '/opt/jupyter'
 */
export function jupyterDataDirs(options: KernelSpecSearchOptions = {}): string[] {
  const env = options.env ?? process.env;
  const fromPath = (env.JUPYTER_PATH ?? '').split(delimiter).filter(Boolean);
  const user = env.JUPYTER_DATA_DIR || join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'jupyter');
  const python = options.python ?? env.NBRUN_PYTHON;
  const envDirs = python ? [join(pythonPrefix(python), 'share', 'jupyter')] : [];
  const preferEnv = /^(1|true|yes|on)$/i.test(env.JUPYTER_PREFER_ENV_PATH ?? '');
  const ordered = [
    ...(options.dataDirs ?? []),
    ...fromPath,
    ...(preferEnv ? [...envDirs, user] : [user, ...envDirs]),
    ...SYSTEM_DATA_DIRS,
  ].map((d) => resolve(d));
  return [...new Set(ordered)];
}

/**
 * Finds every kernelspec, first hit per name winning, sorted by name. Unreadable or
 * invalid kernel.json files are left out (as Jupyter does).
 * @example const specs = await findKernelSpecs(); specs.map((s) => s.name) // ['ir', 'python3']
 */
export async function findKernelSpecs(options: KernelSpecSearchOptions = {}): Promise<KernelSpecInfo[]> {
  const dirs = await findKernelDirs(options);
  const specs = await Promise.all(
    [...dirs].map(([name, dir]) => readKernelSpec(name, dir).catch(() => undefined)),
  );
  return specs.filter((s): s is KernelSpecInfo => s !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Finds one kernelspec by name (case-insensitive, as Jupyter). `python` means the native
 * Python kernel, `python3`, as jupyter_client's KernelManager has it (a kernelspec named
 * `python` is used only when there is no `python3`).
 * @throws KernelNotFoundError listing the available names; KernelStartError if its kernel.json is broken.
 * @example const spec = await findKernelSpec('python') // the python3 kernelspec
 */
export async function findKernelSpec(name: string, options: KernelSpecSearchOptions = {}): Promise<KernelSpecInfo> {
  const dirs = await findKernelDirs(options);
  const wanted = name.toLowerCase();
  const resolved = wanted === 'python' && dirs.has(NATIVE_KERNEL_NAME) ? NATIVE_KERNEL_NAME : wanted;
  const dir = dirs.get(resolved);
  if (!dir) throw new KernelNotFoundError(name, [...dirs.keys()].sort());
  return readKernelSpec(resolved, dir);
}

/** Maps lower-cased kernel name → resource dir, first data dir winning. */
async function findKernelDirs(options: KernelSpecSearchOptions): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const dataDir of jupyterDataDirs(options)) {
    const kernelsDir = join(dataDir, 'kernels');
    let entries: string[];
    try {
      entries = await readdir(kernelsDir);
    } catch {
      continue;
    }
    for (const entry of entries.sort()) {
      const name = entry.toLowerCase();
      if (found.has(name) || !VALID_KERNEL_NAME.test(entry)) continue;
      const dir = join(kernelsDir, entry);
      if (await isFile(join(dir, 'kernel.json'))) found.set(name, dir);
    }
  }
  return found;
}

async function readKernelSpec(name: string, resourceDir: string): Promise<KernelSpecInfo> {
  const file = join(resourceDir, 'kernel.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new KernelStartError(`cannot read kernelspec ${file}: ${(err as Error).message}`, { cause: err });
  }
  const spec = raw as Record<string, unknown>;
  const argv = spec.argv;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new KernelStartError(`kernelspec ${file} has no valid "argv" (a non-empty list of strings)`);
  }
  const env = spec.env;
  if (env !== undefined && (typeof env !== 'object' || env === null || Object.values(env).some((v) => typeof v !== 'string'))) {
    throw new KernelStartError(`kernelspec ${file} has an invalid "env" (an object of strings)`);
  }
  const interrupt = spec.interrupt_mode;
  return {
    name,
    displayName: typeof spec.display_name === 'string' ? spec.display_name : name,
    language: typeof spec.language === 'string' ? spec.language : '',
    argv: argv as string[],
    env: (env as Record<string, string> | undefined) ?? {},
    interruptMode: interrupt === 'message' ? 'message' : 'signal',
    resourceDir,
    metadata: typeof spec.metadata === 'object' && spec.metadata !== null ? (spec.metadata as Record<string, unknown>) : {},
  };
}

/**
 * The Python to run a kernelspec whose argv[0] is `python`/`python3`/`python3.X` with, as
 * jupyter_client uses its own `sys.executable`: the python of the prefix the kernelspec is
 * installed in (`<prefix>/share/jupyter/kernels/x` → `<prefix>/bin/python3`), else the
 * configured one (`NBRUN_PYTHON`), else undefined (argv kept as is).
 * @example pythonForKernelSpec('/usr/share/jupyter/kernels/octave') // '/usr/bin/python3'
 */
export function pythonForKernelSpec(resourceDir: string, configured?: string): string | undefined {
  const kernelsDir = dirname(resolve(resourceDir));
  const suffix = `${sep}share${sep}jupyter${sep}kernels`;
  if (kernelsDir.endsWith(suffix)) {
    const prefix = kernelsDir.slice(0, -suffix.length) || sep;
    for (const exe of ['python3', 'python']) {
      const candidate = join(prefix, 'bin', exe);
      if (existsSync(candidate)) return candidate;
    }
  }
  return configured || undefined;
}

/** `<prefix>` of `<prefix>/bin/python3`. */
export function pythonPrefix(python: string): string {
  return dirname(dirname(resolve(python)));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
