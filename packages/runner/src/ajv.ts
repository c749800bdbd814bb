/**
 * One ajv instance for the runner's schemas (job spec, status).
 *
 * The schemas are this package's own, so they are not checked against the draft-07
 * meta-schema at run time (`validateSchema: false`): compiling the meta-schema was most of
 * the cost of the first validation (about a fifth of a second of CPU, paid by every job's
 * runner and every submit). test/spec.test.ts checks them against it instead.
 */
import AjvModule from 'ajv';

type AjvClass = typeof AjvModule.default;
// ajv is CommonJS: Node gives its module object as the default export, bundlers may give the class.
const Ajv: AjvClass = (AjvModule as unknown as { default?: AjvClass }).default ?? (AjvModule as unknown as AjvClass);

let ajv: InstanceType<typeof Ajv> | undefined;

/**
 * Compiles a draft-07 JSON Schema with the shared ajv instance.
 * @example const validate = compileSchema(JOB_SPEC_SCHEMA); validate(value);
 */
export function compileSchema(schema: object) {
  if (!ajv) {
    ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, validateSchema: false });
    // The one format the runner's schemas use (RFC 3339 timestamps), without pulling in ajv-formats.
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  }
  return ajv.compile(schema);
}
