/**
 * What a safe path inside a bundle is — one policy for every name that comes from outside:
 * archive entries and link targets the runner unpacks, the entries drivers bundle and the
 * results they unpack, the spec's `notebook`/`cwd`/`output`, the service's `files`. Pure
 * (no file system): where a name lands is each side's business, whether it is safe is this.
 *
 * A safe name is relative and `/`-separated; a leading `./`, `.` segments, repeated and
 * trailing slashes are dropped (`tar -C dir .` writes `./a/b`), so `./a//b/` is `a/b`, and
 * two names with one canonical form are the same entry. Refused: an empty name, an absolute
 * path (`/x`, `C:\x`, `C:x`, `\\server\x`), a `..` segment, a backslash, a control
 * character (or a line/paragraph separator), text that is not Unicode (a lone surrogate),
 * a segment over 255 bytes (Linux's NAME_MAX) or a name over 3072 bytes (UTF-8; Linux's
 * PATH_MAX is 4096 for the whole path, the folder it is unpacked in included). Names are
 * not Unicode-normalised: `é` and `e\u0301` are two files, as on Linux.
 */
import { BundleError } from './errors.js';

/** Longest segment (a file or folder name), in UTF-8 bytes. */
export const BUNDLE_PATH_MAX_SEGMENT_BYTES = 255;
/** Longest canonical name, in UTF-8 bytes (room left for the folder it lands in). */
export const BUNDLE_PATH_MAX_BYTES = 3072;

/** Why a name was refused. */
export type BundlePathProblem =
  | 'empty'
  | 'root'
  | 'absolute'
  | 'parent'
  | 'backslash'
  | 'control'
  | 'not-unicode'
  | 'too-long'
  | 'outside';

/**
 * A name (or a link's target) that is not a safe bundle path: `entry` is the offending
 * name as given, `problem` why and `reason` the same in words; `E_BUNDLE`, exit 2.
 *
 * @example try { bundlePath('../x') } catch (e) { (e as BundlePathError).problem } // 'parent'
 */
export class BundlePathError extends BundleError {
  constructor(
    message: string,
    readonly entry: string,
    readonly problem: BundlePathProblem,
    readonly reason: string,
  ) {
    super(message);
  }
}

export interface BundlePathOptions {
  /** Names the archive, file or field in the message (default `bundle`). */
  source?: string;
  /** A folder: the bundle's own root (`.`, `./`) is allowed and canonicalises to `''`. */
  directory?: boolean;
}

// C0, DEL, C1 (\p{Cc}) and U+2028/U+2029, which break a log line as \n does.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const DRIVE = /^[A-Za-z]:/;
// In a u-mode RegExp a lone surrogate is a code point of category Cs; pairs are not.
const LONE_SURROGATE = /\p{Cs}/u;

const REASONS: Record<Exclude<BundlePathProblem, 'outside'>, string> = {
  empty: 'has an empty name',
  root: "names the bundle's folder itself",
  absolute: 'has an absolute path',
  parent: "has a '..' segment",
  backslash: "has a backslash: '/' separates folders",
  control: 'has a control character',
  'not-unicode': 'is not valid Unicode',
  'too-long': `is too long: over ${BUNDLE_PATH_MAX_SEGMENT_BYTES} bytes in a segment or ${BUNDLE_PATH_MAX_BYTES} in all`,
};

/** A name for a message: quoted with its control characters escaped, at most 200 characters. */
function show(name: string): string {
  return JSON.stringify(name.length > 200 ? name.slice(0, 200) + '…' : name).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** The problem with a name's characters and form, or its segments when there is none. */
function check(name: string): { problem: Exclude<BundlePathProblem, 'outside'> } | { segments: string[] } {
  if (name === '') return { problem: 'empty' };
  if (LONE_SURROGATE.test(name)) return { problem: 'not-unicode' };
  if (CONTROL.test(name)) return { problem: 'control' };
  if (name.startsWith('/') || DRIVE.test(name)) return { problem: 'absolute' };
  if (name.includes('\\')) return { problem: name.startsWith('\\') ? 'absolute' : 'backslash' };
  const all = name.split('/');
  if (all.includes('..')) return { problem: 'parent' };
  const segments = all.filter((s) => s !== '' && s !== '.');
  const tooLong = segments.some((s) => Buffer.byteLength(s) > BUNDLE_PATH_MAX_SEGMENT_BYTES) || Buffer.byteLength(segments.join('/')) > BUNDLE_PATH_MAX_BYTES;
  if (tooLong) return { problem: 'too-long' };
  return { segments };
}

/**
 * The canonical form of a bundle entry name, or a {@link BundlePathError} naming it and why.
 *
 * @example
 * bundlePath('./data//train.csv') // 'data/train.csv'
 * bundlePath('.', { directory: true }) // ''
 * bundlePath('..\\evil', { source: 'bundle.zip' }) // throws: bundle.zip: entry "..\\evil" has a backslash: '/' separates folders (refused)
 */
export function bundlePath(name: string, options: BundlePathOptions = {}): string {
  const source = options.source ?? 'bundle';
  const result = check(name);
  const problem = 'problem' in result ? result.problem : result.segments.length === 0 && !options.directory ? 'root' : undefined;
  if (problem) throw new BundlePathError(`${source}: entry ${show(name)} ${REASONS[problem]} (refused)`, name, problem, REASONS[problem]);
  return (result as { segments: string[] }).segments.join('/');
}

/**
 * Where a symbolic link at entry `link` points, as a canonical entry name (`''`: the
 * bundle's root), or a {@link BundlePathError}. The target passes the checks of
 * {@link bundlePath}, except that `..` segments are allowed while they stay inside the bundle.
 *
 * @example
 * bundleLinkTarget('data/latest.csv', '../raw/2024.csv') // 'raw/2024.csv'
 * bundleLinkTarget('escape', '../..') // throws: bundle: link "escape" -> "../.." points outside the bundle (refused)
 */
export function bundleLinkTarget(link: string, target: string, options: Pick<BundlePathOptions, 'source'> = {}): string {
  const source = options.source ?? 'bundle';
  const at = bundlePath(link, { source }).split('/').slice(0, -1);
  const fail = (problem: BundlePathProblem, reason: string) =>
    new BundlePathError(`${source}: link ${show(link)} -> ${show(target)}${reason.startsWith('target') ? ':' : ''} ${reason} (refused)`, target, problem, reason);
  // `..` is checked step by step below; everything else as for an entry name.
  const result = check(target.split('/').map((s) => (s === '..' ? '.' : s)).join('/'));
  if ('problem' in result) {
    const problem = target === '' ? 'empty' : result.problem;
    throw fail(problem, problem === 'absolute' ? 'points to an absolute path' : `target ${REASONS[problem]}`);
  }
  for (const s of target.split('/')) {
    if (s === '' || s === '.') continue;
    if (s !== '..') at.push(s);
    else if (at.pop() === undefined) throw fail('outside', 'points outside the bundle');
  }
  return at.join('/');
}
