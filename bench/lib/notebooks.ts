/** Generated benchmark notebooks (nbformat 4.5) and helpers to check executed ones. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Notebook } from '@nbrun/core';

/**
 * A Python notebook with one code cell per source.
 * @example codeNotebook(['x = 1', 'print(x)'])
 */
export function codeNotebook(sources: string[]): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' },
      language_info: { name: 'python' },
    },
    cells: sources.map((source) => ({
      cell_type: 'code',
      id: randomBytes(4).toString('hex'),
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    })),
  };
}

/**
 * Writes a notebook as JSON, creating its folder.
 * @example writeNotebookFile('bench/out/case1/small.ipynb', codeNotebook(['x = 1']))
 */
export function writeNotebookFile(path: string, nb: Notebook): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(nb, null, 1)}\n`);
  return path;
}

/**
 * Reads an executed notebook back.
 * @example const nb = readNotebookFile('bench/out/case1/small.nbclient.out.ipynb')
 */
export function readNotebookFile(path: string): Notebook {
  return JSON.parse(readFileSync(path, 'utf8')) as Notebook;
}

/**
 * Removes a previous output so a check can never pass on a stale file.
 * @example removeFile('bench/out/case1/small.nbrun-built.out.ipynb')
 */
export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

interface LooseOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}

/**
 * Code cells of a notebook, with their outputs loosely typed.
 * @example codeCells(nb)[0].execution_count // 1
 */
export function codeCells(nb: Notebook): { execution_count: number | null; outputs: LooseOutput[] }[] {
  return nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => ({ execution_count: (c.execution_count as number | null) ?? null, outputs: (c.outputs ?? []) as unknown as LooseOutput[] }));
}

/**
 * All stream text of one cell's outputs, joined.
 * @example streamText(codeCells(nb)[2].outputs) // 'total 332833500\n'
 */
export function streamText(outputs: LooseOutput[]): string {
  return outputs
    .filter((o) => o.output_type === 'stream')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
    .join('');
}

/**
 * Throws naming the problem when `ok` is false: a benchmark of a wrong run means nothing.
 * @example expectOutput(cells.length === 300, 'expected 300 cells')
 */
export function expectOutput(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark output check failed: ${what}`);
}

/**
 * Checks that every code cell ran and none raised.
 * @example expectAllExecuted(readNotebookFile(out), out)
 */
export function expectAllExecuted(nb: Notebook, where: string): void {
  const cells = codeCells(nb);
  const unrun = cells.findIndex((c) => c.execution_count === null);
  expectOutput(unrun < 0, `${where}: code cell ${unrun} has no execution_count`);
  const failed = cells.findIndex((c) => c.outputs.some((o) => o.output_type === 'error'));
  expectOutput(failed < 0, `${where}: code cell ${failed} has an error output`);
}
