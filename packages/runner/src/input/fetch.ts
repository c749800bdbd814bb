/**
 * Brings the job's input into the work dir: a directory (copied, so a read-only mount
 * is never written to and the original stays as it was), an archive on disk, at an
 * http(s) URL or in S3 (unpacked), an S3 prefix (each object copied), or a single file.
 */
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { BundleError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { parseS3Url } from '../s3-url.js';
import { detectArchive, extractArchive, type ArchiveLimits } from './extract.js';
import { isInside, prepareWrite, realRoot, resolveEntry } from './safe-path.js';

/** What {@link fetchInput} did, for the log. */
export interface FetchedInput {
  /** How the input was brought in. */
  kind: 'directory' | 'archive' | 's3-prefix' | 'file';
  /** Files written into the bundle dir (directories copied: not counted). */
  files?: number;
}

export interface FetchInputOptions {
  env: NodeJS.ProcessEnv;
  /** Where relative local paths are resolved. */
  cwd: string;
  signal?: AbortSignal;
  /** Paths never copied from a directory input (the work dir, the results dir). */
  exclude?: string[];
  /** Limits on unpacking an archive input. */
  limits?: Partial<ArchiveLimits>;
}

/**
 * Places the input named by `input` into `bundleDir` (created).
 *
 * @example
 * await fetchInput('s3://jobs/42/bundle.zip', '/tmp/nbrun-job-x/bundle', { env: process.env, cwd: process.cwd() });
 */
export async function fetchInput(input: string, bundleDir: string, options: FetchInputOptions): Promise<FetchedInput> {
  await mkdir(bundleDir, { recursive: true });
  if (/^https?:\/\//i.test(input)) {
    const bytes = await download(input, options.signal);
    return placeBytes(bytes, bundleDir, redactUrl(input), fileNameOf(new URL(input).pathname), options);
  }
  const s3 = parseS3Url(input);
  if (s3) {
    const { createS3Client, getObjectBytes, listKeys } = await import('../s3.js');
    const client = createS3Client(options.env);
    try {
      if (s3.key === '' || s3.key.endsWith('/')) {
        const keys = await listKeys(client, s3.bucket, s3.key, options.signal);
        if (!keys.length) throw new BundleError(`${input}: no objects under this prefix`);
        const root = await realRoot(bundleDir);
        for (const key of keys) {
          if (key.endsWith('/')) continue; // folder markers made by consoles
          const path = resolveEntry(root, key.slice(s3.key.length), input);
          await prepareWrite(root, path, input, key);
          await writeFile(path, await getObjectBytes(client, { bucket: s3.bucket, key }, options.signal));
        }
        return { kind: 's3-prefix', files: keys.length };
      }
      const bytes = await getObjectBytes(client, s3, options.signal);
      return await placeBytes(bytes, bundleDir, input, fileNameOf(s3.key), options);
    } finally {
      client.destroy();
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    throw new BundleError(`input '${redactUrl(input)}': unsupported scheme (use a path, http(s)://, or s3://bucket/key)`);
  }
  const path = resolve(options.cwd, input);
  const info = await stat(path).catch((cause: unknown) => {
    throw new BundleError(`input '${input}': ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (cause as Error).message}`, { cause });
  });
  if (info.isDirectory()) {
    const exclude = (options.exclude ?? []).map((p) => resolve(p));
    await cp(path, bundleDir, {
      recursive: true,
      // Keep links as they are: a local directory is the user's own, not untrusted input.
      verbatimSymlinks: true,
      filter: (src) => resolve(src) === path || !exclude.some((ex) => isInside(ex, resolve(src))),
    }).catch((cause: unknown) => {
      throw new BundleError(`input '${input}': could not copy the directory (${(cause as Error).message})`, { cause });
    });
    return { kind: 'directory' };
  }
  const bytes = await readFile(path).catch((cause: unknown) => {
    throw new BundleError(`input '${input}': ${(cause as Error).message}`, { cause });
  });
  return placeBytes(bytes, bundleDir, input, basename(path), options);
}

/** Unpacks an archive, or places a single file (e.g. a lone notebook) under its own name. */
async function placeBytes(bytes: Uint8Array, bundleDir: string, source: string, name: string | undefined, options: FetchInputOptions): Promise<FetchedInput> {
  if (detectArchive(bytes)) {
    const { files } = await extractArchive(bytes, bundleDir, source, {
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { kind: 'archive', files };
  }
  if (!name) throw new BundleError(`${source}: not a zip, tar.gz or tar archive, and no file name to save it under`);
  const root = await realRoot(bundleDir);
  const path = resolveEntry(root, name, source);
  await prepareWrite(root, path, source, name);
  await writeFile(path, bytes);
  return { kind: 'file', files: 1 };
}

function fileNameOf(pathname: string): string | undefined {
  const name = decodeURIComponent(pathname.split('/').pop() ?? '');
  return name && name !== '.' && name !== '..' ? name : undefined;
}

async function download(url: string, signal?: AbortSignal): Promise<Uint8Array> {
  const shown = redactUrl(url);
  // fetch() refuses URLs with credentials: send them as Basic auth instead.
  const target = new URL(url);
  const headers: Record<string, string> = {};
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    const pass = decodeURIComponent(target.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  let res: Response;
  try {
    res = await fetch(target, { signal, redirect: 'follow', headers });
  } catch (cause) {
    throw new BundleError(`${shown}: could not download (${(cause as Error).message})`, { cause });
  }
  if (!res.ok) throw new BundleError(`${shown}: could not download (HTTP ${res.status} ${res.statusText})`);
  return new Uint8Array(await res.arrayBuffer());
}
