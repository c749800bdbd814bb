/**
 * S3-compatible object storage for inputs and results, through @aws-sdk/client-s3:
 * endpoint from `NBRUN_S3_ENDPOINT` or `AWS_ENDPOINT_URL`, path-style addressing,
 * credentials from the standard AWS environment variables.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BundleError } from './errors.js';
import { describeS3Error } from './s3-describe.js';
import type { S3Location } from './s3-url.js';

/**
 * Creates an S3 client for an S3-compatible store (MinIO, Ceph, s3rver, AWS).
 * @example const s3 = createS3Client(process.env);
 */
export function createS3Client(env: NodeJS.ProcessEnv): S3Client {
  // The SDK warns on every Node < 22 start; in a job console that line reads like a failure.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = env.NBRUN_S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  return new S3Client({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: true,
    // S3-compatible stores reject or mangle the newer default CRC checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  });
}

// Lives without the SDK, so the package index exports it without loading the SDK.
export { describeS3Error };

/**
 * Downloads one object into memory.
 * @example const bytes = await getObjectBytes(s3, { bucket: 'jobs', key: '42/bundle.zip' });
 */
export async function getObjectBytes(client: S3Client, loc: S3Location, signal?: AbortSignal): Promise<Uint8Array> {
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: signal });
    if (!res.Body) throw new Error('empty body');
    return await res.Body.transformToByteArray();
  } catch (cause) {
    throw new BundleError(`s3://${loc.bucket}/${loc.key}: could not download (${describeS3Error(cause)})`, { cause });
  }
}

/**
 * Lists every key under a prefix.
 * @example for (const key of await listKeys(s3, 'jobs', '42/')) console.log(key);
 */
export async function listKeys(client: S3Client, bucket: string, prefix: string, signal?: AbortSignal): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const res = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        { abortSignal: signal },
      );
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  } catch (cause) {
    throw new BundleError(`s3://${bucket}/${prefix}: could not list (${describeS3Error(cause)})`, { cause });
  }
  return keys;
}

/**
 * Uploads one object. Errors are left to the caller (results upload reports them its own way).
 * @example await putObject(s3, { bucket: 'jobs', key: '42/status.json' }, body, 'application/json');
 */
export async function putObject(client: S3Client, loc: S3Location, body: Uint8Array | string, contentType: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: body, ContentType: contentType }));
}
