/**
 * `s3://bucket/key` locations, parsed without loading the AWS SDK (it is loaded only
 * when a job really uses S3).
 */

/** A bucket and a key (or key prefix) parsed from `s3://bucket/key`. */
export interface S3Location {
  bucket: string;
  key: string;
}

/**
 * Parses `s3://bucket/key`. The key may be empty or end with `/` (a prefix).
 * @example parseS3Url('s3://jobs/42/bundle.zip') // { bucket: 'jobs', key: '42/bundle.zip' }
 */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) return undefined;
  return { bucket: m[1]!, key: m[2]! };
}
