/**
 * Finds an OUTPUT that cannot be written before the kernel starts, so a run never executes
 * every cell only to lose the result (a missing folder, a directory, `/proc/...`).
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OutputWriteError } from '../errors.js';

/**
 * Proves that `path` can be written the way the notebook writer writes it (a new file in its
 * folder, then a rename): creates and removes a hidden probe file next to it.
 * Throws an {@link OutputWriteError} naming the path and the reason.
 * @example await checkOutputWritable('/data/out.ipynb')
 */
export async function checkOutputWritable(path: string): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const dir = dirname(target);
  const fail = (reason: string, cause?: unknown): never => {
    throw new OutputWriteError(path, `${path}: cannot write (${reason})`, cause === undefined ? undefined : { cause });
  };
  const here = await stat(target).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : fail(reasonOf(err, dir), err)));
  if (here?.isDirectory()) fail('it is a directory');
  if (here && !here.isFile()) fail('it is not a regular file');
  const folder = await stat(dir).catch((err: NodeJS.ErrnoException) => fail(reasonOf(err, dir), err));
  if (!folder.isDirectory()) fail(`${dir} is not a folder`);
  const probe = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.probe`);
  try {
    const handle = await open(probe, 'wx', 0o600);
    await handle.close();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // The folder exists (checked above): ENOENT here means it cannot hold files (/proc, /sys).
    fail(code === 'ENOENT' ? `cannot create files in ${dir}` : reasonOf(err as NodeJS.ErrnoException, dir), err);
  }
  await rm(probe, { force: true }).catch(() => undefined);
}

function reasonOf(err: NodeJS.ErrnoException, dir: string): string {
  switch (err.code) {
    case 'ENOENT':
      return `folder ${dir} does not exist`;
    case 'ENOTDIR':
      return `${dir} is not a folder`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return err.code ?? err.message;
  }
}
