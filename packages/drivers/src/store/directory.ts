/**
 * A store in a local (or mounted: NFS, a PVC) directory. Keys are file paths below it;
 * every key is checked so none escapes the directory.
 */
import { copyFile, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BackendError } from '../errors.js';
import { listFiles } from '../job/files.js';
import { joinKey, type ObjectStore } from './types.js';

/**
 * A store rooted at a directory.
 *
 * @example
 * const store = new DirectoryStore('/mnt/shared/nbrun');
 * await store.put('job-1/bundle.zip', zip);
 * await store.downloadPrefix('job-1/results', 'out');
 */
export class DirectoryStore implements ObjectStore {
  readonly root: string;
  readonly url: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.url = pathToFileURL(this.root).href;
  }

  /** The file path of a key; refuses keys that leave the root. */
  private pathOf(key: string): string {
    const path = resolve(this.root, joinKey(key));
    if (path !== this.root && !path.startsWith(this.root + sep)) {
      throw new BackendError('store', `store key '${key}' leaves the store directory ${this.root}`);
    }
    return path;
  }

  /** A failed read: status 404 for a missing key. */
  private readFailure(key: string, cause: unknown): BackendError {
    const code = (cause as NodeJS.ErrnoException).code;
    return new BackendError('store', `${this.urlOf(key)}: cannot read (${code ?? String(cause)})`, code === 'ENOENT' ? 404 : undefined, { cause });
  }

  urlOf(key: string): string {
    return this.pathOf(key);
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(key));
    } catch (cause) {
      throw this.readFailure(key, cause);
    }
  }

  async getFrom(key: string, start: number): Promise<Uint8Array> {
    let file;
    try {
      file = await open(this.pathOf(key), 'r');
    } catch (cause) {
      throw this.readFailure(key, cause);
    }
    try {
      const from = Math.max(0, start);
      const body = new Uint8Array(Math.max(0, (await file.stat()).size - from));
      const { bytesRead } = await file.read(body, 0, body.length, from);
      return body.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  async list(prefix: string): Promise<string[]> {
    const path = this.pathOf(prefix);
    const info = await stat(path).catch(() => undefined);
    if (!info) return [];
    if (info.isFile()) return [joinKey(prefix)];
    return (await listFiles(path)).map((f) => joinKey(relative(this.root, path).split(sep).join('/'), f));
  }

  async delete(prefix: string): Promise<number> {
    const n = (await this.list(prefix)).length;
    await rm(this.pathOf(prefix), { recursive: true, force: true });
    return n;
  }

  async uploadFile(localPath: string, key: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await copyFile(localPath, path);
  }

  async uploadDir(localDir: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for (const f of await listFiles(localDir)) {
      const key = joinKey(prefix, f);
      await this.uploadFile(join(localDir, f), key);
      keys.push(key);
    }
    return keys;
  }

  async downloadPrefix(prefix: string, localDir: string): Promise<string[]> {
    const base = joinKey(prefix);
    const out: string[] = [];
    for (const key of await this.list(prefix)) {
      const rel = key.slice(base.length).replace(/^\/+/, '');
      if (!rel) continue;
      const dest = join(localDir, rel);
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(this.pathOf(key), dest);
      out.push(rel);
    }
    return out;
  }

  close(): void {}
}
