/**
 * Checks of paths inside a bundle, applied when a bundle is made and again when it is
 * unpacked (a bundle may come from elsewhere): relative, `/`-separated, no `..`.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { BundleError } from '../errors.js';

/**
 * Returns the entry name if it is a safe relative path, else throws a BundleError.
 * A trailing `/` (a directory entry) is allowed.
 * @example checkEntryName('data/train.csv') // 'data/train.csv'
 */
export function checkEntryName(name: string): string {
  const bad = (why: string) => new BundleError(`unsafe path in bundle '${name}': ${why}`, name);
  if (name === '' || name === '/') throw bad('empty');
  if (name.includes('\0')) throw bad('contains a NUL byte');
  if (name.includes('\\')) throw bad('contains a backslash');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw bad('absolute');
  const segments = name.replace(/\/$/, '').split('/');
  for (const s of segments) {
    if (s === '..') throw bad("has a '..' segment");
    if (s === '' || s === '.') throw bad("has an empty or '.' segment");
  }
  return name;
}

/**
 * Where an entry lands under `dest`, refusing anything that would land outside it.
 * @example resolveEntryPath('/tmp/job', 'data/x.csv') // '/tmp/job/data/x.csv'
 */
export function resolveEntryPath(dest: string, name: string): string {
  checkEntryName(name);
  const target = resolve(dest, name);
  const rel = relative(resolve(dest), target);
  if (rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) {
    throw new BundleError(`unsafe path in bundle '${name}': lands outside ${dest}`, name);
  }
  return target;
}
