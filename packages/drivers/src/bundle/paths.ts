/**
 * Where a bundle entry lands on this machine. Whether a name is safe is the contract's one
 * policy (`bundlePath` in `@nbrun/runner/contract`), the same the runner applies when it unpacks.
 */
import { join, resolve } from 'node:path';
import { bundlePath } from '@nbrun/runner/contract';

/**
 * Where entry `name` lands under `dest`; throws a `BundlePathError` (`E_BUNDLE`) naming an
 * unsafe name (absolute, `..`, a backslash, a control character…).
 * @example resolveEntryPath('/tmp/job', './data//x.csv') // '/tmp/job/data/x.csv'
 */
export function resolveEntryPath(dest: string, name: string, source = 'bundle'): string {
  return join(resolve(dest), bundlePath(name, { source }));
}
