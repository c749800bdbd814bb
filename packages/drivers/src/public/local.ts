/** `@nbrun/drivers/local` — the local driver (a detached runner process on this machine). */
export { LocalDriver, LOCAL_JOB_FILES } from '../local/driver.js';
export type { LocalLaunchOptions } from '../local/driver.js';
export { localOptionsSchema } from '../local/schema.js';
export type { LocalDriverOptions } from '../local/schema.js';
