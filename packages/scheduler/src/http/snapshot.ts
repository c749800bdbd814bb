/**
 * A request's notebook and files → a {@link Snapshot}, checked as `nbrun submit` checks a
 * bundle: inline names by the bundle path policy the drivers and the runner share (`bundlePath`:
 * no `..`, no absolute path, no backslash or control character; `./a` is `a`), a bundle
 * by the runner's unpacker (links may not leave it, duplicates refused, size bounded).
 */
import { mkdtemp, readFile, readdir, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { NbrunError } from '@nbrun/core';
import { JOB_SPEC_FILE_NAME, bundlePath, extractArchive } from '@nbrun/runner';
import { HttpProblem } from './problem.js';
import type { Snapshot } from '../service.js';

/** Folder of the runner's own files inside a bundle made with `--include-runner` (not the notebook's). */
const BUNDLED_RUNNER_DIR = '.nbrun-runner';

function bad(detail: string, field: string): HttpProblem {
  return new HttpProblem(400, 'E_BUNDLE', detail, field);
}

/** The canonical name; the message names the entry escaped (a name may hold a newline), `field` says where. */
function checkName(name: string, field: string): string {
  try {
    return bundlePath(name, { source: field.startsWith('files.') ? 'files' : field });
  } catch (err) {
    throw bad((err as Error).message, field);
  }
}

/** Refuses a path that is both a file and a folder (`a` and `a/b`). */
function checkTree(names: Iterable<string>, field: string): void {
  const all = new Set(names);
  for (const name of all) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (all.has(dir)) throw bad(`${field}: '${dir}' is both a file and a folder`, field);
    }
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The inline form: `notebook` (the notebook's JSON) and `files` (`{ "path": "<base64>" }`).
 * @example snapshotFromInline({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }, { 'data.csv': 'YSwxCg==' }, 'report.ipynb')
 */
export function snapshotFromInline(notebook: unknown, files: Record<string, string> | undefined, notebookName: string): Snapshot {
  if (!notebook || typeof notebook !== 'object' || Array.isArray(notebook)) {
    throw new HttpProblem(400, 'E_INVALID', 'notebook: must be the notebook as a JSON object', 'notebook');
  }
  const name = checkName(notebookName, 'notebookName');
  const out = new Map<string, Buffer>();
  for (const [path, data] of Object.entries(files ?? {})) {
    const field = `files.${path}`;
    const entry = checkName(path, field);
    if (path.endsWith('/')) throw bad(`${field}: a file name may not end with '/'`, field);
    if (entry === name) throw bad(`${field}: same name as the notebook`, field);
    if (out.has(entry)) throw bad(`${field}: the same file as '${entry}'`, field);
    const compact = data.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw bad(`${field}: not base64`, field);
    out.set(entry, Buffer.from(compact, 'base64'));
  }
  checkTree([name, ...out.keys()], 'files');
  return { notebookName: name, notebook: Buffer.from(JSON.stringify(notebook, null, 1) + '\n'), files: out };
}

/**
 * The multipart form's `bundle`: a zip (or tar.gz) as `nbrun submit` makes one, unpacked by the
 * runner's own unpacker into a temporary folder (no `..`, no absolute paths, no links out, no
 * duplicate entries, at most `maxUnpacked` bytes) and read back. The notebook is the one its
 * `nbrun-job.json` names, else `notebook` (an entry name), else the only `.ipynb` at the top.
 */
export async function snapshotFromBundle(zip: Buffer, opts: { notebook?: string; maxUnpacked: number }): Promise<Snapshot> {
  const field = 'bundle';
  const dir = await mkdtemp(join(tmpdir(), 'nbrun-bundle-'));
  try {
    try {
      await extractArchive(zip, dir, 'bundle', { limits: { maxBytes: opts.maxUnpacked } });
    } catch (err) {
      const message = (err as Error).message;
      if (/limit maxBytes/.test(message)) {
        throw new HttpProblem(413, 'E_TOO_LARGE', `bundle: unpacks to more than ${opts.maxUnpacked} bytes (the server's limit)`, field);
      }
      if (err instanceof NbrunError) throw bad(message.replace(/ \(limit \w+; raise it with [^)]*\)/, ''), field);
      throw err;
    }
    const root = await realpath(dir);
    const files = new Map<string, Buffer>();
    const walk = async (at: string, prefix: string): Promise<void> => {
      for (const d of await readdir(at, { withFileTypes: true })) {
        const name = prefix ? `${prefix}/${d.name}` : d.name;
        const path = join(at, d.name);
        if (d.isDirectory()) await walk(path, name);
        else if (d.isFile()) files.set(name, await readFile(path));
        else if (d.isSymbolicLink()) {
          // The unpacker checked every link stays inside; one inside becomes a copy of its target.
          const real = await realpath(path).catch(() => undefined);
          const info = real ? await stat(real) : undefined;
          if (!real || !info?.isFile() || !isInside(root, real)) throw bad(`bundle: link '${name}' does not point to a file in the bundle`, field);
          files.set(name, await readFile(real));
        }
      }
    };
    await walk(root, '');
    let notebookName = opts.notebook;
    const spec = files.get(JOB_SPEC_FILE_NAME);
    if (!notebookName && spec) {
      try {
        const parsed = JSON.parse(spec.toString('utf8')) as { notebook?: unknown };
        if (typeof parsed.notebook === 'string') notebookName = parsed.notebook;
      } catch {
        throw bad(`bundle: ${JOB_SPEC_FILE_NAME} is not valid JSON`, field);
      }
    }
    if (!notebookName) {
      const top = [...files.keys()].filter((n) => !n.includes('/') && n.endsWith('.ipynb'));
      if (top.length !== 1) {
        throw bad(`bundle: ${top.length ? `${top.length} notebooks at the top (${top.join(', ')})` : 'no notebook at the top'}; name one with "notebookName" in the schedule part`, field);
      }
      notebookName = top[0]!;
    }
    notebookName = checkName(notebookName, 'notebookName');
    const notebook = files.get(notebookName);
    if (!notebook) throw bad(`bundle: no entry '${notebookName}' (the notebook)`, field);
    files.delete(notebookName);
    files.delete(JOB_SPEC_FILE_NAME);
    for (const name of [...files.keys()]) if (name.startsWith(`${BUNDLED_RUNNER_DIR}/`)) files.delete(name);
    return { notebookName, notebook, files };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
}
