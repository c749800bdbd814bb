/**
 * A small tar reader (ustar, pax extended headers, GNU long names) over an in-memory
 * buffer. It only parses; extract.ts decides what is written.
 */
import { BundleError } from '../errors.js';

/** One member of a tar archive. */
export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** The raw type flag, for error messages about `other` entries. */
  typeFlag: string;
  mode: number;
  linkName: string;
  data: Uint8Array;
}

const BLOCK = 512;

function readString(buf: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && buf[end] !== 0) end++;
  return Buffer.from(buf.subarray(offset, end)).toString('utf8');
}

function readNumber(buf: Uint8Array, offset: number, length: number, source: string): number {
  // GNU base-256 encoding for large values: high bit of the first byte set.
  if ((buf[offset]! & 0x80) !== 0) {
    let n = buf[offset]! & 0x7f;
    for (let i = 1; i < length; i++) n = n * 256 + buf[offset + i]!;
    return n;
  }
  const text = readString(buf, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new BundleError(`${source}: not a valid tar archive (bad number field '${text}')`);
  return parseInt(text, 8);
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let i = 0;
  // Records are "<byte length> <key>=<value>\n"; lengths count bytes, so parse bytes.
  while (i < buf.length) {
    const space = buf.indexOf(0x20, i);
    if (space < 0) break;
    const len = parseInt(buf.subarray(i, space).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > buf.length) break;
    const body = buf.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = body.indexOf('=');
    if (eq > 0) out[body.slice(0, eq)] = body.slice(eq + 1);
    i += len;
  }
  return out;
}

function isZeroBlock(buf: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Lists the entries of an uncompressed tar archive.
 * @example for (const e of readTar(gunzipSync(bytes), 'bundle.tar.gz')) console.log(e.name);
 */
export function* readTar(buf: Uint8Array, source: string): Generator<TarEntry> {
  let offset = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (offset + BLOCK <= buf.length) {
    if (isZeroBlock(buf, offset)) return;
    const header = buf.subarray(offset, offset + BLOCK);
    const checksum = readNumber(header, 148, 8, source);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (sum !== checksum) throw new BundleError(`${source}: not a valid tar archive (header checksum mismatch at byte ${offset})`);
    const typeFlag = String.fromCharCode(header[156]!) === '\0' ? '0' : String.fromCharCode(header[156]!);
    const size = pax.size !== undefined ? Number(pax.size) : readNumber(header, 124, 12, source);
    const dataStart = offset + BLOCK;
    if (dataStart + size > buf.length) throw new BundleError(`${source}: tar archive is truncated`);
    const data = buf.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeFlag === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (typeFlag === 'g') continue; // global pax headers carry no path of their own
    if (typeFlag === 'L') {
      longName = readString(data, 0, data.length);
      continue;
    }
    if (typeFlag === 'K') {
      longLink = readString(data, 0, data.length);
      continue;
    }
    const magic = readString(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? readString(header, 345, 155) : '';
    const baseName = readString(header, 0, 100);
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${baseName}` : baseName);
    const linkName = pax.linkpath ?? longLink ?? readString(header, 157, 100);
    pax = {};
    longName = undefined;
    longLink = undefined;
    const type: TarEntry['type'] =
      typeFlag === '0' || typeFlag === '7'
        ? 'file'
        : typeFlag === '5'
          ? 'directory'
          : typeFlag === '2'
            ? 'symlink'
            : typeFlag === '1'
              ? 'hardlink'
              : 'other';
    yield { name, type, typeFlag, mode: readNumber(header, 100, 8, source) & 0o7777, linkName, data };
  }
}
