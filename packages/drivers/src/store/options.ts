/**
 * The store flags every cluster driver shares (`--store`, `--s3-endpoint`, …), and what a
 * job record keeps to reopen the store later (never credentials: only where they come from).
 */
import { UsageError } from '@nbrun/core';
import type { DriverOptionSpec, RawDriverOptions } from '../types.js';
import { S3Store } from './s3.js';

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

/** Flags of the store, for a driver's `optionSpecs`. */
export const STORE_OPTION_SPECS: readonly DriverOptionSpec[] = [
  { name: 'store', arity: 1, valueName: 'S3URL', description: 'where bundles and results go: s3://bucket/prefix (default $NBRUN_STORE)' },
  { name: 's3-endpoint', arity: 1, valueName: 'URL', description: 'S3-compatible endpoint (MinIO, COS, Ceph); default $NBRUN_S3_ENDPOINT, else AWS' },
  { name: 'job-s3-endpoint', arity: 1, valueName: 'URL', description: 'the endpoint as seen from inside the cluster (default --s3-endpoint)' },
  { name: 's3-region', arity: 1, valueName: 'REGION', description: 'S3 region (default $AWS_REGION, else us-east-1)' },
  { name: 's3-profile', arity: 1, valueName: 'NAME', description: 'credentials of a named AWS profile (default: $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY)' },
  { name: 's3-virtual-host', arity: 0, description: 'virtual-host-style addressing (bucket.endpoint) instead of path-style' },
];

function text(raw: RawDriverOptions, name: string): string | undefined {
  const v = raw[name];
  if (v === undefined || v === false) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`);
  return v;
}

/**
 * Store settings from flags and the environment; a missing or non-S3 store is a UsageError.
 * @example parseStoreSettings({ store: 's3://jobs/nbrun', 's3-endpoint': 'http://minio:9000' }, process.env, 'kubernetes')
 */
export function parseStoreSettings(raw: RawDriverOptions, env: NodeJS.ProcessEnv, driver: string): StoreSettings {
  const url = text(raw, 'store') ?? env.NBRUN_STORE;
  if (!url) throw new UsageError(`--driver ${driver} needs --store s3://bucket/prefix (or $NBRUN_STORE): the job fetches its bundle from there`);
  if (!/^s3:\/\/[^/]+/.test(url)) throw new UsageError(`--store '${url}': --driver ${driver} needs an s3://bucket[/prefix] URL the cluster can reach`);
  const endpoint = text(raw, 's3-endpoint') ?? (env.NBRUN_S3_ENDPOINT || undefined);
  for (const [flag, value] of [['s3-endpoint', endpoint], ['job-s3-endpoint', text(raw, 'job-s3-endpoint')]] as const) {
    if (value !== undefined && !/^https?:\/\/[^\s]+$/.test(value)) throw new UsageError(`--${flag} '${value}': expected an http(s):// URL`);
  }
  const settings: StoreSettings = { url };
  if (endpoint) settings.endpoint = endpoint;
  const jobEndpoint = text(raw, 'job-s3-endpoint');
  if (jobEndpoint) settings.jobEndpoint = jobEndpoint;
  const region = text(raw, 's3-region');
  if (region) settings.region = region;
  const profile = text(raw, 's3-profile');
  if (profile) settings.profile = profile;
  if (raw['s3-virtual-host'] === true) settings.forcePathStyle = false;
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
