/**
 * Bundle archives are unpacked only inside the work dir: entries with absolute paths,
 * `..` segments, or links leaving it are refused — checked on real archives made by
 * fflate (zip), GNU tar and Info-ZIP zip, both in-process and through the runner process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gzipSync, zipSync } from 'fflate';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { BundleError } from '../../src/errors.js';
import { detectArchive, extractArchive } from '../../src/input/extract.js';
import { spawnRunner, tempDir } from '../helpers/runner-process.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** A tar.gz made by GNU tar from a directory tree, entries in the given order. */
function tarGz(build: (dir: string) => void, entries: string[]): Uint8Array {
  const src = tempDir('nbrun-tar-src-');
  build(src);
  const out = join(tempDir('nbrun-tar-out-'), 'bundle.tar.gz');
  execFileSync('tar', ['-czf', out, '--no-recursion', '-C', src, ...entries]);
  return readFileSync(out);
}

/** A tar.gz whose second member is written through the first (a symlink), like a hand-made attack archive. */
function tarGzThroughLink(linkTarget: string): Uint8Array {
  const a = tempDir('nbrun-tar-a-');
  symlinkSync(linkTarget, join(a, 'escape'));
  const b = tempDir('nbrun-tar-b-');
  mkdirSync(join(b, 'escape'));
  writeFileSync(join(b, 'escape', 'pwned.txt'), 'pwned');
  const tar = join(tempDir('nbrun-tar-out-'), 'bundle.tar');
  execFileSync('tar', ['-cf', tar, '-C', a, 'escape']);
  execFileSync('tar', ['-rf', tar, '-C', b, 'escape/pwned.txt']);
  return gzipSync(readFileSync(tar));
}

describe('extractArchive', () => {
  it('unpacks a zip and a tar.gz with nested files, keeping executable bits and inside links', async () => {
    const zip = zipSync({ 'nb.ipynb': enc('{}'), 'src/util.py': enc('x = 1\n'), 'src/': new Uint8Array() });
    const zdir = join(tempDir(), 'bundle');
    expect(detectArchive(zip)).toBe('zip');
    await expect(extractArchive(zip, zdir, 'bundle.zip')).resolves.toEqual({ files: 2 });
    expect(readFileSync(join(zdir, 'src/util.py'), 'utf8')).toBe('x = 1\n');

    const tgz = tarGz(
      (d) => {
        mkdirSync(join(d, 'bin'));
        writeFileSync(join(d, 'bin/run.sh'), '#!/bin/sh\n', { mode: 0o755 });
        writeFileSync(join(d, 'data.csv'), 'a,b\n');
        symlinkSync('data.csv', join(d, 'latest.csv'));
      },
      ['bin', 'bin/run.sh', 'data.csv', 'latest.csv'],
    );
    const tdir = join(tempDir(), 'bundle');
    expect(detectArchive(tgz)).toBe('tar.gz');
    await extractArchive(tgz, tdir, 'bundle.tar.gz');
    expect(lstatSync(join(tdir, 'bin/run.sh')).mode & 0o111).not.toBe(0);
    expect(readlinkSync(join(tdir, 'latest.csv'))).toBe('data.csv');
    expect(readFileSync(join(tdir, 'latest.csv'), 'utf8')).toBe('a,b\n');
  });

  it('reads long names (GNU/pax) from GNU tar', async () => {
    const long = 'd'.repeat(120) + '/' + 'f'.repeat(130) + '.txt';
    const tgz = tarGz(
      (d) => {
        mkdirSync(join(d, 'd'.repeat(120)));
        writeFileSync(join(d, long), 'long');
      },
      ['d'.repeat(120), long],
    );
    const dir = join(tempDir(), 'bundle');
    await extractArchive(tgz, dir, 'long.tar.gz');
    expect(readFileSync(join(dir, long), 'utf8')).toBe('long');
  });

  const refused: { name: string; archive: () => Uint8Array; message: RegExp; outsideName: string }[] = [
    { name: 'zip with a ../ entry', archive: () => zipSync({ 'ok.txt': enc('ok'), '../zip-dotdot-escape.txt': enc('pwned') }), message: /'\.\.' segment/, outsideName: 'zip-dotdot-escape.txt' },
    { name: 'zip with a nested ../ entry', archive: () => zipSync({ 'a/../../zip-nested-escape.txt': enc('pwned') }), message: /'\.\.' segment/, outsideName: 'zip-nested-escape.txt' },
    { name: 'zip with a backslash ..\\ entry', archive: () => zipSync({ '..\\zip-backslash-escape.txt': enc('pwned') }), message: /has a backslash/, outsideName: 'zip-backslash-escape.txt' },
    { name: 'tar.gz with a symlink to an absolute path and a file through it', archive: () => tarGzThroughLink('/tmp'), message: /absolute path/, outsideName: 'pwned.txt' },
    { name: 'tar.gz with a relative symlink leaving the bundle', archive: () => tarGzThroughLink('../..'), message: /outside the bundle/, outsideName: 'pwned.txt' },
  ];

  it.each(refused)('$name is refused and nothing is written outside', async ({ archive, message, outsideName }) => {
    const work = tempDir();
    const dir = join(work, 'bundle');
    const err = await extractArchive(archive(), dir, 'bundle').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe('E_BUNDLE');
    expect((err as Error).message).toMatch(message);
    expect(readdirSync(work)).toEqual(['bundle']);
    expect(existsSync(join('/tmp', outsideName))).toBe(false);
  });

  it('refuses a zip entry with an absolute path', async () => {
    const work = tempDir();
    const abs = join(work, 'abs-target.txt');
    const err = await extractArchive(zipSync({ [abs]: enc('pwned') }), join(work, 'bundle'), 'abs.zip').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/absolute path/);
    expect(existsSync(abs)).toBe(false);
  });

  it('refuses a zip symlink (made by Info-ZIP zip --symlinks) pointing outside', async () => {
    const src = tempDir('nbrun-zip-src-');
    symlinkSync('/etc', join(src, 'etc-link'));
    const out = join(tempDir('nbrun-zip-out-'), 'links.zip');
    execFileSync('zip', ['-q', '--symlinks', out, 'etc-link'], { cwd: src });
    const err = await extractArchive(readFileSync(out), join(tempDir(), 'bundle'), basename(out)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/link "etc-link" -> "\/etc" points to an absolute path/);
  });
});

/** A tar of `entries` as given (tar-stream), for names and link targets GNU tar would not write. */
async function rawTar(entries: { name: string; type?: 'file' | 'symlink' | 'link'; linkname?: string }[]): Promise<Uint8Array> {
  const pack = tar.pack();
  for (const e of entries) {
    if ((e.type ?? 'file') === 'file') pack.entry({ name: e.name, type: 'file', size: 1 }, Buffer.from('x'));
    else pack.entry({ name: e.name, type: e.type, linkname: e.linkname });
  }
  pack.finalize();
  return buffer(pack);
}

describe('link targets pass the same name policy (bundleLinkTarget)', () => {
  const refused: [string, Parameters<typeof rawTar>[0], RegExp][] = [
    ['a symlink whose target has a backslash', [{ name: 'sub/a.txt' }, { name: 'l', type: 'symlink', linkname: 'sub\\a.txt' }], /bundle\.tar: link "l" -> "sub\\\\a\.txt": target has a backslash/],
    ['a symlink whose target has a control character', [{ name: 'a.txt' }, { name: 'l', type: 'symlink', linkname: 'a\n.txt' }], /link "l" -> "a\\n\.txt": target has a control character/],
    ['a hard link to a backslash name', [{ name: 'a.txt' }, { name: 'h', type: 'link', linkname: '.\\a.txt' }], /entry "\.\\\\a\.txt" has a backslash/],
  ];
  it.each(refused)('%s is refused', async (_why, entries, message) => {
    const err = await extractArchive(await rawTar(entries), join(tempDir(), 'bundle'), 'bundle.tar').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as Error).message).toMatch(message);
  });

  it("accepts './'-prefixed names and link targets, as `tar -C dir .` writes them", async () => {
    const dir = join(tempDir(), 'bundle');
    const entries = [{ name: './data/a.txt' }, { name: './data/latest', type: 'symlink' as const, linkname: './a.txt' }, { name: './copy.txt', type: 'link' as const, linkname: './data/a.txt' }];
    await expect(extractArchive(await rawTar(entries), dir, 'bundle.tar')).resolves.toEqual({ files: 2 });
    expect(readlinkSync(join(dir, 'data/latest'))).toBe('./a.txt');
    expect(readFileSync(join(dir, 'copy.txt'), 'utf8')).toBe('x');
  });
});

describe('nbrun-runner refuses unsafe bundles (process)', () => {
  const cases: { name: string; file: string; archive: () => Uint8Array; outsideName: string }[] = [
    { name: 'zip with ../', file: 'dotdot.zip', archive: () => zipSync({ 'nb.ipynb': enc('{}'), '../runner-dotdot-escape.txt': enc('pwned') }), outsideName: 'runner-dotdot-escape.txt' },
    { name: 'zip with an absolute path', file: 'absolute.zip', archive: () => zipSync({ '/tmp/nbrun-runner-absolute-escape.txt': enc('pwned') }), outsideName: 'nbrun-runner-absolute-escape.txt' },
    { name: 'tar.gz with a symlink out', file: 'link.tar.gz', archive: () => tarGzThroughLink('/tmp'), outsideName: 'pwned.txt' },
    // Windows-style separators are refused, never read as folders (the drivers refuse them too).
    { name: 'zip with a backslash in a name', file: 'backslash.zip', archive: () => zipSync({ 'nb.ipynb': enc('{}'), 'src\\util.py': enc('x = 1') }), outsideName: 'util.py' },
  ];
  it.each(cases)('$name: exit 2, status invalid with E_BUNDLE, nothing outside', async ({ file, archive, outsideName }) => {
    const job = tempDir();
    const bundle = join(job, file);
    writeFileSync(bundle, archive());
    const work = join(job, 'work');
    const results = join(job, 'results');
    const { code, stderr } = await spawnRunner(['--input', bundle, '--notebook', 'nb.ipynb', '--results', results, '--work-dir', work], { cwd: job }).done;
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/refused/);
    const status = JSON.parse(readFileSync(join(results, 'status.json'), 'utf8'));
    expect(status).toMatchObject({ state: 'invalid', exitCode: 2, error: { code: 'E_BUNDLE' } });
    expect(readdirSync(job).sort()).toEqual([file, 'results', 'work'].sort());
    expect(readdirSync(results)).toEqual(['status.json']);
    expect(existsSync(join('/tmp', outsideName))).toBe(false);
    expect(existsSync(join(job, outsideName))).toBe(false);
  });
});
