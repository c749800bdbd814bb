/**
 * The result location: a local directory, or an S3 prefix. Files are always written to a
 * local directory first (atomically), then published (uploaded) when the location is S3.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OutputWriteError, UsageError } from '@nbrun/core';
import { parseS3Url } from '../s3-url.js';

/** Where results go. */
export interface ResultSink {
  /** The location as given (for logs; contains no credentials). */
  readonly location: string;
  /** Local directory the files are written to first. */
  readonly dir: string;
  /** True when `dir` is the final location (no upload). */
  readonly local: boolean;
  /** Makes `name` (a file in `dir`) visible at the location: a no-op for a directory. */
  publish(name: string): Promise<void>;
  close(): void;
}

/**
 * Opens a result location: a directory (created), or `s3://bucket/prefix` (files staged
 * in `stagingDir`, uploaded to `prefix/name`).
 *
 * @example const sink = await openResults('s3://jobs/42/results', '/tmp/job/results', process.env, process.cwd());
 */
export async function openResults(location: string, stagingDir: string, env: NodeJS.ProcessEnv, cwd: string): Promise<ResultSink> {
  const s3 = parseS3Url(location);
  if (s3) {
    if (!s3.bucket) throw new UsageError(`results '${location}': no bucket`);
    await mkdir(stagingDir, { recursive: true });
    const { createS3Client, describeS3Error, putObject } = await import('../s3.js');
    const client = createS3Client(env);
    const prefix = s3.key.replace(/\/+$/, '');
    return {
      location,
      dir: stagingDir,
      local: false,
      async publish(name) {
        const key = prefix ? `${prefix}/${name}` : name;
        const body = await readFile(join(stagingDir, name));
        try {
          await putObject(client, { bucket: s3.bucket, key }, body, name.endsWith('.json') || name.endsWith('.ipynb') ? 'application/json' : 'application/octet-stream');
        } catch (cause) {
          throw new OutputWriteError(`s3://${s3.bucket}/${key}`, `s3://${s3.bucket}/${key}: could not upload (${describeS3Error(cause)})`, { cause });
        }
      },
      close: () => client.destroy(),
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new UsageError(`results '${location}': unsupported location (use a directory or s3://bucket/prefix)`);
  }
  const dir = resolve(cwd, location);
  await mkdir(dir, { recursive: true }).catch((cause: unknown) => {
    throw new OutputWriteError(dir, `results directory '${dir}' could not be created (${(cause as Error).message})`, { cause });
  });
  return { location: dir, dir, local: true, publish: async () => undefined, close: () => undefined };
}
