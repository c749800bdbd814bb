/** `@nbrun/drivers/ffdl` — the FfDL driver. */
export { FfdlDriver, ffdlState } from '../ffdl/driver.js';
export type { FfdlSettings } from '../ffdl/driver.js';
export { FfdlClient, FFDL_API_VERSION } from '../ffdl/client.js';
export type { FfdlModel, FfdlStatus, FfdlLogLine } from '../ffdl/client.js';
export { buildManifest as buildFfdlManifest, modelDefinitionZip, ffdlMemory } from '../ffdl/manifest.js';
export { ffdlOptionsSchema, FFDL_ENV, DEFAULT_FFDL_FRAMEWORK } from '../ffdl/schema.js';
export type { FfdlDriverOptions } from '../ffdl/schema.js';
