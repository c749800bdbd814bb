import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notebook } from '@nbrun/core/execute/types.js';
import {
  dumpPythonJson,
  formatPythonFloat,
  parseNotebook,
  readNotebook,
  serializeNotebook,
  splitLines,
  writeNotebook,
  writeNotebookSync,
} from '@nbrun/core/notebook/index.js';
import { evaluateInPython, writeWithPythonNbformat } from './python-nbformat.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/notebooks/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nbrun-serialize-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Gives our notebook the ids Python's nbformat chose (ids of upgraded/repaired cells are random on both sides). */
function adoptIds(nb: Notebook, pythonText: string): void {
  // Python writes NaN/Infinity, which only our parser reads.
  const pythonCells = parseNotebook(pythonText, 'python-output.ipynb', { upgrade: false }).cells;
  expect(pythonCells.length).toBe(nb.cells.length);
  nb.cells.forEach((cell, i) => {
    cell.id = pythonCells[i]?.id;
  });
}

describe('serializeNotebook writes byte for byte what Python nbformat writes', () => {
  const ROUND_TRIPS = [
    'v4.0-no-ids.ipynb',
    'v4.1-no-ids.ipynb',
    'v4.2-no-ids.ipynb',
    'v4.3-no-ids.ipynb',
    'v4.4-no-ids.ipynb',
    'v4.4-with-ids.ipynb',
    'metadata-of-other-tools.ipynb',
    'attachments.ipynb',
    'outputs-of-every-type.ipynb',
    'unicode-and-escapes.ipynb',
    'python-numbers.ipynb',
    'integral-floats-in-metadata.ipynb',
    'duplicate-ids.ipynb',
    'missing-ids-4.5.ipynb',
  ];
  let python: Map<string, string>;

  beforeAll(async () => {
    const pairs = ROUND_TRIPS.map((name): [string, string] => [fixture(name), join(scratch, `py-${name}`)]);
    await writeWithPythonNbformat(pairs);
    python = new Map(await Promise.all(ROUND_TRIPS.map(async (name) => [name, await readFile(join(scratch, `py-${name}`), 'utf8')] as const)));
  });

  it.each(ROUND_TRIPS)('%s: read → write equals nbformat.read → upgrade → nbformat.write', async (name) => {
    const nb = await readNotebook(fixture(name));
    const expected = python.get(name) ?? '';
    adoptIds(nb, expected);
    expect(serializeNotebook(nb)).toBe(expected);
  });

  it.each(['metadata-of-other-tools.ipynb', 'attachments.ipynb', 'outputs-of-every-type.ipynb', 'python-numbers.ipynb'])(
    '%s: valid 4.5 ids are kept exactly as nbformat keeps them',
    async (name) => {
      const nb = await readNotebook(fixture(name));
      const pythonNb = parseNotebook(python.get(name) ?? '', 'python-output.ipynb', { upgrade: false });
      expect(nb.cells.map((c) => c.id)).toEqual(pythonNb.cells.map((c) => c.id));
    },
  );

  it.each(ROUND_TRIPS)('%s: the streamed file write (writeNotebook, writeNotebookSync) equals nbformat.write', async (name) => {
    const nb = await readNotebook(fixture(name));
    const expected = python.get(name) ?? '';
    adoptIds(nb, expected);
    const out = join(scratch, `streamed-${name}`);
    await writeNotebook(out, nb);
    expect(await readFile(out, 'utf8')).toBe(expected);
    writeNotebookSync(out, nb);
    expect(await readFile(out, 'utf8')).toBe(expected);
  });

  it.each(ROUND_TRIPS)('%s: the file nbformat wrote is written back unchanged', (name) => {
    const text = python.get(name) ?? '';
    expect(serializeNotebook(parseNotebook(text, name))).toBe(text);
  });

  it('keeps the Python spelling of a number only while its value is unchanged', async () => {
    const nb = await readNotebook(fixture('integral-floats-in-metadata.ipynb'));
    expect(serializeNotebook(nb)).toContain('"version": 1.0\n');
    const metadata = nb.metadata as Record<string, unknown>;
    metadata.version = 2;
    metadata.added = 3.0;
    const text = serializeNotebook(nb);
    expect(text).toContain('"version": 2\n');
    expect(text).toContain('"added": 3,\n');
  });

  it('does not change the notebook it serializes', async () => {
    const nb = await readNotebook(fixture('outputs-of-every-type.ipynb'));
    const before = structuredClone(nb);
    serializeNotebook(nb);
    expect(nb).toEqual(before);
  });

  it('writes notebooks built in memory (numbers set by code) as nbformat does', async () => {
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { duration: 0.1 + 0.2, big: 2 ** 60, tiny: 1e-7, count: 3, '10': 'a', '9': 'b', é: 'c', 'z😀': 1, 'z\uffff': 2 },
      cells: [
        {
          id: 'made-in-js',
          cell_type: 'code',
          metadata: {},
          source: 'print("a")\r\nprint("b")\n',
          outputs: [{ output_type: 'stream', name: 'stdout', text: 'a\r\nb\n' }],
          execution_count: 1,
        },
      ],
    };
    const input = join(scratch, 'in-memory.ipynb');
    const output = join(scratch, 'in-memory.py.ipynb');
    await writeFile(input, JSON.stringify(nb));
    await writeWithPythonNbformat([[input, output]]);
    expect(serializeNotebook(nb)).toBe(await readFile(output, 'utf8'));
  });
});

it('splits tricky multiline strings exactly as nbformat does', async () => {
  const texts = ['\n', '\n\n', 'a', 'a\n', 'a\\nb', 'back\\\nslash', '\\\\n\n', 'q"\n"q', 'tab\t\n\u0000\n', 'cr\r\nlf\n', 'é😀\n你好', ' \n  \n'];
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: texts.map((text, i) => ({
      id: `t${i}`,
      cell_type: 'code',
      metadata: {},
      source: text,
      outputs: [
        { output_type: 'stream', name: 'stdout', text },
        { output_type: 'display_data', data: { 'text/plain': text, 'image/svg+xml': text, 'image/png': text }, metadata: {} },
      ],
      execution_count: null,
    })),
  };
  const input = join(scratch, 'tricky.ipynb');
  const output = join(scratch, 'tricky.py.ipynb');
  await writeFile(input, JSON.stringify(nb));
  await writeWithPythonNbformat([[input, output]]);
  expect(serializeNotebook(nb)).toBe(await readFile(output, 'utf8'));
});

describe('the pieces Python defines', () => {
  it('formatPythonFloat equals repr(float) for edge and random doubles', async () => {
    const edges = [0, -0, 0.1, 1 / 3, 1e15, 1e16, 123456789012345.6, 1e-4, 1e-5, 0.00012345, 1e21, 1e22, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -2.5, 100, 1.5e300, 9999999999999998];
    // Random bit patterns cover all exponents; a fixed seed keeps failures reproducible.
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const view = new DataView(new ArrayBuffer(8));
    const randoms: number[] = [];
    while (randoms.length < 2000) {
      for (let b = 0; b < 8; b++) view.setUint8(b, (next() >>> 16) & 0xff);
      const x = view.getFloat64(0);
      if (Number.isFinite(x)) randoms.push(x);
    }
    const values = [...edges, ...randoms];
    const reprs = await evaluateInPython<string[]>('[repr(float(x)) for x in data]', values.map((x) => (Object.is(x, -0) ? '-0' : x.toExponential())));
    expect(values.map(formatPythonFloat)).toEqual(reprs);
  });

  it('splitLines equals str.splitlines(True) for every line boundary Python knows', async () => {
    const texts = [
      '',
      'a',
      'a\n',
      'a\nb',
      '\n\n',
      'a\r\nb\rc\n',
      '\r\r\n\n',
      'v\u000bf\u000cfs\u001cgs\u001drs\u001enel\u0085ls\u2028ps\u2029end',
      'no\u0000split\u0007here\u001b[0m',
    ];
    const expected = await evaluateInPython<string[][]>('[t.splitlines(True) for t in data]', texts);
    expect(texts.map(splitLines)).toEqual(expected);
  });

  it('dumpPythonJson equals json.dumps(sort_keys=True, indent=1, ensure_ascii=False)', async () => {
    const values: unknown[] = [
      {},
      [],
      { b: [], a: {}, c: [{}] },
      { s: 'quote " backslash \\ slash / tab \t nul \u0000 esc \u001b del \u007f ls \u2028 emoji 😀 cjk 你好' },
      { '10': 1, '9': 2, '': 3, 'a😀': 4, 'a\uffff': 5, 'A': 6 },
      [1, -1, 0, 0.5, 1e-7, 2 ** 53 + 2, 1e20, true, false, null],
    ];
    const expected = await evaluateInPython<string[]>('[json.dumps(v, sort_keys=True, indent=1, ensure_ascii=False) for v in data]', values);
    expect(values.map(dumpPythonJson)).toEqual(expected);
  });
});

describe('big notebooks', () => {
  it('serializes 1000 cells and a 300,000-line stream output exactly as nbformat does', async () => {
    const lines = Array.from({ length: 300_000 }, (_, i) => `line ${i}: ${'x'.repeat(i % 40)}\n`).join('');
    const cells: Notebook['cells'] = Array.from({ length: 1000 }, (_, i) => ({
      id: `cell-${i}`,
      cell_type: 'code',
      metadata: { tags: [`t${i % 7}`] },
      source: `x = ${i}\nprint(x)`,
      outputs: i === 500 ? [{ output_type: 'stream', name: 'stdout', text: lines }] : [{ output_type: 'execute_result', execution_count: i + 1, data: { 'text/plain': String(i) }, metadata: {} }],
      execution_count: i + 1,
    }));
    const nb: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
    const text = serializeNotebook(nb);
    const back = parseNotebook(text, 'big.ipynb');
    expect((back.cells[500] as { outputs: Array<{ text: string }> }).outputs[0]?.text).toBe(lines);
    const onDisk = JSON.parse(text) as { cells: Array<{ outputs: Array<{ text?: string[] }> }> };
    expect(onDisk.cells[500]?.outputs[0]?.text?.length).toBe(300_000);

    const input = join(scratch, 'big.ipynb');
    const output = join(scratch, 'big.py.ipynb');
    await writeFile(input, text);
    await writeWithPythonNbformat([[input, output]]);
    expect(text === (await readFile(output, 'utf8'))).toBe(true);
    // The file write streams the same bytes, the stream text escaped slice by slice.
    const streamed = join(scratch, 'big.streamed.ipynb');
    await writeNotebook(streamed, nb);
    expect((await readFile(streamed, 'utf8')) === text).toBe(true);
  });

  it('streams stream texts of several MiB, cut between slices at every kind of line end, as nbformat writes them', async () => {
    // Lines of every kind across the 1 MiB slice boundaries: \r\n, lone \r (progress bars), \u2028,
    // backslashes, quotes, non-ASCII, astral characters, and a last line without \n.
    const kinds = ['step %d\r', 'done %d\r\n', 'path C:\\dir\\%d "q"\n', 'é ü 中 %d 😀\n', 'sep %d\u2028', 'tab\t%d\x0c\n', 'plain line %d\n'];
    const parts: string[] = [];
    for (let i = 0, n = 0; n < 5 * 1024 * 1024; i++) {
      const line = kinds[i % kinds.length]!.replace('%d', String(i));
      parts.push(line);
      n += line.length;
    }
    parts.push('no newline at the end');
    const text = parts.join('');
    const big = 'y'.repeat(3 * 1024 * 1024) + '\n' + 'z'.repeat(10) + '\n'; // a 3 MiB line: one slice longer than the slice size
    const nb: Notebook = {
      nbformat: 4, nbformat_minor: 5, metadata: {},
      cells: [{
        id: 'c', cell_type: 'code', metadata: {}, source: 'print()', execution_count: 1,
        outputs: [{ output_type: 'stream', name: 'stdout', text }, { output_type: 'stream', name: 'stderr', text: big }],
      }],
    };
    const expected = serializeNotebook(nb);
    const streamed = join(scratch, 'tricky.streamed.ipynb');
    await writeNotebook(streamed, nb);
    expect((await readFile(streamed, 'utf8')) === expected).toBe(true);
    const output = join(scratch, 'tricky.py.ipynb');
    await writeWithPythonNbformat([[streamed, output]]);
    expect((await readFile(output, 'utf8')) === expected).toBe(true);
  });
});
