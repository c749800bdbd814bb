/**
 * The JSON Schemas the runner publishes in `schemas/`, by file name.
 */
import { JOB_SPEC_SCHEMA } from './spec.js';
import { STATUS_SCHEMA } from './status.js';

/**
 * Published schemas by file name (written to `schemas/` by scripts/write-schemas.ts).
 * @example writeFileSync('job-spec.schema.json', JSON.stringify(PUBLISHED_SCHEMAS['job-spec.schema.json']))
 */
export const PUBLISHED_SCHEMAS: Record<string, object> = {
  'job-spec.schema.json': JOB_SPEC_SCHEMA,
  'status.schema.json': STATUS_SCHEMA,
};
