/** The bundle functions the main entry offers, loading the bundle module (and the runner's job-spec checks) on first call. */
import type { Bundle, CreateBundleOptions } from './bundle.js';

/**
 * Zips a notebook, its dependencies and its job spec (see `createBundle` in `@nbrun/drivers/job`).
 * @example const bundle = await createBundle({ notebook: 'train.ipynb', dependencies: ['*.py'] })
 */
export async function createBundle(options: CreateBundleOptions): Promise<Bundle> {
  return (await import('./bundle.js')).createBundle(options);
}
