/** Rendering a notebook file to an HTML file, atomically and never over its input. */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { UsageError, readNotebook } from '@nbrun/core';
import { writeFileAtomic } from '@nbrun/core/notebook';
import { renderNotebook, type RenderOptions } from './render.js';

/** Options of {@link renderNotebookFile}. */
export type RenderFileOptions = RenderOptions;

/**
 * Reads a notebook, renders it and writes the page atomically (temp file + rename): a failed
 * render leaves an existing output untouched. Refuses (`UsageError`, `E_USAGE`) to write over
 * the notebook itself; a missing or invalid notebook throws core's reading errors
 * (`E_NOTEBOOK_READ`, `E_NOTEBOOK_JSON`, `E_NOTEBOOK_INVALID`), a failed write `E_OUTPUT_WRITE`.
 * @example await renderNotebookFile('report.out.ipynb', 'report.html', { noInput: true })
 */
export async function renderNotebookFile(input: string, output: string, options: RenderFileOptions = {}): Promise<void> {
  await refuseSameFile(input, output);
  const nb = await readNotebook(input);
  const html = await renderNotebook(nb, { name: basename(input), ...options });
  await writeFileAtomic(output, html);
}

/** Same path, or the same file under another name (a link): the notebook would be lost. */
async function refuseSameFile(input: string, output: string): Promise<void> {
  const message = `${output}: is the notebook itself; choose another output file`;
  if (resolve(input) === resolve(output)) throw new UsageError(message);
  const [a, b] = await Promise.all([stat(input).catch(() => undefined), stat(output).catch(() => undefined)]);
  if (a && b && a.dev === b.dev && a.ino === b.ino) throw new UsageError(message);
}
