/**
 * Artifacts in the state dir: snapshots (a schedule's notebook and files, immutable, one
 * directory each) and per-run directories (the input copy, results, log).
 *   <root>/snapshots/<snapshot id>/<notebook>, files…
 *   <root>/runs/<run id>/results/…, run.log
 * A run is submitted straight from its snapshot's directory (immutable; the driver bundles it).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { checkEntryName } from '@nbrun/drivers';
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

export class Artifacts {
  constructor(readonly root: string) {}

  snapshotDir(id: string): string {
    return join(this.root, 'snapshots', id);
  }

  runDir(id: string): string {
    return join(this.root, 'runs', id);
  }

  /** Writes a snapshot; paths are checked again (no `..`, no absolute paths). */
  async writeSnapshot(id: string, snapshot: Snapshot, parameterNames?: string[]): Promise<SnapshotRef> {
    const dir = this.snapshotDir(id);
    const names = [snapshot.notebookName, ...snapshot.files.keys()];
    for (const name of names) {
      try {
        checkEntryName(name);
      } catch (err) {
        throw SchedulerError.invalid('files', `files: '${name}' is not a safe relative path (${(err as Error).message})`, err);
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
    return { id, notebook: snapshot.notebookName, files: [...snapshot.files.keys()].sort(), ...(parameterNames ? { parameterNames } : {}) };
  }

  async removeRun(id: string): Promise<void> {
    await rm(this.runDir(id), { recursive: true, force: true });
  }

  async removeSnapshot(id: string): Promise<void> {
    await rm(this.snapshotDir(id), { recursive: true, force: true });
  }
}
