/**
 * Which notebooks `nbrun test` runs. Folders are searched recursively for `*.ipynb`;
 * globs are expanded; files named explicitly are always taken. Searches skip
 * `.ipynb_checkpoints`, `node_modules`, hidden folders and `*.out.ipynb` (the outputs
 * `nbrun run` writes next to its inputs).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '@nbrun/core';
import { glob, isDynamicPattern } from 'tinyglobby';

const IGNORE = ['**/.ipynb_checkpoints/**', '**/node_modules/**', '**/*.out.ipynb'];
const CHECKPOINTS = /(^|[\\/])\.ipynb_checkpoints[\\/]/;

/**
 * The absolute paths of the notebooks named by `paths` (default: the current folder), sorted.
 * @example await findNotebooks(['examples', 'test/**\/smoke-*.ipynb'], process.cwd())
 */
export async function findNotebooks(paths: readonly string[], cwd: string): Promise<string[]> {
  const found = new Set<string>();
  for (const p of paths.length ? paths : ['.']) {
    if (isDynamicPattern(p)) {
      const matches = await glob(p, { cwd, absolute: true, ignore: IGNORE, onlyFiles: true, expandDirectories: false });
      const notebooks = matches.filter((m) => m.endsWith('.ipynb') && !CHECKPOINTS.test(m));
      if (!notebooks.length) throw new UsageError(`nbrun test: no notebook matches '${p}'`);
      notebooks.forEach((m) => found.add(resolve(m)));
      continue;
    }
    const abs = resolve(cwd, p);
    const info = await stat(abs).catch(() => undefined);
    if (!info) throw new UsageError(`nbrun test: no such file or folder '${p}'`);
    if (info.isDirectory()) {
      const matches = await glob('**/*.ipynb', { cwd: abs, absolute: true, ignore: IGNORE, onlyFiles: true });
      // Also when the folder given is (inside) a checkpoints folder.
      matches.filter((m) => !CHECKPOINTS.test(m)).forEach((m) => found.add(resolve(m)));
    } else {
      found.add(abs);
    }
  }
  if (!found.size) throw new UsageError(`nbrun test: no notebooks found in ${paths.length ? paths.map((p) => `'${p}'`).join(', ') : 'the current folder'}`);
  return [...found].sort();
}
