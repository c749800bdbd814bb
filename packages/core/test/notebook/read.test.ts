import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotebookFormatError, NotebookJsonError, NotebookReadError } from '@nbrun/core/errors.js';
import { assertValidNotebook45, parseNotebook, readNotebook } from '@nbrun/core/notebook/index.js';

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

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nbrun-read-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('readNotebook: files that are not notebooks fail with one line naming the file', () => {
  const cases: Array<{ file: string; error: new (...args: never[]) => Error; message: string; code: string }> = [
    {
      file: 'truncated.ipynb',
      error: NotebookJsonError,
      message: '{path}:30:12: invalid JSON: unexpected end of file inside a string (is the file truncated?)',
      code: 'E_NOTEBOOK_JSON',
    },
    {
      file: 'missing-comma.ipynb',
      error: NotebookJsonError,
      message: `{path}:15:4: invalid JSON: unexpected character '"', expected ',' or '}'`,
      code: 'E_NOTEBOOK_JSON',
    },
    { file: 'empty.ipynb', error: NotebookJsonError, message: '{path}:1:1: invalid JSON: the file is empty', code: 'E_NOTEBOOK_JSON' },
    {
      file: 'not-a-notebook.json',
      error: NotebookFormatError,
      message: '{path}: not a Jupyter notebook (no "nbformat" and no "cells" field)',
      code: 'E_NOTEBOOK_INVALID',
    },
    {
      file: 'top-level-array.json',
      error: NotebookFormatError,
      message: '{path}: not a Jupyter notebook (the top level is an array, expected an object)',
      code: 'E_NOTEBOOK_INVALID',
    },
    {
      file: 'nbformat3.ipynb',
      error: NotebookFormatError,
      message:
        '{path}: nbformat 3 is not supported (nbrun reads nbformat 4); convert it with ' +
        '`jupyter nbconvert --to notebook --nbformat 4 {path}` (writes <name>.nbconvert.ipynb)',
      code: 'E_NOTEBOOK_INVALID',
    },
    {
      file: 'nbformat5.ipynb',
      error: NotebookFormatError,
      message: '{path}: nbformat 5 is newer than this nbrun understands (it reads nbformat 4.0–4.5); save the notebook as nbformat 4',
      code: 'E_NOTEBOOK_INVALID',
    },
    {
      file: 'bad-output-type.ipynb',
      error: NotebookFormatError,
      message:
        '{path}: /cells/3/outputs/0/output_type: unknown output_type "displaydata" ' +
        '(expected one of "execute_result", "display_data", "stream", "error")',
      code: 'E_NOTEBOOK_INVALID',
    },
    { file: 'does-not-exist.ipynb', error: NotebookReadError, message: '{path}: no such file', code: 'E_NOTEBOOK_READ' },
  ];

  it.each(cases)('$file → $message', async ({ file, error, message, code }) => {
    const path = fixture(file);
    const err = await readNotebook(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(error);
    const e = err as Error & { code: string; path: string; cause?: unknown };
    expect(e.message).toBe(message.replaceAll('{path}', path));
    expect(e.message).not.toContain('\n');
    expect(e.code).toBe(code);
    expect(e.path).toBe(path);
  });

  it('gives line and column as fields of the JSON error, and keeps the cause', async () => {
    const err = (await readNotebook(fixture('missing-comma.ipynb')).catch((e: unknown) => e)) as NotebookJsonError;
    expect([err.line, err.column]).toEqual([15, 4]);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('gives the JSON pointer of a schema error as a field', async () => {
    const err = (await readNotebook(fixture('bad-output-type.ipynb')).catch((e: unknown) => e)) as NotebookFormatError;
    expect(err.instancePath).toBe('/cells/3/outputs/0/output_type');
  });

  it('says a directory is not a notebook file', async () => {
    const err = await readNotebook(scratch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotebookReadError);
    expect(err).toMatchObject({ message: `${scratch}: is a directory, not a notebook file`, path: scratch });
  });
});

describe('parseNotebook: JSON errors are located at the right line and column', () => {
  const cases = [
    { text: '{"cells": [}', where: '1:12', reason: "unexpected character '}', expected a value" },
    { text: '{\n  "a": 1,\n}', where: '3:1', reason: "unexpected character '}', expected a property name in double quotes" },
    { text: '{"a": tru', where: '1:10', reason: 'unexpected end of file (is the file truncated?)' },
    { text: '{"a": "x\ty"}', where: '1:9', reason: 'control character U+0009 inside a string (must be escaped)' },
    { text: '{"a": "\\x"}', where: '1:8', reason: "invalid escape '\\x' in a string" },
    { text: '{"a": 1} 2', where: '1:10', reason: "unexpected character '2' after the end of the JSON document" },
    { text: '{"a": 01}', where: '1:8', reason: "unexpected character '1', expected ',' or '}'" },
    { text: "{'a': 1}", where: '1:2', reason: "unexpected character ''', expected a property name in double quotes" },
    { text: '   \n  ', where: '2:3', reason: 'the file is empty' },
  ];
  it.each(cases)('$text → $where $reason', ({ text, where, reason }) => {
    const err = catchError(() => parseNotebook(text, 'nb.ipynb'));
    const [line, column] = where.split(':').map(Number);
    expect(err).toBeInstanceOf(NotebookJsonError);
    expect(err).toMatchObject({ message: `nb.ipynb:${where}: invalid JSON: ${reason}`, line, column, path: 'nb.ipynb' });
  });

  it('agrees with the position JSON.parse reports', () => {
    const text = '{\n "cells": [\n  1,\n  2 3\n ]\n}';
    const native = /position (\d+)/.exec((() => {
      try {
        JSON.parse(text);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })());
    const err = catchError(() => parseNotebook(text, 'x')) as NotebookJsonError;
    const offset = Number(native?.[1]);
    const before = text.slice(0, offset).split('\n');
    expect([err?.line, err?.column]).toEqual([before.length, (before.at(-1) ?? '').length + 1]);
  });
});

describe('readNotebook: what a valid notebook reads as', () => {
  it('joins multiline strings into single strings, as nbformat reads do', async () => {
    const nb = await readNotebook(fixture('outputs-of-every-type.ipynb'));
    const cell = nb.cells[0] as { source: unknown; outputs: Array<Record<string, unknown>> };
    const raw = JSON.parse(await readFile(fixture('outputs-of-every-type.ipynb'), 'utf8')) as {
      cells: Array<{ source: string[]; outputs: Array<{ text?: string[]; data?: Record<string, unknown> }> }>;
    };
    expect(cell.source).toBe(raw.cells[0]!.source.join(''));
    expect(cell.outputs[0]!.text).toBe(raw.cells[0]!.outputs[0]!.text!.join(''));
    const data = cell.outputs[2]!.data as Record<string, unknown>;
    expect(data['text/html']).toBe((raw.cells[0]!.outputs[2]!.data!['text/html'] as string[]).join(''));
    // JSON mime types keep their structure.
    expect(data['application/json']).toEqual(raw.cells[0]!.outputs[2]!.data!['application/json']);
    expect(data['application/vnd.plotly.v1+json']).toEqual(raw.cells[0]!.outputs[2]!.data!['application/vnd.plotly.v1+json']);
  });

  it('reads a file that starts with a byte order mark', async () => {
    const nb = await readNotebook(fixture('bom.ipynb'));
    expect(nb.cells[0]?.id).toBe('bom');
  });

  it('upgrades to 4.5 by default and keeps the version with upgrade: false', async () => {
    const upgraded = await readNotebook(fixture('v4.2-no-ids.ipynb'));
    assertValidNotebook45(upgraded);
    const kept = await readNotebook(fixture('v4.2-no-ids.ipynb'), { upgrade: false });
    expect(kept.nbformat_minor).toBe(2);
    expect(kept.cells.every((cell) => cell.id === undefined)).toBe(true);
  });

  it('accepts stray ids in a 4.4 notebook it upgrades, but not when asked to keep 4.4', async () => {
    const nb = await readNotebook(fixture('v4.4-with-ids.ipynb'));
    expect(nb.cells[0]?.id).toBe('keep-me');
    expect(nb.cells[1]?.id).toMatch(/^[0-9a-f]{8}$/);
    await expect(readNotebook(fixture('v4.4-with-ids.ipynb'), { upgrade: false })).rejects.toThrow(/\/cells\/0\/id: property not allowed here/);
  });

  it('drops what nbformat treats as transient (metadata.signature, orig_nbformat, cell metadata.trusted)', () => {
    const nb = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { signature: 'sha256:x', orig_nbformat: 3, kept: true },
        cells: [{ id: 'a', cell_type: 'markdown', metadata: { trusted: true, kept: 1 }, source: '' }],
      }),
      'x.ipynb',
    );
    expect(nb.metadata).toEqual({ kept: true });
    expect(nb.cells[0]?.metadata).toEqual({ kept: 1 });
  });
});
