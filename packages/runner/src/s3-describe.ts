/** S3 error messages, without loading the AWS SDK. */

/** A short reason from an SDK error, without request ids or signatures. */
export function describeS3Error(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return [e.name, status ? `HTTP ${status}` : undefined, e.message && e.message !== e.name ? e.message : undefined]
    .filter(Boolean)
    .join(': ')
    .split('\n', 1)[0]!;
}
