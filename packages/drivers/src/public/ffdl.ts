/** `@nbrun/drivers/ffdl` — the FfDL driver. */
export { FfdlDriver, ffdlState } from '../backends/ffdl/driver.js';
export type { FfdlSettings } from '../backends/ffdl/driver.js';
export { FfdlClient, FFDL_API_VERSION } from '../backends/ffdl/client.js';
export type { FfdlModel, FfdlStatus, FfdlLogLine } from '../backends/ffdl/client.js';
export { buildManifest as buildFfdlManifest, modelDefinitionZip, ffdlMemory } from '../backends/ffdl/manifest.js';
export { ffdlOptionsSchema, FFDL_ENV, DEFAULT_FFDL_FRAMEWORK } from '../backends/ffdl/schema.js';
export type { FfdlDriverOptions } from '../backends/ffdl/schema.js';
