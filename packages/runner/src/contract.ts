/**
 * `@nbrun/runner/contract` — what drivers and the runner agree on, without the runner's
 * implementation (no kernel, no archive reader, no AWS SDK): the job spec (types, schema,
 * constants, validation), what a safe path inside a bundle is, status.json (types, schema,
 * states and what each means for a job) and the S3 URLs the runner reads and writes.
 * Every export is listed here by name.
 */
// job spec
export {
  JOB_SPEC_FILE_NAME, DEFAULT_OUTPUT_NAME, STATUS_FILE_NAME, JOB_SPEC_SCHEMA, JOB_SPEC_SCHEMA_ID,
  JobSpecError, validateJobSpec,
} from './spec.js';
export type { JobSpec, JobSpecGateway, JobSpecInputLimits, LogFormat } from './spec.js';

// bundle paths: one policy for the entries drivers write and the runner unpacks
export { bundlePath, bundleLinkTarget, BundlePathError, BUNDLE_PATH_MAX_BYTES, BUNDLE_PATH_MAX_SEGMENT_BYTES } from './bundle-path.js';
export type { BundlePathOptions, BundlePathProblem } from './bundle-path.js';

// status.json
export { STATUS_SCHEMA, RUNNER_STATES, JOB_STATE_OF_RUNNER_STATE } from './status.js';
export type { JobStatus, RunnerState, StatusCell, StatusFailedCell } from './status.js';

// the self-contained build's files (entry, chunks, zeromq addon)
export { RUNNER_DIST_ENTRY, RUNNER_DIST_FILE, isRunnerDistFile } from './dist-files.js';

// the runner host's files (the local driver hands jobs to one long-lived runner process)
export { HOST_FILES, HOST_IDLE_ENV } from './host-protocol.js';
export type { HostRequest } from './host-protocol.js';

// result and input locations
export { parseS3Url } from './s3-url.js';
export { describeS3Error } from './s3-describe.js';
export type { S3Location } from './s3-url.js';
