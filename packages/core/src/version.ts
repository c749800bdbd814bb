/** @nbrun/core's version (kept equal to packages/core/package.json). */
export const VERSION = '0.1.0';
