/**
 * The parameter flags (-p/-r/-y/-f): papermill's inference, YAML and JSON with exact
 * integers, the merge order, errors that name the flag; and the end-to-end
 * check: `nbrun run … -p text "$TRICKY" …` prints exactly those values from a Python and
 * an R notebook, with the injected cell after the parameters cell and replaced on re-run.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloatValue, ParameterError, asFloat, type Notebook } from '@nbrun/core';
import { parseParameterJson } from '@nbrun/core/parameters';
import { parseArgs } from '../src/args.js';
import { main } from '../src/main.js';
import { collectParameters, inferParameterValue, parameterFlags } from '../src/parameters-args.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/notebooks/${name}`, import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nbrun-params-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const collect = (argv: string[]) => collectParameters(parseArgs(argv, parameterFlags, 'run'), dir);

describe('inferParameterValue (papermill inference)', () => {
  it.each([
    ['True', true], ['False', false], ['None', null], ['true', 'true'], ['none', 'none'],
    ['42', 42], ['-7', -7], ['+3', 3], ['1_000', 1000], [' 5 ', 5], ['007', 7],
    ['9007199254740993', 9007199254740993n], ['-123456789012345678901234567890', -123456789012345678901234567890n],
    ['0.25', 0.25], ['1e-3', 0.001], ['.5', 0.5], ['5.', asFloat(5)], ['1.0', asFloat(1)], ['1e3', asFloat(1000)], ['-2.0', asFloat(-2)],
    ['1_000.0', asFloat(1000)], ['-0.0', -0], ['1E400', Infinity],
    ['inf', Infinity], ['-Infinity', -Infinity], ['nan', NaN], ['NaN', NaN],
    ['1.2.3', '1.2.3'], ['0x10', '0x10'], ['', ''], ['12abc', '12abc'], ['1_', '1_'], ['$HOME', '$HOME'],
  ] as const)('%j → %o', (text, want) => {
    const got = inferParameterValue(text);
    expect(got).toEqual(want);
    // 1.0 stays a float (issue 11 item 3): a FloatValue, never the integer 1.
    expect(got instanceof FloatValue).toBe(want instanceof FloatValue);
  });
});

describe('collectParameters', () => {
  it('is undefined when no parameter flag is given (nothing is injected)', async () => {
    expect(await collect([])).toBeUndefined();
  });

  it('keeps -r values as strings and infers -p values', async () => {
    expect(await collect(['-p', 'n', '42', '-r', 'id', '42', '--parameter', 'x', 'None', '--parameter-raw', 'y', 'None'])).toEqual({
      n: 42, id: '42', x: null, y: 'None',
    });
  });

  it('reads YAML as PyYAML does (YAML 1.1): exact integers, yes/off booleans, whole floats, non-finite floats, string keys', async () => {
    const got = await collect(['-y', 'big: 12345678901234567890\nsmall: 3\nyes: yes\nflag: off\nlr: 1.0\nnan: .nan\ninf: -.inf\nm: {1: a, "": b}\nitems: [1, "two", 3.5]']);
    expect(got).toEqual({
      big: 12345678901234567890n, small: 3, yes: true, flag: false, lr: asFloat(1), nan: NaN, inf: -Infinity, m: { 1: 'a', '': 'b' }, items: [1, 'two', 3.5],
    });
  });

  it('reads -f files: .json losslessly, anything else as YAML, relative to the working directory', async () => {
    await writeFile(join(dir, 'p.json'), '{"big": 123456789012345678901, "f": 1.5, "s": "x", "one": 1.0}');
    await writeFile(join(dir, 'p.yaml'), 'f: 2.5\nlist:\n  - a\n  - null\nten: 10.0\n');
    expect(await collect(['-f', 'p.json', '-f', 'p.yaml'])).toEqual({ big: 123456789012345678901n, f: 2.5, s: 'x', one: asFloat(1), list: ['a', null], ten: asFloat(10) });
  });

  it('refuses a parameters file nested 5,000 levels deep with one line (issue 12), JSON or YAML', async () => {
    await writeFile(join(dir, 'deep.json'), `{"x": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    await writeFile(join(dir, 'deep.yaml'), `x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    await writeFile(join(dir, 'deep101.yaml'), `x: ${'['.repeat(101)}${']'.repeat(101)}\n`);
    for (const file of ['deep.json', 'deep.yaml', 'deep101.yaml']) {
      const err = (await collect(['-f', file]).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(ParameterError);
      expect(err.message).not.toContain('\n');
      expect(err.message).toMatch(new RegExp(`^-f ${file.replace('.', '\\.')}: `));
      expect(err.message).toMatch(/lists and maps nested more than 100 levels deep \(Python's parser stops at 200\)/);
    }
  });

  it('refuses a parameters file that is not UTF-8, naming the byte offset', async () => {
    await writeFile(join(dir, 'latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]));
    await expect(collect(['-f', 'latin1.yaml'])).rejects.toThrow(/^-f latin1\.yaml: not UTF-8 text: byte 0xe9 at offset 6: invalid continuation byte$/);
  });

  it('merges files, then YAML strings, then -p/-r — later wins', async () => {
    await writeFile(join(dir, 'order.yaml'), 'a: file\nb: file\nc: file\nd: file\n');
    const got = await collect(['-p', 'd', 'p1', '-y', 'b: yaml1\nc: yaml1', '-f', 'order.yaml', '-y', 'c: yaml2', '-p', 'd', 'p2']);
    expect(got).toEqual({ a: 'file', b: 'yaml1', c: 'yaml2', d: 'p2' });
  });

  it.each([
    [['-p', 'x', '1', '-r', 'x', '2'], /parameter 'x' is given by both -p and -r: keep one/],
    [['-y', 'items: [1, 2'], /^-y "items: \[1, 2": not valid YAML/],
    [['-y', '- 1\n- 2'], /-y "- 1\\n- 2" must hold a mapping of name → value, got a list/],
    [['-y', 'a: 1\na: 2'], /-y "a: 1\\na: 2": not valid YAML: Map keys must be unique/],
    [['-f', 'missing.yaml'], /-f missing\.yaml: cannot read the parameters file \(ENOENT\)/],
    [['-p', '', '1'], /-p: the parameter name is empty/],
  ] as const)('fails with a ParameterError naming the flag: %j', async (argv, message) => {
    const err = await collect([...argv]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParameterError);
    expect((err as Error).message).toMatch(message);
  });

  it('names the file and place of a JSON syntax error', async () => {
    await writeFile(join(dir, 'bad.json'), '{\n  "a": 1,\n}');
    await expect(collect(['-f', 'bad.json'])).rejects.toThrow(/-f bad\.json: expected a string key at line 3, column 1/);
  });
});

/** Runs `nbrun` in-process, capturing its output. */
async function nbrun(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (write: (s: string) => void) => ({ write: (chunk: string | Uint8Array) => (write(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
  const code = await main(argv, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), cwd: dir });
  return { code, stdout, stderr };
}

async function readOutput(path: string): Promise<Notebook> {
  return JSON.parse(await readFile(path, 'utf8')) as Notebook;
}

const tags = (nb: Notebook) => nb.cells.map((c) => (c.metadata.tags as string[] | undefined) ?? []);
const printed = (nb: Notebook) => {
  const outputs = (nb.cells.at(-1) as { outputs: Array<{ output_type: string; text?: string | string[] }> }).outputs;
  return outputs.filter((o) => o.output_type === 'stream').map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text)).join('');
};

// Any text a command line can carry: no NUL, no lone surrogates; the tricky characters often.
const trickyText = fc.oneof(
  fc.string({ unit: fc.constantFrom("'", '"', '\\', '\n', '\r', '\t', '$', '`', '#{x}', '%s', '!', '\x01', '\x1b', '\x7f', '\u2028', 'é', '😀', '\u202e', ' ', 'a'), minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
).map((s) => s.replace(/\0/g, ''));

describe.each([
  ['Python', 'params-python.ipynb'],
  ['R', 'params-r.ipynb'],
])('nbrun run with parameters on a %s notebook (issue 4, done when)', (_language, notebook) => {
  it('prints exactly the values given, for any TRICKY text; the injected cell follows the parameters cell and is replaced on re-run', async () => {
    const fixed = 'it\'s "q" $HOME `id` $(id) #{x} %s \\n \\ \n\t\x01 é 😀 \u2028 \u202e ?';
    const texts = [fixed, ...fc.sample(trickyText, 2)];
    for (const [i, text] of texts.entries()) {
      const out = join(dir, `${notebook}.${i}.out.ipynb`);
      const args = ['-p', 'text', text, '-p', 'count', '42', '-p', 'ratio', '0.25', '-p', 'flag', 'True', '-p', 'nothing', 'None', '-y', 'items: [1, "two", 3.5]'];
      const first = await nbrun(['run', fixture(notebook), out, ...args]);
      expect(first.stderr).not.toMatch(/error/i);
      expect(first.code).toBe(0);
      const nb = await readOutput(out);
      expect(parseParameterJson(printed(nb).trim())).toEqual({ text, count: 42, ratio: 0.25, flag: true, nothing: null, items: [1, 'two', 3.5] });
      expect(tags(nb).slice(1, 3)).toEqual([['parameters'], ['injected-parameters']]);
      if (i > 0) continue;
      // A second run on the output replaces the injected cell.
      const again = join(dir, `${notebook}.again.ipynb`);
      expect((await nbrun(['run', out, again, '-p', 'count', '7'])).code).toBe(0);
      const nb2 = await readOutput(again);
      expect(tags(nb2).filter((t) => t.includes('injected-parameters'))).toHaveLength(1);
      expect(tags(nb2).slice(1, 3)).toEqual([['parameters'], ['injected-parameters']]);
      expect(nb2.cells).toHaveLength(nb.cells.length);
      expect((parseParameterJson(printed(nb2).trim()) as Record<string, unknown>).count).toBe(7);
    }
  });
});

describe('parameters as papermill injects them, through real kernels (issue 11 items 3 and 4)', () => {
  it('Python: 1.0 from -p, -y, a JSON and a YAML file is the float 1.0, also in metadata.nbrun.parameters', async () => {
    await writeFile(join(dir, 'floats.json'), '{"epochs": 3.0}');
    await writeFile(join(dir, 'floats.yaml'), 'name: 4.0\n');
    const out = join(dir, 'types.out.ipynb');
    const res = await nbrun(['run', fixture('params-types.ipynb'), out, '-p', 'lr', '1.0', '-y', 'flag: 2.0', '-f', 'floats.json', '-f', 'floats.yaml']);
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    const nb = await readOutput(out);
    expect(JSON.parse(printed(nb))).toEqual({ lr: ['float', '1.0'], flag: ['float', '2.0'], epochs: ['float', '3.0'], name: ['float', '4.0'] });
    expect(await readFile(out, 'utf8')).toMatch(/"parameters": \{\n {4}"epochs": 3\.0,\n {4}"flag": 2\.0,\n {4}"lr": 1\.0,\n {4}"name": 4\.0\n {3}\}/);
  });

  it('R: integers are R numerics, as papermill writes them: n <- 100000, and n * n does not overflow to NA', async () => {
    const out = join(dir, 'r-numerics.out.ipynb');
    const res = await nbrun(['run', fixture('params-r-numerics.ipynb'), out, '-p', 'n', '100000', '-y', 'lr: 1.0']);
    expect(res.code).toBe(0);
    const nb = await readOutput(out);
    expect(nb.cells[1]!.source).toEqual(['# Parameters\n', 'lr <- 1\n', 'n <- 100000\n']);
    expect(printed(nb)).toBe('numeric FALSE 10000000000\n');
  });
});
