/**
 * Tar archives for the Docker Engine API: the bundle goes into a container by
 * `PUT /containers/{id}/archive` (works with a remote engine), results come out by
 * `GET /containers/{id}/archive`. Entry names are checked both ways.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BundleError } from '../../errors.js';
import { checkEntryName, resolveEntryPath } from '../../bundle/paths.js';

/** Folders made writable for any container user (the kernel may write next to the notebook). */
const OPEN_DIR_MODE = 0o777;

/**
 * A tar stream holding `files` under `prefix/` plus empty folders `emptyDirs` (all
 * relative), produced as it is read. Names are checked before the first byte.
 * @example await container.putArchive(packTar(new Map([['a.ipynb', bytes]]), 'nbrun/job', ['nbrun/results']), { path: '/' })
 */
export function packTar(files: ReadonlyMap<string, Uint8Array>, prefix: string, emptyDirs: string[] = []): Readable {
  const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [name] of sorted) checkEntryName(name);
  for (const d of emptyDirs) checkEntryName(d);
  checkEntryName(prefix);
  const pack = tar.pack();
  const mtime = new Date();
  const dirs = new Set<string>();
  const addDir = (dir: string) => {
    const parts = dir.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      pack.entry({ name: `${d}/`, type: 'directory', mode: OPEN_DIR_MODE, mtime });
    }
  };
  for (const d of emptyDirs) addDir(d);
  addDir(prefix);
  for (const [name, data] of sorted) {
    const full = `${prefix}/${name}`;
    addDir(dirname(full));
    pack.entry({ name: full, type: 'file', mode: 0o644, size: data.length, mtime }, Buffer.from(data.buffer, data.byteOffset, data.length));
  }
  pack.finalize();
  return Readable.from(pack);
}

/**
 * Extracts the regular files of a tar stream into `dest`, dropping the first
 * `strip` path components (`GET /archive` of `/nbrun/results` starts entries with `results/`).
 * Links and devices are skipped; names are checked. Resolves to the written files.
 * @example const files = await extractTar(stream, 'out', 1)
 */
export async function extractTar(stream: NodeJS.ReadableStream, dest: string, strip = 0): Promise<string[]> {
  const extract = tar.extract();
  const written: string[] = [];
  const input = stream instanceof Readable ? stream : Readable.from(stream as AsyncIterable<Buffer>);
  input.pipe(extract);
  for await (const entry of extract) {
    const { name, type } = entry.header;
    const parts = name.replace(/\/+$/, '').split('/').slice(strip);
    const rel = parts.join('/');
    if (type !== 'file' || rel === '') {
      entry.resume();
      continue;
    }
    let target: string;
    try {
      target = resolveEntryPath(dest, rel);
    } catch (err) {
      entry.resume();
      throw err instanceof BundleError ? err : new BundleError(`unsafe path in archive '${name}'`, name, { cause: err });
    }
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, Buffer.concat(chunks));
    written.push(rel);
  }
  return written.sort();
}
