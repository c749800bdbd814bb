/**
 * A store in an S3-compatible bucket (MinIO, IBM COS, Ceph, AWS) through
 * `@aws-sdk/client-s3`: endpoint, region, path-style addressing, credentials from the
 * environment (variable names configurable), a named profile, or the SDK's default chain.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { UsageError } from '@nbrun/core';
import { describeS3Error, parseS3Url } from '@nbrun/runner/contract';
import { resolveEntryPath } from '../bundle/paths.js';
import { BackendError } from '../errors.js';
import { listFiles } from '../job/files.js';
import { joinKey, type ObjectStore } from './types.js';

/** Names of the environment variables holding S3 credentials (the values never leave the process). */
export interface S3CredentialEnv {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The standard AWS variable names. */
export const DEFAULT_S3_CREDENTIAL_ENV: S3CredentialEnv = {
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
};

/** How to reach an S3-compatible bucket. */
export interface S3StoreOptions {
  /** `s3://bucket/prefix`: the store's root. */
  url: string;
  /** Endpoint URL (`http://minio:9000`, `https://s3.eu-de.cloud-object-storage.appdomain.cloud`); default AWS. */
  endpoint?: string;
  /** Default `$AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`): what MinIO, COS and Ceph need. Default true when `endpoint` is given. */
  forcePathStyle?: boolean;
  /** Take credentials from these environment variables of `env`. Default the standard AWS names. */
  credentialEnv?: S3CredentialEnv;
  /** A named profile of ~/.aws/credentials (instead of the environment). */
  profile?: string;
  /** Where credentials and the region are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The S3 client for a store: checksums only when required, or many S3-compatible stores reject uploads.
 * @example const client = createS3StoreClient({ url: 's3://jobs', endpoint: 'http://127.0.0.1:9000' })
 */
export function createS3StoreClient(options: S3StoreOptions): S3Client {
  const env = options.env ?? process.env;
  // The SDK warns on every Node < 22 start; in a job console that line reads like a failure.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const names = options.credentialEnv ?? DEFAULT_S3_CREDENTIAL_ENV;
  const accessKeyId = env[names.accessKeyId];
  const secretAccessKey = env[names.secretAccessKey];
  const sessionToken = names.sessionToken ? env[names.sessionToken] : undefined;
  if (options.credentialEnv && !options.profile && (!accessKeyId || !secretAccessKey)) {
    throw new UsageError(`S3 credentials: set ${names.accessKeyId} and ${names.secretAccessKey} in the environment`);
  }
  const config: S3ClientConfig = {
    region: options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.profile) config.profile = options.profile;
  else if (accessKeyId && secretAccessKey) {
    config.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  return new S3Client(config);
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * A store in a bucket, below a key prefix.
 *
 * @example
 * const store = new S3Store({ url: 's3://jobs/nbrun', endpoint: 'http://127.0.0.1:9000' });
 * await store.put('train-1/bundle.zip', zip);
 * const files = await store.downloadPrefix('train-1/results', 'out');
 */
export class S3Store implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;

  constructor(readonly options: S3StoreOptions) {
    const loc = parseS3Url(options.url);
    if (!loc || !loc.bucket) throw new UsageError(`store '${options.url}': expected s3://bucket[/prefix]`, { hint: { option: 'store' } });
    this.bucket = loc.bucket;
    this.prefix = joinKey(loc.key);
    this.url = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.client = createS3StoreClient(options);
  }

  private keyOf(key: string): string {
    return joinKey(this.prefix, key);
  }

  private fail(action: string, key: string, cause: unknown): BackendError {
    const status = statusOf(cause);
    const auth = status === 401 || status === 403;
    return new BackendError('store', `s3://${this.bucket}/${this.keyOf(key)}: cannot ${action} (${describeS3Error(cause)})`, status, {
      cause,
      code: auth ? 'E_BACKEND_AUTH' : 'E_BACKEND',
    });
  }

  urlOf(key: string): string {
    return `s3://${this.bucket}/${this.keyOf(key)}`;
  }

  async put(key: string, body: Uint8Array | string, contentType = 'application/octet-stream'): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Body: body, ContentType: contentType }));
    } catch (cause) {
      throw this.fail('upload', key, cause);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      if (!res.Body) return new Uint8Array(0);
      return await res.Body.transformToByteArray();
    } catch (cause) {
      throw this.fail('download', key, cause);
    }
  }

  async getFrom(key: string, start: number): Promise<Uint8Array> {
    if (start <= 0) return this.get(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Range: `bytes=${start}-` }));
      if (!res.Body) return new Uint8Array(0);
      const body = await res.Body.transformToByteArray();
      // A store that ignores Range answers 200 with the whole object.
      return res.ContentRange === undefined && body.length > 0 ? body.subarray(start) : body;
    } catch (cause) {
      // 416: nothing at or after `start` (the object is not longer than that).
      if (statusOf(cause) === 416) return new Uint8Array(0);
      throw this.fail('download', key, cause);
    }
  }

  /** Full bucket keys below a prefix. */
  private async listRaw(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const base = this.keyOf(prefix);
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ContinuationToken: token }));
        for (const o of res.Contents ?? []) if (o.Key && (o.Key === base || !base || o.Key.startsWith(`${base}/`))) keys.push(o.Key);
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (cause) {
      throw this.fail('list', prefix, cause);
    }
    return keys.sort();
  }

  async list(prefix: string): Promise<string[]> {
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    return (await this.listRaw(prefix)).map((k) => k.slice(strip));
  }

  async delete(prefix: string): Promise<number> {
    const keys = await this.listRaw(prefix);
    // DeleteObjects takes at most 1000 keys per call.
    for (let i = 0; i < keys.length; i += 1000) {
      try {
        await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }),
        );
      } catch (cause) {
        throw this.fail('delete', prefix, cause);
      }
    }
    return keys.length;
  }

  async uploadFile(localPath: string, key: string): Promise<void> {
    await this.put(key, await readFile(localPath), key.endsWith('.json') || key.endsWith('.ipynb') ? 'application/json' : undefined);
  }

  async uploadDir(localDir: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for (const f of await listFiles(localDir)) {
      const key = joinKey(prefix, f);
      await this.uploadFile(`${localDir}/${f}`, key);
      keys.push(key);
    }
    return keys;
  }

  async downloadPrefix(prefix: string, localDir: string): Promise<string[]> {
    const base = this.keyOf(prefix);
    const out: string[] = [];
    for (const full of await this.listRaw(prefix)) {
      const rel = full.slice(base.length).replace(/^\/+/, '');
      if (!rel || rel.endsWith('/')) continue;
      // A key like `../x` must not write outside the destination.
      const dest = resolveEntryPath(localDir, rel, `s3 key '${full}'`);
      const body = await this.get(full.slice(this.prefix ? this.prefix.length + 1 : 0));
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, body);
      out.push(rel);
    }
    return out;
  }

  close(): void {
    this.client.destroy();
  }
}
