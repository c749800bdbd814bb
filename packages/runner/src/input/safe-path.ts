/**
 * Path checks for everything written into the work dir from outside: archive entries,
 * link targets, S3 keys. Nothing may land outside the root.
 */
import { lstat, mkdir, realpath, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { BundleError } from '../errors.js';

/** True when `child` is `root` or below it (both absolute and normalized). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Turns an archive entry name into a path below `root`, refusing absolute names, drive
 * letters, `..` segments and NUL bytes. `source` names the archive in the error.
 *
 * @example resolveEntry('/work/bundle', 'src/utils.py', 'bundle.zip') // '/work/bundle/src/utils.py'
 */
export function resolveEntry(root: string, name: string, source: string): string {
  const shown = JSON.stringify(name.length > 200 ? name.slice(0, 200) + '…' : name);
  if (name.includes('\0')) throw new BundleError(`${source}: entry ${shown} has a NUL byte in its name`);
  // Backslashes are separators on Windows-made archives; treat them as such so `..\\x` is caught.
  const normalized = name.replace(/\\/g, '/');
  if (normalized.startsWith('/') || /^[A-Za-z]:/.test(normalized)) {
    throw new BundleError(`${source}: entry ${shown} has an absolute path (refused)`);
  }
  const parts = normalized.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new BundleError(`${source}: entry ${shown} has a '..' segment (refused)`);
  return parts.length ? join(root, ...parts) : root;
}

/**
 * Checks a symlink target written at `linkPath`: it must be relative and resolve inside
 * `root` without leaving it at any point.
 */
export function checkLinkTarget(root: string, linkPath: string, target: string, source: string, entry: string): void {
  const normalized = target.replace(/\\/g, '/');
  if (normalized.startsWith('/') || /^[A-Za-z]:/.test(normalized) || target.includes('\0')) {
    throw new BundleError(`${source}: link ${JSON.stringify(entry)} points to an absolute path (refused)`);
  }
  let at = dirname(linkPath);
  for (const part of normalized.split('/')) {
    if (part === '' || part === '.') continue;
    at = part === '..' ? dirname(at) : join(at, part);
    if (!isInside(root, at)) {
      throw new BundleError(`${source}: link ${JSON.stringify(entry)} points outside the bundle (refused)`);
    }
  }
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
