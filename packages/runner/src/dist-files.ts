/**
 * The files of the self-contained runner build (`dist/`): its entry `nbrun-runner.mjs`, the
 * chunks the entry loads on demand (`nbrun-runner-<name>-<hash>.mjs`: the S3 client, the remote
 * gateway, the kernel), and zeromq's addon folder. A driver that ships the runner with a job
 * ships exactly these.
 */

/** The entry of the self-contained runner build. */
export const RUNNER_DIST_ENTRY = 'nbrun-runner.mjs';

/** How the build names the entry's chunks (esbuild's `chunkNames`): `nbrun-runner-<name>-<hash>.mjs`. */
export const RUNNER_CHUNK_NAMES = 'nbrun-runner-[name]-[hash]';

/** The name of the entry or of one of its chunks. */
export const RUNNER_DIST_FILE = /^nbrun-runner(?:-[\w.-]+)?\.mjs$/;

/**
 * Whether a path relative to the runner's `dist/` belongs to the self-contained build.
 * @example isRunnerDistFile('nbrun-runner-s3-Q2XK7.mjs') // true
 */
export function isRunnerDistFile(relativePath: string): boolean {
  return RUNNER_DIST_FILE.test(relativePath) || relativePath.startsWith('zeromq/');
}
