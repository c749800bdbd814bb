/**
 * Errors of the runner that core has no class for. Codes are core's stable codes.
 */
import { NbrunError } from '@nbrun/core';

/**
 * The input could not be fetched or unpacked, or an archive entry was refused
 * (absolute path, `..`, a link leaving the work dir). Exit code 2.
 *
 * @example throw new BundleError(`bundle.zip: entry '../x' leaves the work dir`);
 */
export class BundleError extends NbrunError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_BUNDLE', message, options);
  }
}
