/**
 * Secrets never leave the service: driver options the driver's schema marks secret (`secret`
 * or `writeOnly`), or whose name says so, are replaced by a placeholder in every response.
 */

export const REDACTED = '[redacted]';

const SECRET_NAME = /token|password|passwd|secret|credential|api[-_]?key|private[-_]?key|access[-_]?key/i;
/** Options that name where a secret is (`kfpTokenEnv`, `storeSecret`, `secretEnv`), not the secret itself. */
const REFERENCE_NAME = /(Env|Secret|SecretName|Ref)$|^secret[A-Z]/;

/** Whether a driver option holds a secret, by its schema (when known) or its name. */
export function isSecretOption(name: string, schema?: { properties?: Record<string, Record<string, unknown>> }): boolean {
  const prop = schema?.properties?.[name];
  if (prop && (prop.secret === true || prop.writeOnly === true)) return true;
  return SECRET_NAME.test(name) && !REFERENCE_NAME.test(name);
}

/**
 * A copy of `value` with every secret driver option (at `driver.options`) replaced; other fields untouched.
 * @example redactSecrets({ driver: { name: 'kubeflow', options: { gatewayToken: 'x' } } }) // options.gatewayToken === '[redacted]'
 */
export function redactSecrets<T>(value: T, schemaOf?: (driver: string) => { properties?: Record<string, Record<string, unknown>> } | undefined): T {
  if (!value || typeof value !== 'object') return value;
  const v = value as { driver?: { name?: unknown; options?: Record<string, unknown> } };
  const options = v.driver?.options;
  if (!options || typeof options !== 'object') return value;
  let schema: { properties?: Record<string, Record<string, unknown>> } | undefined;
  try {
    schema = typeof v.driver!.name === 'string' ? schemaOf?.(v.driver!.name) : undefined;
  } catch {
    schema = undefined;
  }
  const redacted: Record<string, unknown> = {};
  for (const [k, o] of Object.entries(options)) redacted[k] = o !== undefined && o !== null && isSecretOption(k, schema) ? REDACTED : o;
  return { ...value, driver: { ...v.driver, options: redacted } };
}
