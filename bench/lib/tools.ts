/** The command lines under test: nbrun (built bundle or tsx), nbclient, `jupyter execute`. */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root (bench/lib/../..).
 * @example join(ROOT, 'bench/out')
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * Debian's Python, the one with nbclient and ipykernel (PATH's python3 has neither).
 * @example spawn(PYTHON, ['bench/nbclient_run.py', 'a.ipynb', 'b.ipynb'])
 */
export const PYTHON = process.env.NBRUN_BENCH_PYTHON ?? '/usr/bin/python3';
/** @example spawn(JUPYTER_EXECUTE, ['a.ipynb']) */
export const JUPYTER_EXECUTE = process.env.NBRUN_BENCH_JUPYTER_EXECUTE ?? '/usr/bin/jupyter-execute';
const NBCLIENT_SCRIPT = 'bench/nbclient_run.py';
const BUILT_CLI = 'packages/cli/dist/bin.js';
const SOURCE_CLI = 'packages/cli/src/bin.ts';

/** One command to spawn, with a label for the tables. */
export interface CommandLine {
  label: string;
  cmd: string;
  args: string[];
}

/** How nbrun's CLI is started: the tsup bundle (headline) or the TypeScript sources through tsx. */
export type CliFlavour = 'built' | 'tsx';

/**
 * `nbrun ARGS` as a command line.
 * @example nbrunCommand('built', ['run', 'in.ipynb', 'out.ipynb', '--no-progress'])
 */
export function nbrunCommand(flavour: CliFlavour, args: string[]): CommandLine {
  const node = process.execPath;
  return flavour === 'built'
    ? { label: 'nbrun (built)', cmd: node, args: [BUILT_CLI, ...args] }
    : { label: 'nbrun (tsx)', cmd: node, args: ['--import', 'tsx', SOURCE_CLI, ...args] };
}

/**
 * `nbrun run IN OUT --no-progress`.
 * @example nbrunRun('built', 'in.ipynb', 'out.ipynb') // node packages/cli/dist/bin.js run in.ipynb out.ipynb --no-progress
 */
export function nbrunRun(flavour: CliFlavour, input: string, output: string): CommandLine {
  return nbrunCommand(flavour, ['run', rel(input), rel(output), '--no-progress']);
}

/**
 * nbclient as a library, as `nbrun run` does: read, execute, write; several pairs run one after another.
 * @example nbclientRun([['a.ipynb', 'a.out.ipynb'], ['b.ipynb', 'b.out.ipynb']])
 */
export function nbclientRun(pairs: [input: string, output: string][]): CommandLine {
  return { label: 'nbclient', cmd: PYTHON, args: [NBCLIENT_SCRIPT, ...pairs.flat().map(rel)] };
}

/**
 * `jupyter execute IN` (nbclient's own CLI; it does not save the executed notebook).
 * @example jupyterExecute('bench/out/case1/small.ipynb')
 */
export function jupyterExecute(input: string): CommandLine {
  return { label: 'jupyter execute', cmd: JUPYTER_EXECUTE, args: [rel(input)] };
}

/**
 * Whether the tsup bundle of the CLI exists.
 * @example const cli = hasBuiltCli() ? 'built' : 'tsx'
 */
export function hasBuiltCli(): boolean {
  return existsSync(`${ROOT}${BUILT_CLI}`);
}

/**
 * A path relative to the repository root (commands run from there).
 * @example rel(`${ROOT}bench/out/a.ipynb`) // 'bench/out/a.ipynb'
 */
export function rel(path: string): string {
  return relative(ROOT, path) || '.';
}

/**
 * The command as a user would type it from the repository root.
 * @example displayCommand(nbrunRun('built', a, b)) // 'node packages/cli/dist/bin.js run …'
 */
export function displayCommand(line: CommandLine): string {
  const cmd = line.cmd === process.execPath ? 'node' : line.cmd;
  return [cmd, ...line.args].map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' ');
}
