/** `@nbrun/drivers/local` — the local driver (a detached runner process on this machine). */
export { LocalDriver, LOCAL_JOB_FILES } from '../backends/local/driver.js';
export type { LocalLaunchOptions } from '../backends/local/driver.js';
export { localOptionsSchema } from '../backends/local/schema.js';
export type { LocalDriverOptions } from '../backends/local/schema.js';
