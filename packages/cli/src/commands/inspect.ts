/** `nbrun inspect`: the parameters a notebook's `parameters` cell declares. */
import { resolve } from 'node:path';
import { EXIT_CODES, ParameterError, UsageError, inspectParameters, listKernelSpecs, readNotebook, type ParameterInfo } from '@nbrun/core';
import { createTranslatorRegistry, findParametersCell } from '@nbrun/core/parameters';
import { flagBool, flagValue, parseArgs, type FlagSpec } from '../args.js';
import type { Command, CommandIO } from '../command.js';

const flags: FlagSpec[] = [{ name: 'json' }, { name: 'kernel', short: 'k', arity: 1 }];

const usage = `Usage: nbrun inspect NOTEBOOK [--json] [-k KERNEL]

Lists the parameters of the notebook's cell tagged 'parameters' as papermill's inspect
does: name, type (annotation, '# type:' comment, else inferred from the default), default
(a multi-line default on one line) and help (the statement's trailing comment). Reads
Python and R cells; a notebook without a 'parameters' cell, or in another language, lists
nothing (exit 0).

Options:
  --json               print {"notebook", "language", "parametersCell", "parameters": [{name, inferredType, default, help}]}
  -k, --kernel KERNEL  read the cell as this kernel's language (default: the notebook's)
`;

/** The language of a kernel: known names first, else this machine's kernelspecs. */
async function languageOfKernel(kernelName: string, signal: AbortSignal): Promise<string | undefined> {
  const known = createTranslatorRegistry().find({ kernelName });
  if (known) return known.languages[0];
  const specs = await listKernelSpecs(undefined, signal);
  return specs.specs.find((s) => s.name === kernelName)?.language;
}

/** One line per value in a table: newlines and runs of spaces shown as one space. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, flags, 'inspect');
  const [input, ...extra] = args.positionals;
  if (!input) throw new UsageError("nbrun inspect: missing NOTEBOOK (see 'nbrun inspect --help')");
  if (extra.length) throw new UsageError(`nbrun inspect: unexpected argument '${extra[0]}'`);
  const nb = await readNotebook(resolve(io.cwd, input), { onWarning: (message) => io.stderr.write(`nbrun: warning: ${message}\n`) });
  const kernelName = flagValue(args, 'kernel');
  let language: string | undefined;
  if (kernelName) {
    language = await languageOfKernel(kernelName, io.signal);
    if (!language) throw new UsageError(`nbrun inspect: no kernel named '${kernelName}' (see 'nbrun kernels')`);
  }
  const cell = findParametersCell(nb);
  // As papermill: no parameters cell, or a language it cannot read, lists nothing (with a note), exit 0.
  let parameters: ParameterInfo[] = [];
  let note: string | undefined = cell < 0 ? `${input} has no cell tagged 'parameters': no parameters to list` : undefined;
  try {
    parameters = inspectParameters(nb, language ? { language } : {});
  } catch (err) {
    if (!(err instanceof ParameterError)) throw err;
    note = `${input}: ${err.message}`;
  }
  if (note) io.stderr.write(`nbrun: ${note}\n`);
  if (flagBool(args, 'json')) {
    const md = nb.metadata as { language_info?: { name?: string }; kernelspec?: { language?: string } };
    const lang = language ?? (md.language_info?.name || md.kernelspec?.language) ?? null;
    io.stdout.write(JSON.stringify({ notebook: input, language: lang, parametersCell: cell < 0 ? null : cell, parameters }, null, 2) + '\n');
    return EXIT_CODES.ok;
  }
  if (parameters.length === 0) {
    if (!note) io.stderr.write(`nbrun: the parameters cell of ${input} assigns no variables\n`);
    return EXIT_CODES.ok;
  }
  const rows = [['NAME', 'TYPE', 'DEFAULT', 'HELP'], ...parameters.map((p) => [p.name, p.inferredType, oneLine(p.default ?? '(none)'), oneLine(p.help)])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) io.stdout.write(r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd() + '\n');
  return EXIT_CODES.ok;
}

export const inspectCommand: Command = { usage, run };
