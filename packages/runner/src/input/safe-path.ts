/**
 * Where names from outside (archive entries, link targets, S3 keys) land in the work dir:
 * the names are checked by the contract's policy (../bundle-path.ts), the file system here
 * (links already written may not redirect a write). Nothing may land outside the root.
 */
import { lstat, mkdir, realpath, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { bundlePath } from '../bundle-path.js';
import { BundleError } from '../errors.js';

/** True when `child` is `root` or below it (both absolute and normalized). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Turns an entry name into a path below `root` by the contract's one policy
 * ({@link bundlePath}: no absolute path, `..`, backslash, control character…; `./a//b` is
 * `a/b`). `source` names the archive in the error; `directory` allows the root itself.
 *
 * @example resolveEntry('/work/bundle', './src/utils.py', 'bundle.zip') // '/work/bundle/src/utils.py'
 */
export function resolveEntry(root: string, name: string, source: string, directory = false): string {
  const canonical = bundlePath(name, { source, directory });
  return canonical === '' ? root : join(root, canonical);
}

/**
 * Prepares to write a file at `path` (below `realRoot`, the root's real path): creates its
 * parent, checks the parent's real path is still inside (no earlier link redirects it),
 * and removes an existing link at `path` so the write cannot follow it.
 */
export async function prepareWrite(realRoot: string, path: string, source: string, entry: string): Promise<void> {
  const parent = dirname(path);
  await mkdir(parent, { recursive: true });
  const realParent = await realpath(parent);
  if (!isInside(realRoot, realParent)) {
    throw new BundleError(`${source}: entry ${JSON.stringify(entry)} would be written through a link outside the bundle (refused)`);
  }
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isSymbolicLink()) await unlink(path);
}

/** Resolves `root` to its real path (the work dir may itself sit behind a link, e.g. /tmp on macOS). */
export async function realRoot(root: string): Promise<string> {
  return realpath(resolve(root));
}
