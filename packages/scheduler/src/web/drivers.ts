/**
 * The drivers the create form offers, each with the JSON Schema of its options (the form is
 * generated from it), from `@nbrun/drivers`' catalog.
 */
import * as drivers from '@nbrun/drivers';

export interface DriverInfo {
  name: string;
  description: string;
  /** JSON Schema of the driver's options (an object schema). */
  options: Record<string, unknown>;
}

interface Catalog {
  driverNames?: () => { name: string; description: string }[];
  driverOptionsSchema?: (name: string) => Record<string, unknown>;
}

/** Built-in drivers and their option schemas. */
export function driverCatalog(): DriverInfo[] {
  // The catalog functions arrive with the drivers' option schemas (contract §1); until then, local only.
  const catalog = drivers as unknown as Catalog;
  if (typeof catalog.driverNames === 'function' && typeof catalog.driverOptionsSchema === 'function') {
    return catalog.driverNames().map((d) => ({ ...d, options: JSON.parse(JSON.stringify(catalog.driverOptionsSchema!(d.name))) as Record<string, unknown> }));
  }
  return [{ name: 'local', description: 'runs the notebook on the service machine', options: { type: 'object', properties: {}, additionalProperties: false } }];
}
