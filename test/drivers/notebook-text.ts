/** Reads an executed notebook's stream and error outputs as text, for assertions. */
import { readFile } from 'node:fs/promises';

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata?: { tags?: string[] };
  outputs?: { output_type: string; text?: string | string[]; ename?: string; evalue?: string }[];
}

/**
 * The notebook's cells, parsed.
 * @example const cells = await readCells('out.ipynb')
 */
export async function readCells(path: string): Promise<Cell[]> {
  return (JSON.parse(await readFile(path, 'utf8')) as { cells: Cell[] }).cells;
}

/**
 * All printed text (streams) of a notebook, plus `ename: evalue` of errors, one string.
 * @example expect(await outputText('out.ipynb')).toContain('epoch 2/2')
 */
export async function outputText(path: string): Promise<string> {
  const join = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : (t ?? ''));
  return (await readCells(path))
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (o.output_type === 'error' ? `${o.ename}: ${o.evalue}\n` : join(o.text)))
    .join('');
}

/**
 * Source of the `injected-parameters` cell, if any.
 * @example expect(await injectedParameters('out.ipynb')).toContain('epochs = 2')
 */
export async function injectedParameters(path: string): Promise<string | undefined> {
  const cell = (await readCells(path)).find((c) => c.metadata?.tags?.includes('injected-parameters'));
  return cell ? (Array.isArray(cell.source) ? cell.source.join('') : cell.source) : undefined;
}
