import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NotebookFormatError } from '@nbrun/core/errors.js';
import { assertValidNotebook45, findNotebookProblem, readNotebook, validateNotebook } from '@nbrun/core/notebook/index.js';
import { notebookValidatorSource } from '../../scripts/notebook-validator.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/notebooks/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('schema errors name the JSON pointer and the problem of the branch the cell/output meant', () => {
  const cases = [
    {
      file: 'stream-without-text.ipynb',
      pointer: '/cells/0/outputs/0/text',
      problem: 'required property is missing',
    },
    {
      file: 'code-cell-without-source.ipynb',
      pointer: '/cells/0/source',
      problem: 'required property is missing',
    },
    {
      file: 'unknown-cell-type.ipynb',
      pointer: '/cells/1/cell_type',
      problem: 'unknown cell_type "heading" (expected one of "code", "markdown", "raw")',
    },
    {
      file: 'string-execution-count.ipynb',
      pointer: '/cells/0/execution_count',
      problem: 'must be an integer or null (found "1")',
    },
    {
      file: 'kernelspec-without-name.ipynb',
      pointer: '/metadata/kernelspec/name',
      problem: 'required property is missing',
    },
    {
      file: 'markdown-cell-with-outputs.ipynb',
      pointer: '/cells/0/outputs',
      problem: 'property not allowed here (allowed: id, cell_type, metadata, attachments, source)',
    },
  ];

  it.each(cases)('$file → $pointer: $problem', async ({ file, pointer, problem }) => {
    const path = fixture(file);
    // Strictly: the lenient default repairs some of these (see lenient.test.ts).
    const err = await readNotebook(path, { repair: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotebookFormatError);
    expect(err).toMatchObject({ message: `${path}: ${pointer}: ${problem}`, instancePath: pointer, path, code: 'E_NOTEBOOK_INVALID' });
  });

  const cell = (over: Record<string, unknown>) => ({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ id: 'a', cell_type: 'code', metadata: {}, source: '', outputs: [], execution_count: null, ...over }],
  });
  const inline = [
    { nb: cell({ source: 5 }), message: '/cells/0/source: must be a string or an array of strings (found 5)' },
    { nb: cell({ source: ['a', 5] }), message: '/cells/0/source/1: must be a string (found 5)' },
    { nb: cell({ metadata: { tags: ['x', 'x'] } }), message: '/cells/0/metadata/tags: must not repeat items (items 1 and 0 are equal)' },
    { nb: cell({ metadata: { tags: ['a,b'] } }), message: '/cells/0/metadata/tags/0: must match ^[^,]+$ (found "a,b")' },
    { nb: cell({ execution_count: -1 }), message: '/cells/0/execution_count: must be >= 0 (found -1)' },
    { nb: cell({ id: 'a b' }), message: '/cells/0/id: must match ^[a-zA-Z0-9-_]+$ (found "a b")' },
    {
      nb: cell({ outputs: [{ output_type: 'display_data', data: { 'text/plain': 5 }, metadata: {} }] }),
      message: '/cells/0/outputs/0/data/text~1plain: must be a string or an array of strings (found 5)',
    },
    {
      nb: cell({ outputs: [{ output_type: 'error', ename: 'E', evalue: 'v' }] }),
      message: '/cells/0/outputs/0/traceback: required property is missing',
    },
    {
      nb: cell({ outputs: [{ output_type: 'execute_result', data: {}, metadata: {} }] }),
      message: '/cells/0/outputs/0/execution_count: required property is missing',
    },
    { nb: cell({ outputs: [{ text: 'x' }] }), message: '/cells/0/outputs/0/output_type: required property is missing (one of "execute_result", "display_data", "stream", "error")' },
    { nb: cell({ outputs: ['text'] }), message: '/cells/0/outputs/0: an output must be an object (found "text")' },
    { nb: { ...cell({}), cells: [[]] }, message: '/cells/0: a cell must be an object (found an array)' },
    { nb: { ...cell({}), nbformat_minor: '5' }, message: '/nbformat_minor: must be an integer (found "5")' },
    { nb: { ...cell({}), extra: 1 }, message: '/extra: property not allowed here (allowed: metadata, nbformat_minor, nbformat, cells)' },
    { nb: { ...cell({}), nbformat: '4' }, message: '/nbformat: must be an integer (found "4")' },
    {
      nb: { ...cell({}), cells: [cell({}).cells[0], { ...cell({}).cells[0] }] },
      message: '/cells/1/id: duplicate cell id "a" (also the id of cell 0)',
    },
  ];
  it.each(inline)('$message', ({ nb, message }) => {
    const err = catchError(() => validateNotebook(nb, 'nb.ipynb'));
    expect(err).toBeInstanceOf(NotebookFormatError);
    expect((err as Error).message).toBe(`nb.ipynb: ${message}`);
  });
});

describe('valid notebooks', () => {
  it.each(['v4.0-no-ids.ipynb', 'v4.1-no-ids.ipynb', 'v4.2-no-ids.ipynb', 'v4.3-no-ids.ipynb', 'v4.4-no-ids.ipynb'])(
    '%s is valid against its own version of the schema',
    async (file) => {
      const value: unknown = JSON.parse(await readFile(fixture(file), 'utf8'));
      expect(findNotebookProblem(value)).toBeNull();
    },
  );

  it('checks each minor version against its own schema (4.4 added metadata.execution strings)', () => {
    const nb = (minor: number) => ({
      nbformat: 4,
      nbformat_minor: minor,
      metadata: {},
      cells: [{ cell_type: 'code', metadata: { execution: { x: 1 } }, source: '', outputs: [], execution_count: null }],
    });
    expect(findNotebookProblem(nb(3))).toBeNull();
    expect(findNotebookProblem(nb(4))?.message).toBe('/cells/0/metadata/execution/x: must be a string (found 1)');
  });

  it('assertValidNotebook45 accepts what readNotebook returns and refuses older minors', async () => {
    const nb = await readNotebook(fixture('metadata-of-other-tools.ipynb'));
    expect(() => assertValidNotebook45(nb)).not.toThrow();
    const old = await readNotebook(fixture('v4.3-no-ids.ipynb'), { upgrade: false });
    expect(() => assertValidNotebook45(old, 'old.ipynb')).toThrow('old.ipynb: expected nbformat 4.5, found 4.3');
  });
});

describe('the nbformat 4.5 validator compiled at build time', () => {
  it('src/notebook/validate-v4.5.generated.cjs is compiled from the 4.5 schema (run `pnpm --filter @nbrun/core validators`)', () => {
    const file = readFileSync(new URL('../../src/notebook/validate-v4.5.generated.cjs', import.meta.url), 'utf8');
    expect(file === notebookValidatorSource(), 'src/notebook/validate-v4.5.generated.cjs is stale').toBe(true);
  });
});
