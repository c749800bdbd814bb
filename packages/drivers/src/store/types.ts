/**
 * The object store: how platforms that cannot see this machine's disk exchange files
 * with nbrun. Bundles go up, results come down. Keys are `/`-separated and relative to
 * the store's root (a bucket prefix, or a directory).
 */

/** What every store implementation offers. */
export interface ObjectStore {
  /** `s3://bucket/prefix` or `file:///dir`: the root every key is relative to. */
  readonly url: string;
  /**
   * The URL the runner reads or writes for a key (`s3://bucket/prefix/key`, or a path).
   * @example store.urlOf('train-1/bundle.zip') // 's3://jobs/nbrun/train-1/bundle.zip'
   */
  urlOf(key: string): string;
  /** Writes one object. */
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  /** Reads one object; a missing key is a BackendError with status 404. */
  get(key: string): Promise<Uint8Array>;
  /**
   * Reads one object from byte `start` to its end (S3: a ranged GET, `Range: bytes=start-`):
   * empty when `start` is at or past its end; a missing key is a BackendError with status 404.
   * @example const tail = await store.getFrom('run-1/run.log', seen) // only the bytes after `seen`
   */
  getFrom(key: string, start: number): Promise<Uint8Array>;
  /** Every key below `prefix` (itself relative to the root), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deletes every key below `prefix` (or the one key); returns how many went. */
  delete(prefix: string): Promise<number>;
  /** Uploads a local file to `key`. */
  uploadFile(localPath: string, key: string): Promise<void>;
  /** Uploads every file below a local directory under `prefix`; returns the keys written. */
  uploadDir(localDir: string, prefix: string): Promise<string[]>;
  /** Downloads every key below `prefix` into `localDir` (paths relative to the prefix); returns them. */
  downloadPrefix(prefix: string, localDir: string): Promise<string[]>;
  /** Frees connections. */
  close(): void;
}

/**
 * Joins key parts with single slashes, dropping empty parts.
 * @example joinKey('nbrun/', '/train-1', 'bundle.zip') // 'nbrun/train-1/bundle.zip'
 */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .join('/');
}
