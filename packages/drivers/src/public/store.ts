/** `@nbrun/drivers/store` — the object stores jobs exchange bundles and results through (loads the AWS SDK). */
export { DirectoryStore } from '../store/directory.js';
export { S3Store, createS3StoreClient, DEFAULT_S3_CREDENTIAL_ENV } from '../store/s3.js';
export type { S3StoreOptions, S3CredentialEnv } from '../store/s3.js';
export { openStore } from '../store/open.js';
export { joinKey } from '../store/types.js';
export type { ObjectStore } from '../store/types.js';
export { resolveStoreSettings, openStoreOf } from '../store/options.js';
export type { StoreSettings, StoreOptions } from '../store/options.js';
export { downloadResults, readStoredStatus } from '../store/results.js';
