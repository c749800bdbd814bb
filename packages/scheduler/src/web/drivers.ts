/**
 * The drivers the create form offers, each with the JSON Schema of its options (the form is
 * generated from it), from `@nbrun/drivers`' catalog.
 */
import { driverNames, driverOptionsSchema } from '@nbrun/drivers';

export interface DriverInfo {
  name: string;
  description: string;
  /** JSON Schema of the driver's options (an object schema). */
  options: Record<string, unknown>;
}

/** Built-in drivers and their option schemas (plain JSON). */
export function driverCatalog(): DriverInfo[] {
  return driverNames().map((d) => ({ ...d, options: JSON.parse(JSON.stringify(driverOptionsSchema(d.name))) as Record<string, unknown> }));
}
