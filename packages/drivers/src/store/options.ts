/**
 * The store options every cluster driver shares (`store`, `s3Endpoint`, …), and what a
 * job record keeps to reopen the store later (never credentials: only where they come from).
 */
import type { Static, TObject } from '@sinclair/typebox';
import { UsageError } from '@nbrun/core';
import { S3Store } from './s3.js';
import type { storeOptionProperties } from './schema.js';

/** Where a job's files go, as kept in its record. */
export interface StoreSettings {
  /** `s3://bucket/prefix`. */
  url: string;
  /** Endpoint nbrun uses. */
  endpoint?: string;
  /** Endpoint the job uses from inside the cluster (default `endpoint`). */
  jobEndpoint?: string;
  region?: string;
  profile?: string;
  /** Path-style addressing; default true with an endpoint. */
  forcePathStyle?: boolean;
}

/** The store options as given (JSON or flags), before the environment fills them in. */
export type StoreOptions = Static<TObject<typeof storeOptionProperties>>;

const S3_URL = /^s3:\/\/[^/]+/;
const HTTP_URL = /^https?:\/\/[^\s]+$/;

/**
 * Store settings from options (already checked against the schema) and the environment
 * (`$NBRUN_STORE`, `$NBRUN_S3_ENDPOINT`); a missing or non-S3 store is a UsageError.
 * @example resolveStoreSettings({ store: 's3://jobs/nbrun', s3Endpoint: 'http://minio:9000' }, process.env, 'kubernetes')
 */
export function resolveStoreSettings(options: StoreOptions, env: NodeJS.ProcessEnv, driver: string): StoreSettings {
  const url = options.store ?? env.NBRUN_STORE;
  if (!url) {
    throw new UsageError(`the ${driver} driver needs store s3://bucket/prefix (or $NBRUN_STORE): the job fetches its bundle from there`, { hint: { option: 'store' } });
  }
  if (!S3_URL.test(url)) {
    throw new UsageError(`store '${url}': the ${driver} driver needs an s3://bucket[/prefix] URL the cluster can reach`, { hint: { option: 'store' } });
  }
  const endpoint = options.s3Endpoint ?? (env.NBRUN_S3_ENDPOINT || undefined);
  if (endpoint !== undefined && !HTTP_URL.test(endpoint)) {
    throw new UsageError(`s3Endpoint '${endpoint}' (or $NBRUN_S3_ENDPOINT): expected an http(s):// URL`, { hint: { option: 's3Endpoint' } });
  }
  const settings: StoreSettings = { url };
  if (endpoint) settings.endpoint = endpoint;
  if (options.jobS3Endpoint) settings.jobEndpoint = options.jobS3Endpoint;
  if (options.s3Region) settings.region = options.s3Region;
  if (options.s3Profile) settings.profile = options.s3Profile;
  if (options.s3VirtualHost === true) settings.forcePathStyle = false;
  return settings;
}

/**
 * Opens the S3 store of a job's settings, with credentials from `env` (or the profile).
 * @example const store = openStoreOf(record.backend.store, process.env)
 */
export function openStoreOf(settings: StoreSettings, env: NodeJS.ProcessEnv): S3Store {
  return new S3Store({
    url: settings.url,
    endpoint: settings.endpoint,
    region: settings.region,
    profile: settings.profile,
    forcePathStyle: settings.forcePathStyle,
    env,
  });
}
