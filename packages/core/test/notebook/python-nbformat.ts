/**
 * Python's own nbformat (Debian's /usr/bin/python3, never PATH's python3) as the reference
 * that nbrun's notebook writer must match byte for byte.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's Python, which has the jupyter packages (nbformat) installed. */
export const PYTHON = '/usr/bin/python3';

/**
 * Runs `nb = nbformat.read(in, 4); nbformat.write(nb, out)` for each pair, in one Python process,
 * upgrading 4.0–4.4 to 4.5 in between with `nbformat.v4.upgrade` (as nbrun's read does;
 * nbformat's own read keeps the minor version). The upgrade does nothing to a 4.5 notebook.
 * @example await writeWithPythonNbformat([['in.ipynb', 'out.ipynb']])
 */
export async function writeWithPythonNbformat(pairs: Array<[input: string, output: string]>): Promise<void> {
  const script = [
    'import nbformat, sys, warnings',
    'warnings.simplefilter("ignore")',
    'args = sys.argv[1:]',
    'for i in range(0, len(args), 2):',
    '    nb = nbformat.v4.upgrade(nbformat.read(args[i], 4))',
    '    nbformat.write(nb, args[i + 1])',
  ].join('\n');
  await run(PYTHON, ['-c', script, ...pairs.flat()], { maxBuffer: 64 * 1024 * 1024 });
}

/**
 * Evaluates `expression` in Python with `data` (JSON-decoded) bound to `data`; returns the
 * JSON-decoded result.
 * @example await evaluateInPython('[repr(float(x)) for x in data]', ['1e16'])
 */
export async function evaluateInPython<T>(expression: string, data: unknown): Promise<T> {
  const script = `import json, sys\ndata = json.load(sys.stdin)\nprint(json.dumps(${expression}))`;
  const child = run(PYTHON, ['-c', script], { maxBuffer: 64 * 1024 * 1024 });
  child.child.stdin?.end(JSON.stringify(data));
  const { stdout } = await child;
  return JSON.parse(stdout) as T;
}
