/** Inspection of Python and R parameters cells. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParameterError, inspectParameters, parseParameterSource, readNotebook } from '@nbrun/core';

const fixture = (name: string) => fileURLToPath(new URL(`../../../../test/fixtures/notebooks/${name}`, import.meta.url));

describe('inspectParameters', () => {
  it('lists name, type, default and help of a Python parameters cell', async () => {
    expect(inspectParameters(await readNotebook(fixture('params-python.ipynb')))).toEqual([
      { name: 'text', inferredType: 'str', default: '"sample"', help: 'text to echo back' },
      { name: 'count', inferredType: 'int', default: '3', help: 'how many rows' },
      { name: 'ratio', inferredType: 'float', default: '0.5', help: '' },
      { name: 'flag', inferredType: 'bool', default: 'False', help: 'turn the feature on' },
      { name: 'nothing', inferredType: 'str', default: '"default"', help: '' },
      { name: 'items', inferredType: 'list', default: '[\n    1,\n    2,\n]', help: 'list of items' },
    ]);
  });

  it('lists name, type, default and help of an R parameters cell', async () => {
    expect(inspectParameters(await readNotebook(fixture('params-r.ipynb')))).toEqual([
      { name: 'text', inferredType: 'character', default: '"sample"', help: 'text to echo back' },
      { name: 'count', inferredType: 'integer', default: '3L', help: 'how many rows' },
      { name: 'ratio', inferredType: 'numeric', default: '0.5', help: '' },
      { name: 'flag', inferredType: 'logical', default: 'FALSE', help: 'turn the feature on' },
      { name: 'nothing', inferredType: 'character', default: '"default"', help: '' },
      { name: 'items', inferredType: 'list', default: 'list(1, 2)', help: 'list of items' },
    ]);
  });

  it('says clearly when there is no parameters cell', async () => {
    const nb = await readNotebook(fixture('params-none.ipynb'));
    expect(() => inspectParameters(nb)).toThrow(ParameterError);
    expect(() => inspectParameters(nb)).toThrow("the notebook has no cell tagged 'parameters'");
  });

  it('refuses languages it cannot read, naming them', async () => {
    const nb = await readNotebook(fixture('params-python.ipynb'));
    expect(() => inspectParameters(nb, { language: 'julia' })).toThrow(/cannot inspect parameters of a 'julia' notebook/);
    expect(inspectParameters(nb, { kernelName: 'python3' })).toHaveLength(6);
  });
});

describe('parseParameterSource', () => {
  it.each([
    ['annotation without default', 'x: int', [{ name: 'x', inferredType: 'int', default: null, help: '' }]],
    ['annotated default', 'lr: float = 1e-3  # learning rate', [{ name: 'lr', inferredType: 'float', default: '1e-3', help: 'learning rate' }]],
    ['# inside a string is not a comment', 's = "a # b"  # real', [{ name: 's', inferredType: 'str', default: '"a # b"', help: 'real' }]],
    ['triple-quoted string over lines', 'doc = """x\ny = 2\n"""\nn = None', [
      { name: 'doc', inferredType: 'str', default: '"""x\ny = 2\n"""', help: '' },
      { name: 'n', inferredType: 'None', default: 'None', help: '' },
    ]],
    ['comparisons, calls and imports are not parameters', 'import os\nx == 1\nprint(1)\nd = {"a": 1}', [
      { name: 'd', inferredType: 'dict', default: '{"a": 1}', help: '' },
    ]],
    ['backslash continuation and ;', 'a = 1 + \\\n  2; b = (3,\n 4)', [
      { name: 'a', inferredType: 'unknown', default: '1 +    2', help: '' },
      { name: 'b', inferredType: 'tuple', default: '(3,\n 4)', help: '' },
    ]],
    ['a later assignment wins', 'x = 1\nx = "s"', [{ name: 'x', inferredType: 'str', default: '"s"', help: '' }]],
  ] as const)('Python: %s', (_label, src, want) => {
    expect(parseParameterSource(src, 'python')).toEqual(want);
  });

  it.each([
    ['operators continue a statement', 'x <-\n  5 # five', [{ name: 'x', inferredType: 'numeric', default: '5', help: 'five' }]],
    ['vectors, NULL, raw strings', 'v <- c(1, 2)\nn = NULL\np <- r"(C:\\path # not a comment)"', [
      { name: 'v', inferredType: 'vector', default: 'c(1, 2)', help: '' },
      { name: 'n', inferredType: 'NULL', default: 'NULL', help: '' },
      { name: 'p', inferredType: 'character', default: 'r"(C:\\path # not a comment)"', help: '' },
    ]],
    ['library calls are not parameters', 'library(stats)\nk <- as.integer(2)', [{ name: 'k', inferredType: 'integer', default: 'as.integer(2)', help: '' }]],
  ] as const)('R: %s', (_label, src, want) => {
    expect(parseParameterSource(src, 'r')).toEqual(want);
  });
});
