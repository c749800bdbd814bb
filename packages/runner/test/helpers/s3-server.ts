/**
 * A real S3-protocol server on loopback (s3rver, files in a temp dir) and a standard
 * S3 client (@aws-sdk/client-s3) configured for it, as the runner will be.
 */
import S3rver from 's3rver';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { tempDir } from './runner-process.js';

// The SDK's Node < 22 warning would only clutter the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** s3rver's built-in account. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export interface S3TestServer {
  endpoint: string;
  /** Environment for the runner: endpoint and credentials. */
  env: Record<string, string>;
  client: S3Client;
  put(bucket: string, key: string, body: Uint8Array | string): Promise<void>;
  get(bucket: string, key: string): Promise<string>;
  /** Every key in a bucket below a prefix. */
  list(bucket: string, prefix?: string): Promise<string[]>;
  /** Takes the server down (connections refused), keeping its objects… */
  down(): Promise<void>;
  /** …and brings it back on the same port with the same objects. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 with the given buckets.
 * @example const s3 = await startS3Server(['jobs']); await s3.put('jobs', 'a', 'x'); await s3.stop();
 */
export async function startS3Server(buckets: string[]): Promise<S3TestServer> {
  const directory = tempDir('nbrun-s3rver-');
  const create = (port: number) => new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  let server: S3rver | undefined = create(0);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: S3RVER_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
  });
  return {
    endpoint,
    env: { NBRUN_S3_ENDPOINT: endpoint, ...S3RVER_CREDENTIALS },
    client,
    async put(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async get(bucket, key) {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return res.Body!.transformToString();
    },
    async list(bucket, prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const res = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(res.Contents ?? []).map((o) => o.Key!));
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async down() {
      await server?.close();
      server = undefined;
    },
    async up() {
      server ??= create(port);
      await server.run();
    },
    async stop() {
      client.destroy();
      await server?.close();
    },
  };
}
