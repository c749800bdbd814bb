import { describe, expect, it } from 'vitest';
import { globToRegExp, isGlobPattern } from '../../src/bundle/glob.js';

describe('globToRegExp', () => {
  it.each([
    ['*.py', 'helpers.py', true],
    ['*.py', 'sub/helpers.py', false],
    ['*.py', '.hidden.py', false],
    ['**/*.py', 'helpers.py', true],
    ['**/*.py', 'a/b/helpers.py', true],
    ['utils/**', 'utils/a/b.txt', true],
    ['utils/**', 'other/a.txt', false],
    ['data/?.csv', 'data/a.csv', true],
    ['data/?.csv', 'data/ab.csv', false],
    ['{a,b}.txt', 'b.txt', true],
    ['{a,b}.txt', 'c.txt', false],
    ['[ab].txt', 'a.txt', true],
    ['[!ab].txt', 'a.txt', false],
    ['file.name+(1).txt', 'file.name+(1).txt', true],
    ['file.name', 'fileXname', false],
  ])('%s against %s → %s', (pattern, path, expected) => {
    expect(globToRegExp(pattern).test(path)).toBe(expected);
  });

  it.each([
    ['*.py', true],
    ['utils/**', true],
    ['helpers.py', false],
    ['data/', false],
  ])('isGlobPattern(%s) → %s', (pattern, expected) => {
    expect(isGlobPattern(pattern)).toBe(expected);
  });
});
