/** `nbrun render IN.ipynb [OUT.html]`: a notebook as one self-contained HTML page. */
import { basename, dirname, extname, join, resolve } from 'node:path';
import { EXIT_CODES, UsageError, readNotebook } from '@nbrun/core';
import { renderNotebook, renderNotebookFile, type RenderOptions } from '@nbrun/render';
import { flagBool, flagValue, parseArgs, type FlagSpec } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { exitCodesHelp } from '../exit-codes.js';

const flags: FlagSpec[] = [{ name: 'no-input' }, { name: 'trusted' }, { name: 'title', arity: 1 }];

const usage = `Usage: nbrun render IN.ipynb [OUT.html] [options]

Renders a notebook (executed or not) as one self-contained HTML page: markdown, math,
highlighted code, every output, and nbrun's run record (status, times, parameters, the
failed cell). CSS, fonts and images are inline; the page fetches nothing when opened.
OUT defaults to IN with .html (analysis.ipynb -> analysis.html); '-' writes to stdout.

The notebook's outputs are untrusted: HTML, SVG and markdown are sanitized (no scripts,
event handlers, javascript: URLs, frames, forms…), JavaScript outputs are left out, and a
Content-Security-Policy in the page forbids any script.

Options:
  --no-input     outputs and markdown only: no code, no prompts (the report view)
  --trusted      keep the notebook's HTML as written, scripts and JavaScript outputs
                 included, and no Content-Security-Policy (only for notebooks you trust)
  --title TITLE  the page title (default: the notebook's metadata title, else its file name)

${exitCodesHelp({ 2: 'bad input or usage (not a notebook, output = input)' }, [0, 2, 7, 70, 130, 143])}
`;

/**
 * Default output path: `dir/name.html` next to the notebook.
 * @example defaultHtmlPath('runs/a.out.ipynb') // 'runs/a.out.html'
 */
export function defaultHtmlPath(input: string): string {
  const ext = extname(input);
  const stem = basename(input, ext === '.ipynb' ? ext : '');
  return join(dirname(input), `${stem}.html`);
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, flags, 'render');
  const [input, output, ...extra] = args.positionals;
  if (!input) throw new UsageError("nbrun render: missing IN notebook (see 'nbrun render --help')");
  if (extra.length) throw new UsageError(`nbrun render: unexpected argument '${extra[0]}'`);
  const title = flagValue(args, 'title');
  const options: RenderOptions = {
    noInput: flagBool(args, 'no-input'),
    trusted: flagBool(args, 'trusted'),
    ...(title !== undefined ? { title } : {}),
  };
  const inputPath = resolve(io.cwd, input);
  if (output === '-') {
    const html = await renderNotebook(await readNotebook(inputPath), { name: basename(input), ...options });
    await new Promise<void>((done, fail) => io.stdout.write(html, (err) => (err ? fail(err) : done())));
    return EXIT_CODES.ok;
  }
  const outputPath = resolve(io.cwd, output ?? defaultHtmlPath(input));
  await renderNotebookFile(inputPath, outputPath, options);
  io.stderr.write(`nbrun: rendered ${input} to ${output ?? defaultHtmlPath(input)}\n`);
  return EXIT_CODES.ok;
}

export const renderCommand: Command = { usage, run };
