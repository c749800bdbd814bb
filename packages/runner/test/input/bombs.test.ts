/**
 * Archive bombs and limits: archives small on disk that expand to gigabytes are refused
 * with E_BUNDLE naming the limit, without inflating them in memory; duplicate entries
 * are refused; SIGTERM stops the runner while it unpacks. The bombs are generated here
 * from one compressed block repeated (a deflate block after a full flush, a gzip member),
 * so a 1 GiB expansion costs milliseconds and a megabyte to make.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, deflateRawSync, gzipSync } from 'node:zlib';
import { Zip, ZipPassThrough, zipSync } from 'fflate';
import * as tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { BundleError } from '../../src/errors.js';
import { extractArchive } from '../../src/input/extract.js';
import { spawnRunner, tempDir } from '../helpers/runner-process.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * MiB;
const enc = (s: string) => new TextEncoder().encode(s);

/** Deflate of 64 MiB of zeros ending in a full flush: independent of what came before, so it repeats. */
let zeroBlock: Buffer | undefined;
function deflatedZeros(): Buffer {
  return (zeroBlock ??= deflateRawSync(Buffer.alloc(CHUNK), { finishFlush: constants.Z_FULL_FLUSH }));
}

/** A zip with one entry `name` of `chunks` × 64 MiB of zeros; `declared` overrides the size in the headers (a lying archive). */
function zipBomb(chunks: number, name = 'zeros.bin', declared = chunks * CHUNK): Buffer {
  const block = deflatedZeros();
  const data = Buffer.concat([...Array<Buffer>(chunks).fill(block), Buffer.from([0x03, 0x00])]); // + empty final block
  const fileName = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(0, 14); // CRC-32: nobody gets far enough to check it
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made on unix
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(declared, 24);
  central.writeUInt16LE(fileName.length, 28);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

let gzippedZeros: Buffer | undefined;
/** A tar.gz with one file of `chunks` × 64 MiB of zeros: gzip members (header, zeros × n, end) concatenated. */
function tarGzBomb(chunks: number): Buffer {
  const header = tarStream.pack();
  const head: Buffer[] = [];
  header.on('data', (c: unknown) => void head.push(c as Buffer));
  // The header block only: the data follows as separate gzip members.
  header.entry({ name: 'zeros.bin', size: chunks * CHUNK, mode: 0o644 }, () => undefined);
  const tarHeader = Buffer.concat(head).subarray(0, 512);
  const zeros = (gzippedZeros ??= gzipSync(Buffer.alloc(CHUNK)));
  return Buffer.concat([gzipSync(tarHeader), ...Array<Buffer>(chunks).fill(zeros), gzipSync(Buffer.alloc(1024))]);
}

/** A tar (optionally gzipped) made by tar-stream from entries in order. */
async function tarOf(entries: { name: string; data?: string; type?: 'file' | 'link' | 'directory'; linkname?: string }[], gzip = false): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}) }, e.data ?? '', (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await ended;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}

/** A zip with the same name twice (fflate's object API cannot say that; its streaming Zip can). */
function zipWithDuplicate(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    const zip = new Zip((err, chunk, final) => {
      if (err) return reject(err);
      parts.push(chunk);
      if (final) resolve(Buffer.concat(parts));
    });
    for (const text of ['first', 'second']) {
      const f = new ZipPassThrough('nb.ipynb');
      zip.add(f);
      f.push(enc(text), true);
    }
    zip.end();
  });
}

async function refusal(p: Promise<unknown>): Promise<BundleError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(BundleError);
  expect((err as BundleError).code).toBe('E_BUNDLE');
  return err as BundleError;
}

/** Bytes under a directory. */
function du(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .reduce((n, d) => n + statSync(join(d.parentPath, d.name)).size, 0);
}

describe('archive limits', () => {
  it('refuses a zip bomb (1 MiB expanding to 1 GiB) by its declared ratio before writing anything', async () => {
    const bomb = zipBomb(16);
    expect(bomb.length).toBeLessThan(2 * MiB);
    const dir = join(tempDir(), 'bundle');
    const err = await refusal(extractArchive(bomb, dir, 'bomb.zip'));
    expect(err.message).toMatch(/^bomb\.zip: entry "zeros\.bin" expands more than 200:1 .*limit maxRatio/);
    expect(du(dir)).toBe(0);
  });

  it('refuses a zip whose entry inflates past its declared size (a lying header), after little', async () => {
    const dir = join(tempDir(), 'bundle');
    const err = await refusal(extractArchive(zipBomb(16, 'zeros.bin', 1024), dir, 'liar.zip'));
    expect(err.message).toMatch(/liar\.zip: not a valid zip archive \(entry larger than its declared size 1024\)/);
    expect(du(dir)).toBeLessThanOrEqual(1024);
  });

  it('refuses a tar.gz bomb (1 MiB expanding to 1 GiB) by the ratio, streaming, with little written', async () => {
    const bomb = tarGzBomb(16);
    expect(bomb.length).toBeLessThan(2 * MiB);
    const dir = join(tempDir(), 'bundle');
    const rssBefore = process.memoryUsage().rss;
    const err = await refusal(extractArchive(bomb, dir, 'bomb.tar.gz'));
    expect(err.message).toMatch(/^bomb\.tar\.gz: archive expands more than 200:1 .*limit maxRatio/);
    expect(du(dir)).toBeLessThan(64 * MiB);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * MiB);
  });

  it('maxBytes: a zip is refused from its declared sizes, a tar while writing', async () => {
    const big = 'x'.repeat(MiB);
    const zip = zipSync({ 'a.txt': enc(big), 'b.txt': enc(big), 'c.txt': enc(big) });
    const zdir = join(tempDir(), 'bundle');
    const zerr = await refusal(extractArchive(zip, zdir, 'big.zip', { limits: { maxBytes: 2 * MiB } }));
    expect(zerr.message).toMatch(/big\.zip: archive expands to more than 2 MiB \(limit maxBytes/);
    expect(du(zdir)).toBe(0);

    const tar = await tarOf([{ name: 'a.txt', data: big }, { name: 'b.txt', data: big }, { name: 'c.txt', data: big }]);
    const tdir = join(tempDir(), 'bundle');
    const terr = await refusal(extractArchive(tar, tdir, 'big.tar', { limits: { maxBytes: 2 * MiB } }));
    expect(terr.message).toMatch(/limit maxBytes/);
    expect(du(tdir)).toBeLessThanOrEqual(2 * MiB + 65536);
  });

  it('maxBytes counts hard-link copies (one file linked many times)', async () => {
    const tar = await tarOf([
      { name: 'big.bin', data: 'y'.repeat(MiB) },
      ...Array.from({ length: 10 }, (_, i) => ({ name: `link${i}`, type: 'link' as const, linkname: 'big.bin' })),
    ], true);
    const err = await refusal(extractArchive(tar, join(tempDir(), 'bundle'), 'links.tgz', { limits: { maxBytes: 4 * MiB } }));
    expect(err.message).toMatch(/limit maxBytes/);
  });

  it('maxEntries: zip and tar', async () => {
    const files = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}.txt`, enc('x')]));
    const zerr = await refusal(extractArchive(zipSync(files), join(tempDir(), 'bundle'), 'many.zip', { limits: { maxEntries: 10 } }));
    expect(zerr.message).toMatch(/many\.zip: archive has 11 entries, more than 10 \(limit maxEntries/);
    const tar = await tarOf(Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' })), true);
    const terr = await refusal(extractArchive(tar, join(tempDir(), 'bundle'), 'many.tgz', { limits: { maxEntries: 10 } }));
    expect(terr.message).toMatch(/many\.tgz: archive has more than 10 entries \(limit maxEntries/);
    await expect(extractArchive(tar, join(tempDir(), 'bundle'), 'many.tgz', { limits: { maxEntries: 11 } })).resolves.toEqual({ files: 11 });
  });

  it('an aborted signal stops unpacking with E_BUNDLE', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await refusal(extractArchive(tarGzBomb(1), join(tempDir(), 'bundle'), 'x.tgz', { signal: ac.signal, limits: { maxRatio: 1e9 } }));
    expect(err.message).toMatch(/unpacking stopped/);
  });
});

describe('duplicate entries', () => {
  it('refuses a zip with the same name twice', async () => {
    const dir = join(tempDir(), 'bundle');
    const err = await refusal(extractArchive(await zipWithDuplicate(), dir, 'dup.zip'));
    expect(err.message).toBe('dup.zip: entry "nb.ipynb" appears more than once in the archive (refused)');
  });

  it('refuses a tar.gz with the same path twice (also spelled differently), accepts a repeated directory', async () => {
    const tgz = await tarOf([{ name: 'src/a.py', data: '1' }, { name: './src//a.py', data: '2' }], true);
    const err = await refusal(extractArchive(tgz, join(tempDir(), 'bundle'), 'dup.tgz'));
    expect(err.message).toMatch(/dup\.tgz: entry "\.\/src\/\/a\.py" appears more than once/);
    const dirs = await tarOf([{ name: 'src/', type: 'directory' }, { name: 'src', type: 'directory' }, { name: 'src/a.py', data: '1' }], true);
    const dir = join(tempDir(), 'bundle');
    await expect(extractArchive(dirs, dir, 'dirs.tgz')).resolves.toEqual({ files: 1 });
    expect(readFileSync(join(dir, 'src/a.py'), 'utf8')).toBe('1');
  });
});

describe('nbrun-runner and archive bombs (process)', () => {
  it('a zip bomb: exit 2, status invalid with E_BUNDLE naming the limit; limits come from flags and env', async () => {
    const job = tempDir();
    const bundle = join(job, 'bomb.zip');
    writeFileSync(bundle, zipBomb(16));
    const results = join(job, 'results');
    const run = spawnRunner(['--input', bundle, '--notebook', 'nb.ipynb', '--results', results, '--work-dir', join(job, 'work')], { cwd: job });
    const { code, stderr } = await run.done;
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/expands more than 200:1 .*limit maxRatio/);
    const status = JSON.parse(readFileSync(join(results, 'status.json'), 'utf8'));
    expect(status).toMatchObject({ state: 'invalid', exitCode: 2, error: { code: 'E_BUNDLE' } });

    // Ratio raised by env, bytes lowered by flag: now maxBytes is the one passed.
    const results2 = join(job, 'results2');
    const run2 = spawnRunner(['--input', bundle, '--notebook', 'nb.ipynb', '--results', results2, '--input-max-bytes', String(64 * MiB)], {
      cwd: job, env: { NBRUN_INPUT_MAX_RATIO: '100000' },
    });
    const second = await run2.done;
    expect(second.code).toBe(EXIT_CODES.usage);
    expect(second.stderr).toMatch(/archive expands to more than 64 MiB \(limit maxBytes/);
    expect(JSON.parse(readFileSync(join(results2, 'status.json'), 'utf8'))).toMatchObject({ state: 'invalid', error: { code: 'E_BUNDLE' } });
  });

  it('a bad limit value is a usage error (exit 2)', async () => {
    const job = tempDir();
    const { code, stderr } = await spawnRunner(['--input', job, '--notebook', 'nb.ipynb', '--input-max-entries', '1.5'], { cwd: job }).done;
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr).toMatch(/--input-max-entries must be a positive whole number, got '1\.5'/);
  });

  it('SIGTERM while a large archive unpacks: stops within the grace, status terminated', async () => {
    const job = tempDir();
    const bundle = join(job, 'big.tar.gz');
    writeFileSync(bundle, tarGzBomb(24)); // 1.5 GiB of zeros, allowed by the limits below: it takes a while to write
    const results = join(job, 'results');
    const run = spawnRunner(
      ['--input', bundle, '--notebook', 'nb.ipynb', '--results', results, '--work-dir', join(job, 'work'), '--input-max-ratio', '100000', '--grace', '8'],
      { cwd: job },
    );
    await run.waitForLine(/job started/, 60_000);
    run.child.kill('SIGTERM');
    const t0 = Date.now();
    const { code } = await run.done;
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(code).toBe(EXIT_CODES.terminated);
    expect(JSON.parse(readFileSync(join(results, 'status.json'), 'utf8'))).toMatchObject({ state: 'terminated', exitCode: 143, signal: 'SIGTERM' });
    expect(existsSync(join(job, 'work')) ? du(join(job, 'work')) : 0).toBeLessThan(1536 * MiB);
  });
});
