/**
 * Entry names and what the bundle path policy (src/bundle-path.ts) makes of each: the table
 * the policy's unit test, the runner's unpacker and the drivers' bundler are all run against.
 */
import type { BundlePathProblem } from '../../src/bundle-path.js';

export interface NameCase {
  /** What the row is about. */
  why: string;
  /** The name as an archive or a caller gives it. */
  name: string;
  /** The canonical name when accepted (a file entry). */
  canonical?: string;
  /** Why it is refused. */
  problem?: BundlePathProblem;
  /** False when a tar header cannot carry the name (a NUL ends it). */
  tar?: boolean;
  /** False when a zip cannot carry it as given (a lone surrogate is written as U+FFFD). */
  zip?: boolean;
}

const accept = (why: string, name: string, canonical = name): NameCase => ({ why, name, canonical });
const refuse = (why: string, name: string, problem: BundlePathProblem, more: Partial<NameCase> = {}): NameCase => ({ why, name, problem, ...more });

/** 255 bytes: the longest segment; 3072: the longest name. */
const SEGMENT_255 = 'é'.repeat(127) + 'x';
const NAME_3072 = ('d'.repeat(200) + '/').repeat(15) + 'f'.repeat(57);

export const NAME_CASES: NameCase[] = [
  accept('plain', 'nb.ipynb'),
  accept('nested', 'data/train.csv'),
  accept('hidden file', '.env.example'),
  accept('dots that are not ..', '...', '...'),
  accept('..-prefixed name', '..data/x', '..data/x'),
  accept('spaces', 'my data/a b.csv'),
  accept('unicode', 'données/日本語/naïve 😀.csv'),
  accept('unicode, decomposed (kept, not normalised)', 'cafe\u0301.txt'),
  accept('segment of 255 bytes', SEGMENT_255),
  accept('name of 3072 bytes', NAME_3072),
  accept("leading './' (tar -C dir .)", './data/train.csv', 'data/train.csv'),
  accept("repeated './'", '././a.py', 'a.py'),
  accept("interior '.'", 'a/./b.py', 'a/b.py'),
  accept('repeated slash', 'a//b.py', 'a/b.py'),
  refuse('empty', '', 'empty', { tar: false }),
  refuse("the root '.'", '.', 'root'),
  refuse('absolute POSIX', '/etc/passwd', 'absolute'),
  refuse('absolute POSIX, double slash', '//x', 'absolute'),
  refuse('Windows drive', 'C:\\x.txt', 'absolute'),
  refuse('Windows drive, forward slash', 'C:/x.txt', 'absolute'),
  refuse('Windows drive-relative', 'C:x.txt', 'absolute'),
  refuse('UNC', '\\\\server\\share\\x', 'absolute'),
  refuse('Windows root-relative', '\\x.txt', 'absolute'),
  refuse("'..'", '..', 'parent'),
  refuse("leading '..'", '../x.txt', 'parent'),
  refuse("nested '..' escaping", 'a/../../x.txt', 'parent'),
  refuse("'..' staying inside", 'a/../b.txt', 'parent'),
  refuse("trailing '..'", 'a/..', 'parent'),
  refuse('backslash', 'a\\b.txt', 'backslash'),
  refuse("backslash '..'", '..\\x.txt', 'backslash'),
  refuse('NUL', 'a\0b.txt', 'control', { tar: false }),
  refuse('newline', 'a\nb.txt', 'control'),
  refuse('carriage return', 'a\r.txt', 'control'),
  refuse('tab', 'a\tb.txt', 'control'),
  refuse('escape', 'a\x1b[31m.txt', 'control'),
  refuse('DEL', 'a\x7f.txt', 'control'),
  refuse('C1 (NEL)', 'a\u0085.txt', 'control'),
  refuse('line separator', 'a\u2028.txt', 'control'),
  refuse('lone surrogate', 'a\ud800.txt', 'not-unicode', { zip: false, tar: false }),
  refuse('segment of 256 bytes', 'é'.repeat(128), 'too-long'),
  refuse('name of 3073 bytes', NAME_3072 + 'f', 'too-long'),
];
