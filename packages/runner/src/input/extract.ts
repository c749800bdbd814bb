/**
 * Unpacks a bundle archive (zip, tar.gz/tgz, tar) into a directory by streaming: each
 * entry goes straight to disk, so memory stays flat whatever the archive expands to.
 * Entries that would land outside the directory are refused, and so are archives past
 * the limits ({@link ArchiveLimits}: total size, entry count, compression ratio) —
 * archive bombs stop with an `E_BUNDLE` error naming the limit, before the disk fills.
 */
import { createWriteStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readlink, realpath, rm, stat, symlink } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflateRaw } from 'node:zlib';
import * as tarStream from 'tar-stream';
import yauzl from 'yauzl';
import { BundleError } from '../errors.js';
import { bundleLinkTarget } from '../bundle-path.js';
import { isInside, prepareWrite, realRoot, resolveEntry } from './safe-path.js';

/** Archive formats the runner unpacks. */
export type ArchiveKind = 'zip' | 'tar.gz' | 'tar';

/** How far an archive may expand. Configurable per job (spec `inputLimits`, flags, env). */
export interface ArchiveLimits {
  /** Total bytes written (files, hard-link copies). */
  maxBytes: number;
  /** Entries (files, directories, links). */
  maxEntries: number;
  /** Bytes inflated per compressed byte read, checked once more than {@link RATIO_GRACE_BYTES} are inflated. */
  maxRatio: number;
}

/** Defaults: bundles carry code and small files; big data belongs in object storage or a volume. */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxBytes: 2 * 1024 ** 3,
  maxEntries: 100_000,
  maxRatio: 200,
});

/** Below this many expanded bytes the ratio is not checked (small files of zeros compress 1000:1). */
export const RATIO_GRACE_BYTES = 16 * 1024 * 1024;

/** Longest symlink target read from a zip entry. */
const MAX_LINK_TARGET = 4096;

/**
 * Recognizes an archive by its first bytes (never by its name: URLs often have none).
 * @example detectArchive(await readFile('bundle.tgz')) // 'tar.gz'
 */
export function detectArchive(bytes: Uint8Array): ArchiveKind | undefined {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6)) return 'zip';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'tar.gz';
  if (bytes.length >= 263 && Buffer.from(bytes.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

export interface ExtractOptions {
  /** Limits; missing fields take {@link DEFAULT_ARCHIVE_LIMITS}. */
  limits?: Partial<ArchiveLimits>;
  /** Stops unpacking (SIGTERM/SIGINT): the promise rejects with a BundleError. */
  signal?: AbortSignal;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(2)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(2)} KiB`;
  return `${n} B`;
}

/** Counts what is read and written, and stops at the first limit passed. */
class Budget {
  readonly limits: ArchiveLimits;
  written = 0;
  /** Bytes out of the decompressor so far. */
  expanded = 0;
  /** Compressed bytes consumed so far (zip: of the entries read; tar.gz: fed to gunzip). */
  compressed = 0;
  entries = 0;
  private readonly seen = new Map<string, 'directory' | 'other'>();

  constructor(
    readonly source: string,
    limits: Partial<ArchiveLimits> | undefined,
    readonly signal: AbortSignal | undefined,
  ) {
    this.limits = { ...DEFAULT_ARCHIVE_LIMITS, ...stripUndefined(limits ?? {}) };
  }

  checkSignal(): void {
    if (this.signal?.aborted) throw new BundleError(`${this.source}: unpacking stopped (the job was cancelled)`);
  }

  /** One more entry named `name` at `path`: counted, and refused if the same path came before. */
  entry(path: string, name: string, isDirectory: boolean): void {
    this.checkSignal();
    this.entries++;
    if (this.entries > this.limits.maxEntries) {
      throw new BundleError(`${this.source}: archive has more than ${this.limits.maxEntries} entries (limit maxEntries; raise it with --input-max-entries or inputLimits.maxEntries)`);
    }
    const before = this.seen.get(path);
    if (before !== undefined && !(before === 'directory' && isDirectory)) {
      throw new BundleError(`${this.source}: entry ${JSON.stringify(name)} appears more than once in the archive (refused)`);
    }
    this.seen.set(path, isDirectory ? 'directory' : 'other');
  }

  /** `n` more bytes written to disk. */
  wrote(n: number): void {
    this.written += n;
    this.checkSignal();
    if (this.written > this.limits.maxBytes) {
      throw new BundleError(`${this.source}: archive expands to more than ${formatBytes(this.limits.maxBytes)} (limit maxBytes; raise it with --input-max-bytes or inputLimits.maxBytes)`);
    }
  }

  /** `n` more bytes out of the decompressor (gunzip, inflate): checked against the compressed bytes read. */
  inflated(n: number): void {
    this.expanded += n;
    this.checkSignal();
    if (this.expanded > RATIO_GRACE_BYTES && this.expanded > this.compressed * this.limits.maxRatio) {
      throw new BundleError(
        `${this.source}: archive expands more than ${this.limits.maxRatio}:1 (${formatBytes(this.expanded)} from ${formatBytes(this.compressed)}; ` +
          'limit maxRatio, a likely archive bomb; raise it with --input-max-ratio or inputLimits.maxRatio)',
      );
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Passes bytes through, counting them against the budget. */
function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      try {
        onBytes(chunk.length);
      } catch (err) {
        done(err as Error);
        return;
      }
      done(null, chunk);
    },
  });
}

/** Splits a buffer into 64 KiB slices, so the compressed bytes consumed are known as gunzip goes. */
function* slices(bytes: Uint8Array): Generator<Buffer> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < buf.length; i += 65536) yield buf.subarray(i, i + 65536);
}

/** The first error that says why (a limit, a signal), over the stream errors it caused. */
function reason(err: unknown): unknown {
  if (err instanceof BundleError) return err;
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  return cause instanceof BundleError ? cause : err;
}

/** Writes entries into the root, checking paths, links and duplicates. */
class Writer {
  readonly links: string[] = [];
  files = 0;

  constructor(
    readonly root: string,
    readonly budget: Budget,
  ) {}

  get source(): string {
    return this.budget.source;
  }

  async directory(name: string): Promise<void> {
    const path = resolveEntry(this.root, name, this.source, true);
    this.budget.entry(path, name, true);
    if (path === this.root) return;
    await prepareWrite(this.root, path, this.source, name);
    await mkdir(path, { recursive: true });
  }

  /** `open` is called once the path is checked: a zip entry's streams start flowing when made. */
  async file(name: string, mode: number, open: () => AsyncIterable<Buffer>): Promise<void> {
    const path = resolveEntry(this.root, name, this.source);
    this.budget.entry(path, name, false);
    await prepareWrite(this.root, path, this.source, name);
    const existing = await lstat(path).catch(() => undefined);
    if (existing?.isDirectory()) throw new BundleError(`${this.source}: entry ${JSON.stringify(name)} is both a file and a directory`);
    await pipeline(open(), counter((n) => this.budget.wrote(n)), createWriteStream(path, { flags: 'wx' })).catch((err: unknown) => {
      throw reason(err);
    });
    // Keep the executable bit (scripts in a bundle), never setuid/setgid/sticky.
    if (mode) await chmod(path, (mode & 0o777) | 0o600);
    this.files++;
  }

  async symlink(name: string, target: string): Promise<void> {
    const path = resolveEntry(this.root, name, this.source);
    this.budget.entry(path, name, false);
    bundleLinkTarget(name, target, { source: this.source });
    await prepareWrite(this.root, path, this.source, name);
    await rm(path, { recursive: true, force: true });
    await symlink(target, path);
    this.links.push(path);
  }

  /** A hard link names another member by its archive path; copy it (never link to outside inodes). */
  async hardlink(name: string, target: string): Promise<void> {
    const path = resolveEntry(this.root, name, this.source);
    this.budget.entry(path, name, false);
    const from = resolveEntry(this.root, target, this.source);
    const real = await realpath(from).catch(() => undefined);
    const info = real && isInside(this.root, real) ? await stat(real) : undefined;
    if (!real || !info?.isFile()) {
      throw new BundleError(`${this.source}: hard link ${JSON.stringify(name)} points outside the bundle or to a missing file (refused)`);
    }
    // Copies count: a thousand links to one big file are a bomb too.
    this.budget.wrote(info.size);
    await prepareWrite(this.root, path, this.source, name);
    await copyFile(real, path);
    this.files++;
  }

  /** Links to links can still resolve outside once all exist: check each final target. */
  async checkLinks(): Promise<void> {
    for (const link of this.links) {
      const real = await realpath(link).catch(() => undefined);
      if (real !== undefined && !isInside(this.root, real)) {
        const target = await readlink(link).catch(() => '?');
        await rm(link, { force: true });
        throw new BundleError(`${this.source}: link ${JSON.stringify(link.slice(this.root.length + 1))} -> ${JSON.stringify(target)} resolves outside the bundle (refused)`);
      }
    }
  }
}

function openZip(bytes: Uint8Array, source: string): Promise<yauzl.ZipFile> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise((resolve, reject) => {
    // Names are decoded here (UTF-8, as before) and checked by resolveEntry, with our messages.
    yauzl.fromBuffer(buf, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false }, (err, zip) => {
      if (err) reject(new BundleError(`${source}: not a valid zip archive (${err.message})`, { cause: err }));
      else resolve(zip);
    });
  });
}

/** Every central directory record, read before anything is written (declared sizes checked up front). */
function zipEntries(zip: yauzl.ZipFile, budget: Budget): Promise<yauzl.Entry[]> {
  const { source, limits } = budget;
  if (zip.entryCount > limits.maxEntries) {
    return Promise.reject(new BundleError(`${source}: archive has ${zip.entryCount} entries, more than ${limits.maxEntries} (limit maxEntries; raise it with --input-max-entries or inputLimits.maxEntries)`));
  }
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    let declared = 0;
    zip.on('error', (err: Error) => reject(new BundleError(`${source}: not a valid zip archive (${err.message})`, { cause: err })));
    zip.on('entry', (entry: yauzl.Entry) => {
      declared += entry.uncompressedSize;
      if (entry.uncompressedSize > RATIO_GRACE_BYTES && entry.uncompressedSize > entry.compressedSize * limits.maxRatio) {
        reject(new BundleError(
          `${source}: entry ${JSON.stringify(entry.fileName.toString())} expands more than ${limits.maxRatio}:1 ` +
            `(${formatBytes(entry.uncompressedSize)} from ${formatBytes(entry.compressedSize)}; limit maxRatio, a likely archive bomb; raise it with --input-max-ratio or inputLimits.maxRatio)`,
        ));
        return;
      }
      if (declared > limits.maxBytes) {
        reject(new BundleError(`${source}: archive expands to more than ${formatBytes(limits.maxBytes)} (limit maxBytes; raise it with --input-max-bytes or inputLimits.maxBytes)`));
        return;
      }
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    // Raw (compressed) data: inflated below, so the compressed bytes consumed are counted.
    zip.openReadStream(entry, { decompress: entry.compressionMethod === 8 ? false : null, decrypt: null, start: null, end: null }, (err, stream) => {
      if (err) reject(err);
      else resolve(stream);
    });
  });
}

async function readSmall(stream: Readable, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > max) {
      stream.destroy();
      throw new BundleError(`${what} is longer than ${max} bytes (refused)`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function extractZip(bytes: Uint8Array, writer: Writer): Promise<void> {
  const { budget, source } = writer;
  const zip = await openZip(bytes, source);
  try {
    const entries = await zipEntries(zip, budget);
    for (const entry of entries) {
      budget.checkSignal();
      if (entry.isEncrypted()) throw new BundleError(`${source}: encrypted zip entries are not supported`);
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw new BundleError(`${source}: zip compression method ${entry.compressionMethod} is not supported (use deflate or store)`);
      }
      const name = (entry.fileName as unknown as Buffer).toString('utf8');
      // Host 3 is unix: the high 16 bits of the external attributes are st_mode.
      const unixMode = entry.versionMadeBy >> 8 === 3 ? entry.externalFileAttributes >>> 16 : 0;
      const type = (unixMode & S_IFMT) === S_IFLNK ? 'symlink' : name.endsWith('/') || (unixMode & S_IFMT) === S_IFDIR ? 'directory' : 'file';
      if (type === 'directory') {
        await writer.directory(name);
        continue;
      }
      const raw = await openEntry(zip, entry).catch((err: unknown) => {
        throw new BundleError(`${source}: not a valid zip archive (${(err as Error).message})`, { cause: err });
      });
      const data = (): Readable => {
        const counted = raw.pipe(counter((n) => (budget.compressed += n)));
        raw.on('error', (err) => counted.destroy(err));
        return entry.compressionMethod === 8 ? inflated(counted, entry, budget) : counted;
      };
      if (type === 'symlink') {
        const target = (await readSmall(data(), MAX_LINK_TARGET, `${source}: link target of ${JSON.stringify(name)}`)).toString('utf8');
        await writer.symlink(name, target);
      } else {
        await writer.file(name, unixMode & 0o7777, data);
      }
    }
  } finally {
    zip.close();
  }
}

/** Inflates a zip entry, refusing more bytes than its header declares (yauzl checks this only when it inflates). */
function inflated(raw: Readable, entry: yauzl.Entry, budget: Budget): Readable {
  const { source } = budget;
  let n = 0;
  const inflate = createInflateRaw();
  const check = counter((bytes) => {
    n += bytes;
    budget.inflated(bytes);
    if (n > entry.uncompressedSize) {
      throw new BundleError(`${source}: not a valid zip archive (entry larger than its declared size ${entry.uncompressedSize})`);
    }
  });
  raw.on('error', (err) => check.destroy(err));
  inflate.on('error', (err) => check.destroy(new BundleError(`${source}: not a valid zip archive (${err.message})`, { cause: err })));
  return raw.pipe(inflate).pipe(check);
}

async function extractTar(bytes: Uint8Array, gzipped: boolean, writer: Writer): Promise<void> {
  const { budget, source } = writer;
  const extract = tarStream.extract();
  const stages: (Readable | Transform | Writable)[] = [
    Readable.from(slices(bytes)),
    counter((n) => (budget.compressed += n)),
  ];
  // Plain tar has no compression and no ratio to check.
  if (gzipped) stages.push(createGunzip(), counter((n) => budget.inflated(n)));
  let feedError: unknown;
  const feeding = (pipeline as (...streams: unknown[]) => Promise<void>)(...stages, extract).catch((err: unknown) => {
    feedError = err;
  });
  try {
    for await (const entry of extract) {
      const h = entry.header;
      switch (h.type) {
        case 'directory':
          await writer.directory(h.name);
          entry.resume();
          break;
        case 'file':
        case 'contiguous-file':
          await writer.file(h.name, (h.mode ?? 0) & 0o7777, () => entry as AsyncIterable<Buffer>);
          break;
        case 'symlink':
          await writer.symlink(h.name, h.linkname ?? '');
          entry.resume();
          break;
        case 'link':
          await writer.hardlink(h.name, h.linkname ?? '');
          entry.resume();
          break;
        default:
          throw new BundleError(`${source}: entry ${JSON.stringify(h.name)} is a device, fifo or other special file (type '${h.type ?? '?'}', refused)`);
      }
    }
  } catch (err) {
    extract.destroy();
    await feeding;
    throw reason(feedError instanceof BundleError ? feedError : err);
  }
  await feeding;
  if (feedError !== undefined) {
    const r = reason(feedError);
    if (r instanceof BundleError) throw r;
    const msg = (feedError as Error).message;
    throw new BundleError(`${source}: not a valid ${gzipped ? 'tar.gz' : 'tar'} archive (${msg})`, { cause: feedError });
  }
}

/**
 * Unpacks `bytes` (a zip, tar.gz or tar) into `dir`, which is created. Throws a
 * BundleError naming the entry for an absolute path, a `..` segment, a link leaving
 * `dir`, a device/fifo entry or a duplicate entry, or naming the limit an archive passed;
 * entries before it may already be written, none outside.
 *
 * @example await extractArchive(await readFile('bundle.zip'), '/tmp/job/bundle', 'bundle.zip', { limits: { maxBytes: 2 ** 30 } });
 */
export async function extractArchive(bytes: Uint8Array, dir: string, source: string, options: ExtractOptions = {}): Promise<{ files: number }> {
  const kind = detectArchive(bytes);
  if (!kind) throw new BundleError(`${source}: not a zip, tar.gz or tar archive`);
  await mkdir(dir, { recursive: true });
  const writer = new Writer(await realRoot(dir), new Budget(source, options.limits, options.signal));
  if (kind === 'zip') await extractZip(bytes, writer);
  else await extractTar(bytes, kind === 'tar.gz', writer);
  await writer.checkLinks();
  return { files: writer.files };
}
