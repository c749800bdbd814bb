/**
 * `@nbrun/drivers/job` — what writing a driver needs: bundles, job preparation, runner status,
 * polling, and the base class of drivers whose jobs run on a platform.
 */
export { createBundle, unpackBundle, readBundleEntries, BUNDLED_RUNNER_DIR } from '../bundle/bundle.js';
export type { Bundle, CreateBundleOptions } from '../bundle/bundle.js';
export { resolveDependencies } from '../bundle/dependencies.js';
export type { BundleFile, ResolveDependenciesOptions } from '../bundle/dependencies.js';
export { resolveEntryPath } from '../bundle/paths.js';
export { prepareJob, buildJobSpec, createJobId } from '../job/prepare.js';
export { readRunnerStatus, stateFromRunner, failureMessage } from '../job/runner-status.js';
export { pollUntilTerminal } from '../job/wait.js';
export { listFiles } from '../job/files.js';
export type { PreparedJob } from '../job/prepare.js';
export { locateRunner, findRunnerDist, runnerPackageDir } from '../job/runner-location.js';
export type { RunnerCommand } from '../job/runner-location.js';
export { PlatformDriver } from '../job/platform-driver.js';
export { checkOptions } from '../options/schema.js';
