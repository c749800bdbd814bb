/** `nbrun inspect`: table and JSON for Python and R parameters cells, clear errors. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { main } from '../src/main.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/notebooks/${name}`, import.meta.url));

async function nbrun(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (write: (s: string) => void) => ({ write: (chunk: string | Uint8Array) => (write(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(argv, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}

describe('nbrun inspect', () => {
  it('prints a table of a Python parameters cell', async () => {
    const { code, stdout } = await nbrun(['inspect', fixture('params-python.ipynb')]);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toBe(
      [
        'NAME     TYPE   DEFAULT    HELP',
        'text     str    "sample"   text to echo back',
        'count    int    3          how many rows',
        'ratio    float  0.5',
        'flag     bool   False      turn the feature on',
        'nothing  str    "default"',
        'items    list   [1,2,]     list of items',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON of an R parameters cell with --json', async () => {
    const { code, stdout } = await nbrun(['inspect', fixture('params-r.ipynb'), '--json']);
    expect(code).toBe(EXIT_CODES.ok);
    const out = JSON.parse(stdout) as { language: string; parameters: Array<Record<string, unknown>> };
    expect(out.language).toBe('R');
    expect(out.parameters.map((p) => [p.name, p.inferredType, p.default, p.help])).toEqual([
      ['text', 'character', '"sample"', 'text to echo back'],
      ['count', 'integer', '3L', 'how many rows'],
      ['ratio', 'numeric', '0.5', ''],
      ['flag', 'logical', 'FALSE', 'turn the feature on'],
      ['nothing', 'character', '"default"', ''],
      ['items', 'list', 'list(1, 2)', 'list of items'],
    ]);
  });

  it('reads the cell as the language of -k KERNEL; a language it cannot read lists nothing, as papermill (exit 0)', async () => {
    const { code, stdout, stderr } = await nbrun(['inspect', fixture('params-python.ipynb'), '-k', 'octave']);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/cannot inspect parameters of a 'octave' notebook: inspection reads Python and R/);
    expect((await nbrun(['inspect', fixture('params-python.ipynb'), '-k', 'python3', '--json'])).code).toBe(EXIT_CODES.ok);
    expect((await nbrun(['inspect', fixture('params-python.ipynb'), '-k', 'no-such-kernel'])).stderr).toMatch(/no kernel named 'no-such-kernel'/);
  });

  it('lists nothing for a notebook without a parameters cell, exit 0, as papermill (issue 11 item 9)', async () => {
    for (const file of ['params-none.ipynb', 'papermill/no_parameters.ipynb']) {
      const { code, stdout, stderr } = await nbrun(['inspect', fixture(file)]);
      expect(code).toBe(EXIT_CODES.ok);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^nbrun: .*\.ipynb has no cell tagged 'parameters': no parameters to list\n$/);
      const json = await nbrun(['inspect', fixture(file), '--json']);
      expect(json.code).toBe(EXIT_CODES.ok);
      expect(JSON.parse(json.stdout)).toMatchObject({ language: 'python', parametersCell: null, parameters: [] });
    }
  });

  it("prints papermill's complex_parameters.ipynb as papermill reads it: # type: comments, unquoted string annotations, multi-line defaults", async () => {
    const { code, stdout } = await nbrun(['inspect', fixture('papermill/complex_parameters.ipynb')]);
    expect(code).toBe(EXIT_CODES.ok);
    expect(stdout).toBe(
      [
        'NAME  TYPE       DEFAULT            HELP',
        'msg   None       None',
        'a     float      2.25               Variable a',
        "b     List[str]  ['Hello','World']  Nice list",
        'c     NoneType   None',
        '',
      ].join('\n'),
    );
  });

  it('needs a notebook', async () => {
    const { code, stderr } = await nbrun(['inspect']);
    expect(code).toBe(EXIT_CODES.usage);
    expect(stderr).toMatch(/missing NOTEBOOK/);
  });
});
