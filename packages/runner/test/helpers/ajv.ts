/**
 * ajv for tests of the runner's schemas (the status schema; the job spec's validators are
 * precompiled: src/spec-validators.generated.ts). `Ajv` checks schemas against the draft-07
 * meta-schema; `compileSchema` compiles with the options the generated validators use.
 */
import AjvModule from 'ajv';

type AjvClass = typeof AjvModule.default;
// ajv is CommonJS: Node gives its module object as the default export, bundlers may give the class.
export const Ajv: AjvClass = (AjvModule as unknown as { default?: AjvClass }).default ?? (AjvModule as unknown as AjvClass);

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
