/**
 * Writing a notebook the way Python's nbformat does, atomically: the text is made first,
 * then written to a temporary file beside the target, flushed to disk and renamed over it,
 * so a crash or a bad notebook never leaves half a file or clobbers an existing one.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { open, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OutputWriteError } from '../errors.js';
import type { Notebook } from '../execute/types.js';
import { dumpPythonJson } from './json-write.js';
import { prepareNotebookForWrite } from './lines.js';

/**
 * The notebook as Python's `nbformat.write` writes it: lines split (`split_lines`),
 * transient fields stripped, keys sorted, 1-space indent, non-ASCII kept, trailing newline.
 * `nb` itself is not changed.
 * @example await writeFile('out.ipynb', serializeNotebook(nb))
 */
export function serializeNotebook(nb: Notebook): string {
  return dumpPythonJson(prepareNotebookForWrite(nb)) + '\n';
}

/**
 * Writes `nb` to `path` atomically (temp file in the same folder + fsync + rename).
 * Any failure — including a notebook that cannot be serialized — throws
 * {@link OutputWriteError} naming `path`, leaves an existing file untouched and no temp file.
 * @example await writeNotebook('out.ipynb', nb)
 */
export async function writeNotebook(path: string, nb: Notebook): Promise<void> {
  const text = serializeForWrite(path, nb);
  await writeFileAtomic(path, text);
}

/**
 * {@link writeNotebook}, synchronously — for exit and signal handlers where nothing async runs.
 * @example process.on('exit', () => writeNotebookSync('partial.ipynb', nb))
 */
export function writeNotebookSync(path: string, nb: Notebook): void {
  const text = serializeForWrite(path, nb);
  writeFileAtomicSync(path, text);
}

/**
 * Writes text to `path` atomically (temp file + fsync + rename); errors are {@link OutputWriteError}.
 * Exported for other result files (status JSON) that must never be half written.
 * @example await writeFileAtomic('status.json', JSON.stringify(status))
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  let target = path;
  let tmp: string | undefined;
  try {
    target = await resolveTarget(path);
    const mode = await existingMode(target);
    tmp = tempPathFor(target);
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
    tmp = undefined;
    await syncDirectory(dirname(target));
  } catch (err) {
    if (tmp) await rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(path, err);
  }
}

/**
 * {@link writeFileAtomic}, synchronously.
 * @example writeFileAtomicSync('status.json', JSON.stringify(status))
 */
export function writeFileAtomicSync(path: string, text: string): void {
  let tmp: string | undefined;
  try {
    const target = resolveTargetSync(path);
    const mode = existingModeSync(target);
    tmp = tempPathFor(target);
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      fs.writeFileSync(fd, text, 'utf8');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
    tmp = undefined;
    syncDirectorySync(dirname(target));
  } catch (err) {
    if (tmp) {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // The original error is the one to report.
      }
    }
    throw writeError(path, err);
  }
}

function serializeForWrite(path: string, nb: Notebook): string {
  try {
    return serializeNotebook(nb);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new OutputWriteError(path, `${path}: cannot write the notebook: it cannot be serialized (${reason})`, { cause: err });
  }
}

function tempPathFor(target: string): string {
  // Hidden, in the same folder (rename is atomic only within one file system), unique per writer.
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** A symlinked target is replaced through the link, as `open(path, 'w')` would write through it. */
async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

function resolveTargetSync(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return path;
  }
}

/** Keep the permissions of the file being replaced; a new file gets the usual 0666 & ~umask. */
async function existingMode(target: string): Promise<number> {
  try {
    // A directory target is refused by the rename itself, which also exercises the temp cleanup.
    return (await stat(target)).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0o666;
    throw err;
  }
}

function existingModeSync(target: string): number {
  try {
    return fs.statSync(target).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0o666;
    throw err;
  }
}

/** Persist the rename itself; some file systems cannot fsync a directory, which is fine. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort only.
  }
}

function syncDirectorySync(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Best effort only.
  }
}

function writeError(path: string, err: unknown): OutputWriteError {
  const code = (err as NodeJS.ErrnoException).code;
  let reason: string;
  switch (code) {
    case 'ENOENT':
      reason = `folder ${dirname(path)} does not exist`;
      break;
    case 'ENOTDIR':
      reason = `${dirname(path)} is not a folder`;
      break;
    case 'EISDIR':
      reason = 'it is a directory';
      break;
    case 'EACCES':
    case 'EPERM':
      reason = 'permission denied';
      break;
    case 'EROFS':
      reason = 'read-only file system';
      break;
    case 'ENOSPC':
      reason = 'no space left on device';
      break;
    case 'EDQUOT':
      reason = 'disk quota exceeded';
      break;
    default:
      reason = code ?? (err instanceof Error ? err.message : String(err));
  }
  return new OutputWriteError(path, `${path}: cannot write (${reason})`, { cause: err });
}
