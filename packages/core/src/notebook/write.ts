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
import { dumpPythonJson, writePythonJson } from './json-write.js';
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
  // Serialized straight into the temp file, about 1 MiB at a time: a notebook with 100 MB of
  // output never becomes one string (the bytes are those of serializeNotebook).
  await writeAtomic(path, (fd) => streamNotebook(path, nb, fd));
}

/**
 * {@link writeNotebook}, synchronously — for exit and signal handlers where nothing async runs.
 * @example process.on('exit', () => writeNotebookSync('partial.ipynb', nb))
 */
export function writeNotebookSync(path: string, nb: Notebook): void {
  writeAtomicSync(path, (fd) => streamNotebook(path, nb, fd));
}

/** Writes the serialized notebook to `fd` piece by piece; a value that cannot be serialized is an OutputWriteError. */
function streamNotebook(path: string, nb: Notebook, fd: number): void {
  const prepared = (() => {
    try {
      return prepareNotebookForWrite(nb);
    } catch (err) {
      throw unserializable(path, err);
    }
  })();
  const sink = (piece: string): void => writeAllSync(fd, Buffer.from(piece, 'utf8'));
  try {
    writePythonJson(prepared, sink);
  } catch (err) {
    // A failed write (ENOSPC) is reported as such by the caller; anything else is the notebook's fault.
    if ((err as NodeJS.ErrnoException).syscall !== undefined) throw err;
    throw unserializable(path, err);
  }
  sink('\n');
}

function writeAllSync(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function unserializable(path: string, err: unknown): OutputWriteError {
  if (err instanceof OutputWriteError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new OutputWriteError(path, `${path}: cannot write the notebook: it cannot be serialized (${reason})`, { cause: err });
}

/**
 * Writes text or bytes to `path` atomically (temp file beside it + fsync + rename), so a
 * reader never sees half of it; errors are {@link OutputWriteError}. The one atomic write
 * of nbrun's result files (status JSON, JUnit, HTML) and job records.
 * `mode`: permissions of a file that does not exist yet (default 0o666 & ~umask; a replaced
 * file keeps its own). `sync: false` skips the flushes to disk (a crash may then lose the
 * new content, never half of it) for small files rewritten often, where a flush costs more
 * than the write.
 * @example await writeFileAtomic('status.json', JSON.stringify(status), { sync: false })
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number; sync?: boolean } = {}): Promise<void> {
  await writeAtomic(path, undefined, data, options);
}

/** Temp file + fill (a writer on the fd, or data) + fsync + rename; an OutputWriteError stays as it is. */
async function writeAtomic(
  path: string,
  fill: ((fd: number) => void) | undefined,
  data: string | Uint8Array = '',
  options: { mode?: number; sync?: boolean } = {},
): Promise<void> {
  let target = path;
  let tmp: string | undefined;
  const sync = options.sync ?? true;
  try {
    target = await resolveTarget(path);
    const mode = await existingMode(target, options.mode);
    tmp = tempPathFor(target);
    const handle = await open(tmp, 'wx', mode);
    try {
      if (fill) fill(handle.fd);
      else await handle.writeFile(data);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
    tmp = undefined;
    if (sync) await syncDirectory(dirname(target));
  } catch (err) {
    if (tmp) await rm(tmp, { force: true }).catch(() => undefined);
    if (err instanceof OutputWriteError) throw err;
    throw writeError(path, err);
  }
}

/**
 * {@link writeFileAtomic}, synchronously.
 * @example writeFileAtomicSync('status.json', JSON.stringify(status))
 */
export function writeFileAtomicSync(path: string, text: string): void {
  writeAtomicSync(path, (fd) => fs.writeFileSync(fd, text, 'utf8'));
}

function writeAtomicSync(path: string, fill: (fd: number) => void): void {
  let tmp: string | undefined;
  try {
    const target = resolveTargetSync(path);
    const mode = existingModeSync(target);
    tmp = tempPathFor(target);
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      fill(fd);
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
    if (err instanceof OutputWriteError) throw err;
    throw writeError(path, err);
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

/** Keep the permissions of the file being replaced; a new file gets `fresh` (the usual 0666) & ~umask. */
async function existingMode(target: string, fresh = 0o666): Promise<number> {
  try {
    // A directory target is refused by the rename itself, which also exercises the temp cleanup.
    return (await stat(target)).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fresh;
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
