/**
 * The bundle path policy (src/bundle-path.ts), table-driven: every name the drivers write
 * and the runner unpacks passes through it, so the table is the contract.
 */
import { describe, expect, it } from 'vitest';
import { BundlePathError, bundleLinkTarget, bundlePath, type BundlePathProblem } from '../src/contract.js';
import { NAME_CASES } from './helpers/bundle-names.js';

function verdict(run: () => string): { canonical: string } | { problem: BundlePathProblem; message: string } {
  try {
    return { canonical: run() };
  } catch (err) {
    if (!(err instanceof BundlePathError)) throw err;
    expect(err.code).toBe('E_BUNDLE');
    expect(err.exitCode).toBe(2);
    return { problem: err.problem, message: err.message };
  }
}

describe('bundlePath', () => {
  it.each(NAME_CASES)('$why', ({ name, canonical, problem }) => {
    const got = verdict(() => bundlePath(name, { source: 'bundle.zip' }));
    if (canonical !== undefined) {
      expect(got).toEqual({ canonical });
      // Canonical is a fixed point: checking it again changes nothing.
      expect(bundlePath(canonical)).toBe(canonical);
    } else {
      expect(got).toMatchObject({ problem });
      const { message } = got as { message: string };
      // One line naming the archive and the entry, whatever the entry holds.
      expect(message).toMatch(/^bundle\.zip: entry ".*" .+ \(refused\)$/);
      // eslint-disable-next-line no-control-regex
      expect(message).not.toMatch(/[\n\r\u2028\u2029\0\x1b]/);
      expect(message.length).toBeLessThan(400);
    }
  });

  it.each([
    ['data/', 'data'],
    ['./data//sub/', 'data/sub'],
    ['./', ''],
    ['.', ''],
    ['.//./', ''],
  ])('directory %j is %j (the root allowed)', (name, canonical) => {
    expect(bundlePath(name, { directory: true })).toBe(canonical);
  });

  it("refuses the root as a file, and '' even as a directory", () => {
    expect(verdict(() => bundlePath('./'))).toMatchObject({ problem: 'root' });
    expect(verdict(() => bundlePath('', { directory: true }))).toMatchObject({ problem: 'empty' });
  });

  it('names the offending entry and the default source', () => {
    const err = (() => {
      try {
        bundlePath('../evil');
      } catch (e) {
        return e as BundlePathError;
      }
    })()!;
    expect(err.entry).toBe('../evil');
    expect(err.message).toBe(`bundle: entry "../evil" has a '..' segment (refused)`);
  });
});

describe('bundleLinkTarget', () => {
  const cases: [string, string, string, string | BundlePathProblem][] = [
    ['sibling', 'data/latest.csv', '2024.csv', 'data/2024.csv'],
    ["'..' inside", 'data/latest.csv', '../raw/2024.csv', 'raw/2024.csv'],
    ['to the root', 'sub/up', '..', ''],
    ["'./' prefix", 'a', './b', 'b'],
    ['out by ..', 'escape', '../x', 'outside'],
    ['out and back in', 'a/l', '../../bundle/x', 'outside'],
    ['absolute', 'l', '/etc', 'absolute'],
    ['Windows drive', 'l', 'C:\\Windows', 'absolute'],
    ['UNC', 'l', '\\\\server\\share', 'absolute'],
    ['backslash', 'l', 'a\\b', 'backslash'],
    ['backslash ..', 'sub/l', '..\\x', 'backslash'],
    ['control character', 'l', 'a\nb', 'control'],
    ['empty', 'l', '', 'empty'],
    ['segment of 256 bytes', 'l', 'x'.repeat(256), 'too-long'],
  ];
  it.each(cases)('%s: %s -> %j', (_why, link, target, expected) => {
    const got = verdict(() => bundleLinkTarget(link, target, { source: 'links.tar' }));
    if ('canonical' in got) expect(got.canonical).toBe(expected);
    else {
      expect(got.problem).toBe(expected);
      expect(got.message).toMatch(/^links\.tar: link ".*" -> ".*":? .+ \(refused\)$/);
    }
  });

  it('checks the link name itself as an entry', () => {
    expect(verdict(() => bundleLinkTarget('../l', 'x'))).toMatchObject({ problem: 'parent' });
  });
});
