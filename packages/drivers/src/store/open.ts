/**
 * Opens a store from a URL: `s3://bucket/prefix` (S3-compatible) or a directory path /
 * `file://` URL.
 */
import { fileURLToPath } from 'node:url';
import { DirectoryStore } from './directory.js';
import { S3Store, type S3StoreOptions } from './s3.js';
import type { ObjectStore } from './types.js';

/**
 * A store for a URL; S3 options apply to `s3://` URLs only.
 * @example const store = openStore('s3://jobs/nbrun', { endpoint: 'http://minio:9000' })
 * @example const store = openStore('/mnt/shared/nbrun')
 */
export function openStore(url: string, options: Omit<S3StoreOptions, 'url'> = {}): ObjectStore {
  if (url.startsWith('s3://')) return new S3Store({ ...options, url });
  return new DirectoryStore(url.startsWith('file://') ? fileURLToPath(url) : url);
}
