/**
 * Unpacks a bundle archive (zip, tar.gz/tgz, tar) into a directory, refusing any entry
 * that would land outside it. Archives are read in memory: bundles carry code and small
 * files; big data belongs in object storage or a mounted volume.
 */
import { gunzipSync } from 'node:zlib';
import { chmod, copyFile, lstat, mkdir, readlink, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { BundleError } from '../errors.js';
import { checkLinkTarget, isInside, prepareWrite, realRoot, resolveEntry } from './safe-path.js';
import { readTar } from './tar.js';
import { readZip } from './zip.js';

/** Archive formats the runner unpacks. */
export type ArchiveKind = 'zip' | 'tar.gz' | 'tar';

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

interface Member {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  mode: number;
  linkName: string;
  data: Uint8Array;
  typeFlag?: string;
}

function membersOf(bytes: Uint8Array, kind: ArchiveKind, source: string): Iterable<Member> {
  if (kind === 'zip') {
    return readZip(bytes, source).map((e) => ({
      ...e,
      linkName: e.type === 'symlink' ? Buffer.from(e.data).toString('utf8') : '',
    }));
  }
  let tar = bytes;
  if (kind === 'tar.gz') {
    try {
      tar = gunzipSync(bytes);
    } catch (cause) {
      throw new BundleError(`${source}: not a valid gzip file (${(cause as Error).message})`, { cause });
    }
  }
  return readTar(tar, source);
}

/**
 * Unpacks `bytes` (a zip, tar.gz or tar) into `dir`, which is created. Throws a
 * BundleError naming the entry for an absolute path, a `..` segment, a link leaving
 * `dir`, or a device/fifo entry; entries before it may already be written, none outside.
 *
 * @example await extractArchive(await readFile('bundle.zip'), '/tmp/job/bundle', 'bundle.zip');
 */
export async function extractArchive(bytes: Uint8Array, dir: string, source: string): Promise<{ files: number }> {
  const kind = detectArchive(bytes);
  if (!kind) throw new BundleError(`${source}: not a zip, tar.gz or tar archive`);
  await mkdir(dir, { recursive: true });
  const root = await realRoot(dir);
  const links: string[] = [];
  let files = 0;
  for (const m of membersOf(bytes, kind, source)) {
    const path = resolveEntry(root, m.name, source);
    const shown = m.name;
    switch (m.type) {
      case 'directory': {
        if (path === root) break;
        await prepareWrite(root, path, source, shown);
        await mkdir(path, { recursive: true });
        break;
      }
      case 'file': {
        if (path === root) throw new BundleError(`${source}: entry ${JSON.stringify(shown)} has an empty name`);
        await prepareWrite(root, path, source, shown);
        const existing = await lstat(path).catch(() => undefined);
        if (existing?.isDirectory()) throw new BundleError(`${source}: entry ${JSON.stringify(shown)} is both a file and a directory`);
        await writeFile(path, m.data);
        // Keep the executable bit (scripts in a bundle), never setuid/setgid/sticky.
        if (m.mode) await chmod(path, (m.mode & 0o777) | 0o600);
        files++;
        break;
      }
      case 'symlink': {
        checkLinkTarget(root, path, m.linkName, source, shown);
        await prepareWrite(root, path, source, shown);
        await rm(path, { recursive: true, force: true });
        await symlink(m.linkName, path);
        links.push(path);
        break;
      }
      case 'hardlink': {
        // A hard link names another member by its archive path; copy it (never link to outside inodes).
        const target = resolveEntry(root, m.linkName, source);
        const real = await realpath(target).catch(() => undefined);
        if (!real || !isInside(root, real) || !(await stat(real)).isFile()) {
          throw new BundleError(`${source}: hard link ${JSON.stringify(shown)} points outside the bundle or to a missing file (refused)`);
        }
        await prepareWrite(root, path, source, shown);
        await copyFile(real, path);
        files++;
        break;
      }
      default:
        throw new BundleError(`${source}: entry ${JSON.stringify(shown)} is a device, fifo or other special file (type '${m.typeFlag ?? '?'}', refused)`);
    }
  }
  // Links to links can still resolve outside once all exist: check each final target.
  for (const link of links) {
    const real = await realpath(link).catch(() => undefined);
    if (real !== undefined && !isInside(root, real)) {
      const target = await readlink(link).catch(() => '?');
      await rm(link, { force: true });
      throw new BundleError(`${source}: link ${JSON.stringify(link.slice(root.length + 1))} -> ${JSON.stringify(target)} resolves outside the bundle (refused)`);
    }
  }
  return { files };
}
