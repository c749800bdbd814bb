/**
 * @nbrun/runner — the entrypoint inside a batch job's container.
 * Every public export is listed here by name.
 */
export {
  JOB_SPEC_FILE_NAME, DEFAULT_OUTPUT_NAME, STATUS_FILE_NAME, JOB_SPEC_SCHEMA, JOB_SPEC_SCHEMA_ID,
  JobSpecError, validateJobSpec,
} from './spec.js';
export type { JobSpec, JobSpecGateway, LogFormat } from './spec.js';
