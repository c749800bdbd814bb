import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDependencies, splitDependencyList } from '../../src/bundle/dependencies.js';
import { BundleError } from '../../src/errors.js';

let root: string;
let nbDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nbrun-deps-'));
  nbDir = join(root, 'project');
  await mkdir(join(nbDir, 'utils', 'deep'), { recursive: true });
  await mkdir(join(nbDir, 'data'), { recursive: true });
  await mkdir(join(nbDir, '.git'), { recursive: true });
  for (const f of ['train.ipynb', 'helpers.py', 'model.py', 'utils/a.py', 'utils/deep/b.py', 'data/x.csv', '.git/HEAD']) {
    await writeFile(join(nbDir, f), f);
  }
  await writeFile(join(root, 'secret.txt'), 'outside');
  await symlink(join(root, 'secret.txt'), join(nbDir, 'link-out.txt'));
  await symlink(join(nbDir, 'helpers.py'), join(nbDir, 'link-in.py'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const entries = async (patterns: string[], allowOutside = false) =>
  (await resolveDependencies(nbDir, patterns, { allowOutside })).map((f) => f.entry);

describe('resolveDependencies', () => {
  it.each([
    [['helpers.py'], ['helpers.py']],
    [['./helpers.py'], ['helpers.py']],
    [['*.py'], ['helpers.py', 'link-in.py', 'model.py']],
    [['utils'], ['utils/a.py', 'utils/deep/b.py']],
    [['utils/'], ['utils/a.py', 'utils/deep/b.py']],
    [['utils/**'], ['utils/a.py', 'utils/deep/b.py']],
    [['utils/*'], ['utils/a.py', 'utils/deep/b.py']],
    [['**/*.py'], ['helpers.py', 'link-in.py', 'model.py', 'utils/a.py', 'utils/deep/b.py']],
    [['data', 'helpers.py', 'helpers.py'], ['data/x.csv', 'helpers.py']],
  ])('%j → %j', async (patterns, expected) => {
    expect(await entries(patterns)).toEqual(expected);
  });

  it.each([
    [['missing.py'], /no such file or directory/],
    [['*.R'], /matched no file/],
    [['../secret.txt'], /outside the notebook's folder/],
    [['/etc/hostname'], /outside the notebook's folder/],
    [['../*.txt'], /must stay inside/],
    [['link-out.txt'], /is a link to .*secret\.txt/],
    [['*.txt'], /is a link to .*secret\.txt/],
    [['.'], /not the folder itself/],
    [['**/HEAD'], /matched no file/], // .git is never walked
  ])('refuses %j', async (patterns, message) => {
    const err = await resolveDependencies(nbDir, patterns).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe('E_BUNDLE');
    expect((err as Error).message).toMatch(message);
    // The message names the option (the CLI renders it as --deps), never a flag.
    expect((err as BundleError).hint).toEqual({ option: 'dependencies' });
    expect((err as Error).message).toMatch(/^dependencies '/);
  });

  it('takes a file outside the folder to the bundle root when allowed', async () => {
    const files = await resolveDependencies(nbDir, ['../secret.txt'], { allowOutside: true });
    expect(files).toEqual([{ source: join(root, 'secret.txt'), entry: 'secret.txt' }]);
  });
});

describe('splitDependencyList', () => {
  it.each([
    ['*.py', ['*.py']],
    ['*.py, data ,utils/**', ['*.py', 'data', 'utils/**']],
    ['{a,b}.csv,x', ['{a,b}.csv', 'x']],
    [',,', []],
  ])('%s → %j', (list, expected) => {
    expect(splitDependencyList(list)).toEqual(expected);
  });
});
