/**
 * Lists the members of a zip archive: names and unix modes from the central directory
 * (fflate does not expose them, and symlinks are only visible there), data from fflate.
 */
import { unzipSync } from 'fflate';
import { BundleError } from '../errors.js';

/** One member of a zip archive. */
export interface ZipEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  /** Unix permission bits when the archive was made on unix, else 0. */
  mode: number;
  data: Uint8Array;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

interface CentralRecord {
  name: string;
  unixMode: number | undefined;
}

function readCentralDirectory(buf: Uint8Array, source: string): CentralRecord[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // The end record sits in the last 22 bytes plus up to 64 KiB of comment.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new BundleError(`${source}: not a valid zip archive (no end of central directory)`);
  const count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) {
    throw new BundleError(`${source}: zip64 archives are not supported (more than 65535 entries or 4 GiB); use .tar.gz`);
  }
  const records: CentralRecord[] = [];
  for (let n = 0; n < count; n++) {
    if (offset + 46 > buf.length || view.getUint32(offset, true) !== CENTRAL) {
      throw new BundleError(`${source}: not a valid zip archive (bad central directory)`);
    }
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    const name = Buffer.from(buf.subarray(offset + 46, offset + 46 + nameLength)).toString('utf8');
    // Host 3 is unix: the high 16 bits of the external attributes are st_mode.
    records.push({ name, unixMode: madeBy === 3 ? external >>> 16 : undefined });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return records;
}

/**
 * Reads every entry of a zip archive held in memory.
 * @example for (const e of readZip(await readFile('bundle.zip'), 'bundle.zip')) console.log(e.name, e.type);
 */
export function readZip(buf: Uint8Array, source: string): ZipEntry[] {
  const records = readCentralDirectory(buf, source);
  let contents: Record<string, Uint8Array>;
  try {
    contents = unzipSync(buf);
  } catch (cause) {
    throw new BundleError(`${source}: not a valid zip archive (${(cause as Error).message})`, { cause });
  }
  return records.map((r) => {
    const mode = r.unixMode ?? 0;
    const type: ZipEntry['type'] =
      (mode & S_IFMT) === S_IFLNK ? 'symlink' : r.name.endsWith('/') || (mode & S_IFMT) === S_IFDIR ? 'directory' : 'file';
    return { name: r.name, type, mode: mode & 0o7777, data: contents[r.name] ?? new Uint8Array() };
  });
}
