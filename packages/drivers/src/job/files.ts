import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file below a directory, as `/`-separated relative paths.
 * @example await listFiles('/tmp/results') // ['output.ipynb', 'status.json']
 */
export async function listFiles(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  let dirents;
  try {
    dirents = await readdir(join(dir, base), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const d of dirents) {
    const rel = base ? `${base}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (d.isFile()) out.push(rel);
  }
  return out.sort();
}
