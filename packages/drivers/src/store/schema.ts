/** The store options every cluster driver shares (`store`, `s3Endpoint`, …). */
import { flag, HTTP_URL, text } from '../options/schema.js';

export const storeOptionProperties = {
  store: text({
    description: 'where bundles and results go: s3://bucket/prefix (default $NBRUN_STORE)',
    pattern: '^s3://[^/]+',
    'x-value': 'S3URL',
    'x-expected': 'an s3://bucket[/prefix] URL the cluster can reach',
  }),
  s3Endpoint: text({
    description: 'S3-compatible endpoint (MinIO, COS, Ceph); default $NBRUN_S3_ENDPOINT, else AWS',
    pattern: HTTP_URL,
    'x-value': 'URL',
    'x-expected': 'an http(s):// URL',
  }),
  jobS3Endpoint: text({
    description: 'the endpoint as seen from inside the cluster (default s3Endpoint)',
    pattern: HTTP_URL,
    'x-value': 'URL',
    'x-expected': 'an http(s):// URL',
  }),
  s3Region: text({ description: 'S3 region (default $AWS_REGION, else us-east-1)', 'x-value': 'REGION' }),
  s3Profile: text({ description: 'credentials of a named AWS profile (default: $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY)', 'x-value': 'NAME' }),
  s3VirtualHost: flag({ description: 'virtual-host-style addressing (bucket.endpoint) instead of path-style' }),
};
