/**
 * Artifacts: snapshots (a schedule's notebook and files, immutable, one directory each) and
 * per-run directories (results, log).
 *   <root>/snapshots/<snapshot id>/<notebook>, files…
 *   <root>/runs/<run id>/results/…, run.log
 * A run is submitted straight from its snapshot's directory (immutable; the driver bundles it).
 *
 * With an object store (`s3://…`), the same keys live in the store and `<root>` is only this
 * instance's cache: a snapshot is uploaded before its schedule exists, fetched by whichever
 * instance runs it; a run's results and log are uploaded before the run is marked finished.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { bundlePath } from '@nbrun/runner/contract';
import type { ObjectStore } from '@nbrun/drivers/store';
import type { Snapshot } from './service.js';
import { SchedulerError } from './service.js';

export interface SnapshotRef {
  id: string;
  notebook: string;
  files: string[];
  /**
   * Names in the notebook's parameters cell, read when the snapshot was written (a dispatch
   * does not parse the notebook). Absent in snapshots written before it was recorded.
   */
  parameterNames?: string[];
}

/** The log's name in a run's directory (and below `runs/<id>/` in the store). */
export const RUN_LOG = 'run.log';

function isMissing(err: unknown): boolean {
  return (err as { status?: number }).status === 404 || (err as NodeJS.ErrnoException).code === 'ENOENT';
}

export class Artifacts {
  /**
   * @param root the artifacts directory (the cache, when `remote` is given)
   * @param remote the object store every instance shares, if any
   */
  /** Cached copies handed out lately (directory → when): a sweep leaves them an hour (a run may be bundled from one, a file read from one). */
  readonly #handedOut = new Map<string, number>();
  /** Hand-outs and the sweep's removals, one at a time: no copy goes between its check and its hand-out. */
  #cacheLock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly root: string,
    readonly remote?: ObjectStore,
  ) {}

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#cacheLock.then(fn);
    this.#cacheLock = p.catch(() => undefined);
    return p;
  }

  /** Whether the file `path` is here; with a store, its cached copy `dir` is then handed out (marked, its time touched). */
  async #cached(dir: string, path: string): Promise<boolean> {
    const here = () => stat(path).then((s) => s.isFile(), () => false);
    if (!this.remote) return here();
    return this.#exclusive(async () => {
      if (!(await here())) return false;
      this.#handedOut.set(dir, Date.now());
      const now = new Date();
      await utimes(dir, now, now).catch(() => undefined);
      return true;
    });
  }

  snapshotDir(id: string): string {
    return join(this.root, 'snapshots', id);
  }

  runDir(id: string): string {
    return join(this.root, 'runs', id);
  }

  /** The store's 503: one line naming the store and what failed; credentials never appear (the SDK's message does not carry them). */
  unavailable(action: string, cause: unknown): SchedulerError {
    const why = (cause as Error).message ?? String(cause);
    return new SchedulerError(503, 'E_UNAVAILABLE', `the artifact store ${this.remote?.url ?? this.root} is unavailable: cannot ${action} (${why})`, { cause });
  }

  /** Fails with the store's 503 unless the store answers (a missing key is an answer). */
  async check(): Promise<void> {
    if (!this.remote) return;
    try {
      await this.remote.get('.nbrun-store-check');
    } catch (err) {
      if (!isMissing(err)) throw this.unavailable('read', err);
    }
  }

  /** Writes a snapshot (and uploads it to the store); paths are checked again (`bundlePath`: no `..`, no absolute paths…). */
  async writeSnapshot(id: string, snapshot: Snapshot, parameterNames?: string[]): Promise<SnapshotRef> {
    const dir = this.snapshotDir(id);
    const names = [snapshot.notebookName, ...snapshot.files.keys()];
    for (const name of names) {
      try {
        bundlePath(name, { source: 'files' });
      } catch (err) {
        throw SchedulerError.invalid('files', (err as Error).message, err);
      }
      const target = resolve(dir, name);
      if (!target.startsWith(resolve(dir) + sep)) throw SchedulerError.invalid('files', `files: '${name}' leaves the snapshot`);
    }
    await mkdir(dir, { recursive: true });
    for (const [name, bytes] of [[snapshot.notebookName, snapshot.notebook] as const, ...snapshot.files]) {
      const target = join(dir, name);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, bytes, { flag: 'wx' });
    }
    if (this.remote) {
      try {
        // The notebook last: a snapshot whose notebook is in the store is whole.
        for (const [name, bytes] of snapshot.files) await this.remote.put(`snapshots/${id}/${name}`, bytes);
        await this.remote.put(`snapshots/${id}/${snapshot.notebookName}`, snapshot.notebook, 'application/json');
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        await this.remote.delete(`snapshots/${id}`).catch(() => undefined);
        throw this.unavailable('store the snapshot', err);
      }
    }
    return { id, notebook: snapshot.notebookName, files: [...snapshot.files.keys()].sort(), ...(parameterNames ? { parameterNames } : {}) };
  }

  /**
   * The snapshot's directory on this machine: fetched from the store into the cache when
   * another instance wrote it (into a temporary directory, then renamed: never half there).
   */
  async snapshotInput(ref: SnapshotRef): Promise<string> {
    const dir = this.snapshotDir(ref.id);
    if (!this.remote) return dir;
    if (await this.#cached(dir, join(dir, ref.notebook))) return dir;
    const tmp = `${dir}.part-${randomBytes(4).toString('hex')}`;
    try {
      const got = await this.remote.downloadPrefix(`snapshots/${ref.id}`, tmp);
      if (!got.includes(ref.notebook)) throw Object.assign(new Error(`snapshots/${ref.id}/${ref.notebook} is not in the store`), { status: 404 });
      await mkdir(dirname(dir), { recursive: true });
      await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
        // Another run fetched it at the same time: keep theirs.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
      this.#handedOut.set(dir, Date.now());
    } catch (err) {
      throw err instanceof SchedulerError ? err : this.unavailable(`fetch snapshot ${ref.id}`, err);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return dir;
  }

  /** Uploads a run's results and log to the store (nothing without one). */
  async saveRun(id: string): Promise<void> {
    if (!this.remote) return;
    const dir = this.runDir(id);
    try {
      if (await stat(join(dir, 'results')).then((s) => s.isDirectory(), () => false)) await this.remote.uploadDir(join(dir, 'results'), `runs/${id}/results`);
      await this.saveLog(id);
    } catch (err) {
      throw err instanceof SchedulerError ? err : this.unavailable(`store the results of run ${id}`, err);
    }
  }

  /** Uploads the run's log as it is now (a follower on another instance reads it there). */
  async saveLog(id: string): Promise<void> {
    if (!this.remote) return;
    const log = await readFile(join(this.runDir(id), RUN_LOG)).catch(() => undefined);
    if (log) await this.remote.put(`runs/${id}/${RUN_LOG}`, log, 'text/plain; charset=utf-8');
  }

  /**
   * The run's log in the store from byte `start` on (a ranged read: a reader polling a growing
   * log fetches only what is new); empty when it has no more; undefined when there is none yet.
   */
  async readRemoteLog(id: string, start = 0): Promise<Uint8Array | undefined> {
    if (!this.remote) return undefined;
    try {
      return await this.remote.getFrom(`runs/${id}/${RUN_LOG}`, start);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.unavailable(`read the log of run ${id}`, err);
    }
  }

  /**
   * A file of a run's results on this machine (`status.json`, the executed notebook): the
   * cached copy, else fetched from the store; undefined when there is none.
   */
  async resultFile(id: string, name: string): Promise<string | undefined> {
    const path = join(this.runDir(id), 'results', name);
    if (await this.#cached(this.runDir(id), path)) return path;
    if (!this.remote) return undefined;
    let body: Uint8Array;
    try {
      body = await this.remote.get(`runs/${id}/results/${name}`);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.unavailable(`read ${name} of run ${id}`, err);
    }
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.part-${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, body);
    await rename(tmp, path);
    this.#handedOut.set(this.runDir(id), Date.now());
    return path;
  }

  /** Removes this machine's copy of `prefix` (`runs/<id>`, `snapshots/<id>`): the cache, or the artifacts themselves without a store. */
  async removeLocal(prefix: string): Promise<void> {
    await rm(join(this.root, prefix), { recursive: true, force: true });
  }

  /** Deletes every object below `prefix` from the store; none there (a 404 included) is success, so a retry is harmless. */
  async deleteFromStore(prefix: string): Promise<void> {
    if (!this.remote) return;
    try {
      await this.remote.delete(prefix);
    } catch (err) {
      if (!isMissing(err)) throw this.unavailable(`delete ${prefix}`, err);
    }
  }

  /**
   * With a store, `<root>` is this instance's cache, and other instances delete runs and
   * snapshots from the store without telling it. Removes the copies of runs and snapshots unused
   * for `maxAgeMs` (the store keeps them: a later read fetches them again), those of runs deleted
   * (`alive` says which run ids still have a row) once a minute old, and fetches left half done
   * an hour ago. `keep` names the runs this instance follows (their log is written there); a copy
   * handed out in the last hour stays too, whatever its time says (a run may be bundled from it).
   * Returns how many directories went. Nothing without a store: there `<root>` holds the artifacts.
   */
  async sweepCache(opts: { now: number; maxAgeMs: number; keep: (runId: string) => boolean; alive: (runIds: string[]) => Promise<Set<string>> }): Promise<number> {
    if (!this.remote) return 0;
    const { now, maxAgeMs } = opts;
    const aged = async (dir: string): Promise<number | undefined> => {
      const st = await stat(dir).catch(() => undefined);
      return st?.isDirectory() ? now - st.mtimeMs : undefined;
    };
    const names = async (dir: string): Promise<string[]> => readdir(dir).catch(() => []);
    const gone: string[] = [];
    const unknown: string[] = [];
    for (const id of await names(join(this.root, 'runs'))) {
      if (opts.keep(id)) continue;
      const age = await aged(this.runDir(id));
      if (age === undefined) continue;
      if (age > maxAgeMs) gone.push(this.runDir(id));
      else if (age > CACHE_GRACE_MS) unknown.push(id);
    }
    for (let i = 0; i < unknown.length; i += 500) {
      const batch = unknown.slice(i, i + 500);
      const alive = await opts.alive(batch);
      for (const id of batch) if (!alive.has(id)) gone.push(this.runDir(id));
    }
    // Snapshot ids are `<owner>/<snapshot>` (the schedule, or the one-off run, it belongs to).
    const owners = new Set<string>();
    for (const owner of await names(join(this.root, 'snapshots'))) {
      for (const name of await names(join(this.root, 'snapshots', owner))) {
        const dir = join(this.root, 'snapshots', owner, name);
        const age = await aged(dir);
        if (age !== undefined && age > (name.includes('.part-') ? PART_MAX_AGE_MS : maxAgeMs)) {
          gone.push(dir);
          owners.add(join(this.root, 'snapshots', owner));
        }
      }
    }
    const cutoff = Date.now() - HANDED_OUT_MS;
    for (const [dir, at] of this.#handedOut) if (at < cutoff) this.#handedOut.delete(dir);
    let removed = 0;
    for (const dir of gone) {
      await this.#exclusive(async () => {
        if (this.#handedOut.has(dir)) return;
        await rm(dir, { recursive: true, force: true });
        removed++;
      });
    }
    // An owner's folder left empty goes too (one still written into is not empty, or is re-made).
    for (const dir of owners) await rmdir(dir).catch(() => undefined);
    return removed;
  }

  close(): void {
    this.remote?.close();
  }
}

/** A cached run's directory younger than this is not checked against the database (it may be being written). */
const CACHE_GRACE_MS = 60_000;
/** A snapshot fetch's temporary directory older than this was left by a fetch that died. */
const PART_MAX_AGE_MS = 3_600_000;
/** How long a copy handed out stays whatever its time (a run's bundle is made from it within that). */
const HANDED_OUT_MS = 3_600_000;
