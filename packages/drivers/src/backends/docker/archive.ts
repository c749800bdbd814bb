/**
 * Tar archives for the Docker Engine API: the bundle goes into a container by
 * `PUT /containers/{id}/archive` (works with a remote engine), results come out by
 * `GET /containers/{id}/archive`. Entry names are checked both ways.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { bundlePath } from '@nbrun/runner/contract';

/** Folders made writable for any container user (the kernel may write next to the notebook). */
const OPEN_DIR_MODE = 0o777;

/**
 * A tar stream holding `files` under `prefix/` plus empty folders `emptyDirs` (all
 * relative), produced as it is read. Names are checked before the first byte.
 * @example await container.putArchive(packTar(new Map([['a.ipynb', bytes]]), 'nbrun/job', ['nbrun/results']), { path: '/' })
 */
export function packTar(files: ReadonlyMap<string, Uint8Array>, prefix: string, emptyDirs: string[] = []): Readable {
  const sorted = [...files].map(([name, data]) => [bundlePath(name), data] as const).sort(([a], [b]) => (a < b ? -1 : 1));
  const folders = emptyDirs.map((d) => bundlePath(d));
  const root = bundlePath(prefix);
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
  for (const d of folders) addDir(d);
  addDir(root);
  for (const [name, data] of sorted) {
    const full = `${root}/${name}`;
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
    const stripped = name.replace(/\/+$/, '').split('/').slice(strip).join('/');
    if (type !== 'file' || stripped === '') {
      entry.resume();
      continue;
    }
    let rel: string;
    try {
      rel = bundlePath(stripped, { source: 'results archive' });
    } catch (err) {
      entry.resume();
      throw err;
    }
    const target = join(resolve(dest), rel);
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, Buffer.concat(chunks));
    written.push(rel);
  }
  return written.sort();
}
