/**
 * Turns a `--deps` list (names, directories, globs, comma-separated) into the files a
 * bundle carries, each with its safe path inside the bundle. Everything is checked here,
 * before any backend is contacted: a missing file, a path outside the notebook's folder,
 * a link pointing out — each is a {@link BundleError}.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { BundleError } from '../errors.js';
import { globToRegExp, isGlobPattern } from './glob.js';

/** The option every dependency error is about. */
const DEPS = { hint: { option: 'dependencies' } };

/** One file going into a bundle: where it is read from, and its path inside the bundle. */
export interface BundleFile {
  /** Absolute path on this machine. */
  source: string;
  /** Relative `/`-separated path inside the bundle. */
  entry: string;
}

export interface ResolveDependenciesOptions {
  /** Allow files outside the notebook's folder (named ones only; they go to the bundle's root). */
  allowOutside?: boolean;
}

/** Folders never carried when a directory or `**` is walked. */
const SKIPPED_DIRS = new Set(['.git', '.ipynb_checkpoints', '__pycache__', 'node_modules']);

/**
 * Splits a `--deps` value on commas that are not inside `{…}`.
 * @example splitDependencyList('*.py,{a,b}.csv') // ['*.py', '{a,b}.csv']
 */
export function splitDependencyList(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of list) {
    if (c === '{') depth++;
    if (c === '}' && depth > 0) depth--;
    if (c === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  items.push(current);
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

interface WalkedEntry {
  rel: string;
  abs: string;
  isDir: boolean;
  /** Set for a link whose target is outside the root (the link's target). */
  linksOutTo?: string;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/** Lists everything below `dir` (following links that stay inside `realRoot`). */
async function walk(dir: string, relBase: string, realRoot: string, out: WalkedEntry[], seen: Set<string>): Promise<void> {
  const real = await realpath(dir);
  if (seen.has(real)) return; // a link loop
  seen.add(real);
  const dirents = await readdir(dir, { withFileTypes: true });
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of dirents) {
    const abs = join(dir, d.name);
    const rel = relBase ? `${relBase}/${d.name}` : d.name;
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(abs);
      } catch {
        continue; // a dangling link carries nothing
      }
      if (!isInside(realRoot, target)) {
        out.push({ rel, abs, isDir: false, linksOutTo: target });
        continue;
      }
      isDir = (await stat(abs)).isDirectory();
    }
    if (isDir) {
      if (SKIPPED_DIRS.has(d.name)) continue;
      out.push({ rel, abs, isDir: true });
      await walk(abs, rel, realRoot, out, seen);
    } else if (d.isFile() || d.isSymbolicLink()) {
      out.push({ rel, abs, isDir: false });
    }
  }
}

function linkOutError(item: string, rel: string, target: string): BundleError {
  return new BundleError(
    `dependencies '${item}': '${rel}' is a link to '${target}', outside the notebook's folder (copy the file in, or pass allowOutside)`,
    rel,
    DEPS,
  );
}

/**
 * Resolves dependency patterns relative to `notebookDir` into files.
 *
 * @example
 * const files = await resolveDependencies('/work/nb', ['*.py', 'data/']);
 * // [{ source: '/work/nb/helpers.py', entry: 'helpers.py' }, { source: '/work/nb/data/x.csv', entry: 'data/x.csv' }]
 */
export async function resolveDependencies(
  notebookDir: string,
  patterns: string[],
  options: ResolveDependenciesOptions = {},
): Promise<BundleFile[]> {
  const root = resolve(notebookDir);
  const realRoot = await realpath(root);
  const files = new Map<string, BundleFile>();
  let walked: WalkedEntry[] | undefined;
  const listAll = async () => {
    if (!walked) {
      walked = [];
      await walk(root, '', realRoot, walked, new Set());
    }
    return walked;
  };
  const add = (source: string, entry: string, item: string) => {
    const existing = files.get(entry);
    if (existing && existing.source !== source) {
      throw new BundleError(`dependencies '${item}': '${entry}' would be carried twice (from '${existing.source}' and '${source}')`, entry, DEPS);
    }
    files.set(entry, { source, entry });
  };
  const addTree = async (abs: string, entryBase: string, item: string) => {
    const below: WalkedEntry[] = [];
    await walk(abs, entryBase, options.allowOutside ? await realpath(abs) : realRoot, below, new Set());
    for (const e of below) {
      if (e.linksOutTo && !options.allowOutside) throw linkOutError(item, e.rel, e.linksOutTo);
      if (!e.isDir && !e.linksOutTo) add(e.abs, e.rel, item);
    }
  };

  for (const raw of patterns) {
    const item = raw.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
    if (item === '' || item === '.') {
      throw new BundleError(`dependencies '${raw}': name files, folders or globs inside the notebook's folder, not the folder itself`, raw, DEPS);
    }
    if (isGlobPattern(item)) {
      if (isAbsolute(item) || item.split('/').includes('..')) {
        throw new BundleError(`dependencies '${raw}': a glob must stay inside the notebook's folder (no '..', no absolute path)`, raw, DEPS);
      }
      const re = globToRegExp(item.replace(/\/+$/, ''));
      const matches = (await listAll()).filter((e) => re.test(e.rel));
      if (matches.length === 0) throw new BundleError(`dependencies '${raw}': matched no file in ${root}`, raw, DEPS);
      for (const m of matches) {
        if (m.linksOutTo) {
          if (!options.allowOutside) throw linkOutError(raw, m.rel, m.linksOutTo);
          add(m.linksOutTo, m.rel, raw);
        } else if (m.isDir) {
          await addTree(m.abs, m.rel, raw);
        } else {
          add(m.abs, m.rel, raw);
        }
      }
      continue;
    }
    const abs = resolve(root, item);
    const inside = isInside(root, abs);
    if (!inside && !options.allowOutside) {
      throw new BundleError(
        `dependencies '${raw}': '${abs}' is outside the notebook's folder ${root} (move it in, or pass allowOutside)`,
        raw,
        DEPS,
      );
    }
    let info;
    try {
      info = await lstat(abs);
    } catch (err) {
      throw new BundleError(`dependencies '${raw}': no such file or directory: ${abs}`, raw, { ...DEPS, cause: err });
    }
    let real = abs;
    if (info.isSymbolicLink()) {
      try {
        real = await realpath(abs);
      } catch (err) {
        throw new BundleError(`dependencies '${raw}': '${abs}' is a dangling link`, raw, { ...DEPS, cause: err });
      }
      if (!isInside(realRoot, real) && !options.allowOutside) throw linkOutError(raw, item, real);
      info = await stat(abs);
    } else if (inside) {
      // A parent folder may be a link pointing out.
      real = await realpath(abs);
      if (!isInside(realRoot, real) && !options.allowOutside) throw linkOutError(raw, item, real);
    }
    const entry = inside ? toPosix(relative(root, abs)) : basename(abs);
    if (info.isDirectory()) await addTree(abs, entry, raw);
    else if (info.isFile()) add(abs, entry, raw);
    else throw new BundleError(`dependencies '${raw}': '${abs}' is not a regular file or directory`, raw, DEPS);
  }
  return [...files.values()].sort((a, b) => (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0));
}
