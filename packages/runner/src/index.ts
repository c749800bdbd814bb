/**
 * @nbrun/runner — the entrypoint inside a batch job's container.
 * Every public export is listed here by name.
 */
// job spec
export {
  JOB_SPEC_FILE_NAME, DEFAULT_OUTPUT_NAME, STATUS_FILE_NAME, JOB_SPEC_SCHEMA, JOB_SPEC_SCHEMA_ID,
  JobSpecError, validateJobSpec,
} from './spec.js';
export type { JobSpec, JobSpecGateway, JobSpecInputLimits, LogFormat } from './spec.js';

// bundle paths
export { bundlePath, bundleLinkTarget, BundlePathError, BUNDLE_PATH_MAX_BYTES, BUNDLE_PATH_MAX_SEGMENT_BYTES } from './bundle-path.js';
export type { BundlePathOptions, BundlePathProblem } from './bundle-path.js';

// status.json
export { STATUS_SCHEMA } from './status.js';
export { stateFor } from './outcome.js';
export type { JobStatus, JobState, StatusCell, StatusFailedCell } from './status.js';

// the runner as a function (the `nbrun-runner` command calls it)
export { runRunner, DEFAULT_GRACE_SECONDS } from './main.js';
export type { RunnerIO } from './main.js';
export { BundleError } from './errors.js';
export { extractArchive, detectArchive, DEFAULT_ARCHIVE_LIMITS } from './input/extract.js';
export type { ArchiveKind, ArchiveLimits, ExtractOptions } from './input/extract.js';

// S3 helpers (reused by @nbrun/drivers' S3 store) — added by the platform-drivers work
export { parseS3Url } from './s3-url.js';
export { describeS3Error } from './s3-describe.js';
export type { S3Location } from './s3-url.js';
