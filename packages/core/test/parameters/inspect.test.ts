/**
 * Inspection of Python and R parameters cells, as papermill's `inspect` reads them (issue 11
 * item 9): the expectations marked "papermill" are papermill's own test expectations
 * (test_inspect.py, test_translators.py), with nbrun's inferred type where papermill says
 * "None" (it infers none).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspectParameters, readNotebook } from '@nbrun/core';
import { parseParameterSource } from '@nbrun/core/parameters';

const fixture = (name: string) => fileURLToPath(new URL(`../../../../test/fixtures/notebooks/${name}`, import.meta.url));

describe('inspectParameters', () => {
  it('lists name, type, default and help of a Python parameters cell', async () => {
    expect(inspectParameters(await readNotebook(fixture('params-python.ipynb')))).toEqual([
      { name: 'text', inferredType: 'str', default: '"sample"', help: 'text to echo back' },
      { name: 'count', inferredType: 'int', default: '3', help: 'how many rows' },
      { name: 'ratio', inferredType: 'float', default: '0.5', help: '' },
      { name: 'flag', inferredType: 'bool', default: 'False', help: 'turn the feature on' },
      { name: 'nothing', inferredType: 'str', default: '"default"', help: '' },
      { name: 'items', inferredType: 'list', default: '[1,2,]', help: 'list of items' },
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

  it('lists nothing for a notebook without a parameters cell (papermill: no_parameters.ipynb)', async () => {
    expect(inspectParameters(await readNotebook(fixture('params-none.ipynb')))).toEqual([]);
    expect(inspectParameters(await readNotebook(fixture('papermill/no_parameters.ipynb')))).toEqual([]);
  });

  it("reads papermill's complex_parameters.ipynb as papermill does (a cell that is not valid Python: line by line)", async () => {
    expect(inspectParameters(await readNotebook(fixture('papermill/complex_parameters.ipynb')))).toEqual([
      { name: 'msg', inferredType: 'None', default: 'None', help: '' },
      { name: 'a', inferredType: 'float', default: '2.25', help: 'Variable a' },
      { name: 'b', inferredType: 'List[str]', default: "['Hello','World']", help: 'Nice list' },
      { name: 'c', inferredType: 'NoneType', default: 'None', help: '' },
    ]);
    expect(inspectParameters(await readNotebook(fixture('papermill/simple_execute.ipynb')))).toEqual([
      { name: 'msg', inferredType: 'None', default: 'None', help: '' },
    ]);
  });

  it("takes the kernelspec's language when language_info.name is empty (papermill: notimplemented_translator.ipynb)", async () => {
    // papermill has no R inspection and lists nothing; nbrun reads the R cell.
    expect(inspectParameters(await readNotebook(fixture('papermill/notimplemented_translator.ipynb')))).toEqual([
      { name: 'msg', inferredType: 'unknown', default: 'None', help: '' },
    ]);
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
    ['triple-quoted string over lines (each line stripped, as papermill)', 'doc = """x\n  y = 2\n"""\nn = None', [
      { name: 'doc', inferredType: 'str', default: '"""xy = 2"""', help: '' },
      { name: 'n', inferredType: 'None', default: 'None', help: '' },
    ]],
    ['comparisons, calls and imports are not parameters', 'import os\nx == 1\nprint(1)\nd = {"a": 1}', [
      { name: 'd', inferredType: 'dict', default: '{"a": 1}', help: '' },
    ]],
    ['backslash continuation and ;', 'a = 1 + \\\n  2; b = (3,\n 4)', [
      { name: 'a', inferredType: 'unknown', default: '1 +    2', help: '' },
      { name: 'b', inferredType: 'tuple', default: '(3,4)', help: '' },
    ]],
    ['a later assignment wins, listed where the name first appears', 'x = 1\ny = 2\nx = "s"', [
      { name: 'x', inferredType: 'str', default: '"s"', help: '' },
      { name: 'y', inferredType: 'int', default: '2', help: '' },
    ]],
    // papermill's own expectations (test_translators.py: test_inspect_python)
    ['papermill: a = 2', 'a = 2', [{ name: 'a', inferredType: 'int', default: '2', help: '' }]],
    ['papermill: a: int = 2', 'a: int = 2', [{ name: 'a', inferredType: 'int', default: '2', help: '' }]],
    ['papermill: a = 2 # type:int', 'a = 2 # type:int', [{ name: 'a', inferredType: 'int', default: '2', help: '' }]],
    ['papermill: a = False # Nice variable a', 'a = False # Nice variable a', [{ name: 'a', inferredType: 'bool', default: 'False', help: 'Nice variable a' }]],
    ['papermill: annotation wins over # type:', 'a: float = 2.258 # type: int Nice variable a', [{ name: 'a', inferredType: 'float', default: '2.258', help: 'Nice variable a' }]],
    ["papermill: # type: comment", "a = 'this is a string' # type: int Nice variable a", [{ name: 'a', inferredType: 'int', default: "'this is a string'", help: 'Nice variable a' }]],
    ['papermill: List[str] annotation', "a: List[str] = ['this', 'is', 'a', 'string', 'list'] # Nice variable a", [
      { name: 'a', inferredType: 'List[str]', default: "['this', 'is', 'a', 'string', 'list']", help: 'Nice variable a' },
    ]],
    ['papermill: multi-line default with comments', "a: List[str] = [\n    'this', # First\n    'is',\n    'a',\n    'string',\n    'list' # Last\n] # Nice variable a", [
      { name: 'a', inferredType: 'List[str]', default: "['this','is','a','string','list']", help: 'Nice variable a' },
    ]],
    ['papermill: indented and blank lines', "a: List[str] = [\n                'this', # First\n                'is',\n\n                'a',\n                'string',\n                'list' # Last\n            ] # Nice variable a\n\n            b: float = -2.3432 # My b variable\n            ", [
      { name: 'a', inferredType: 'List[str]', default: "['this','is','a','string','list']", help: 'Nice variable a' },
      { name: 'b', inferredType: 'float', default: '-2.3432', help: 'My b variable' },
    ]],
    // papermill's reading of a valid cell (its syntax tree): string annotations, scopes, chained and tuple targets
    ['a string annotation loses its quotes', "c: \"NoneType\" = None\nd: 'List[str]' = []", [
      { name: 'c', inferredType: 'NoneType', default: 'None', help: '' },
      { name: 'd', inferredType: 'List[str]', default: '[]', help: '' },
    ]],
    ['# type: List[str] with a help text', 'names = []  # type: List[str] the names to greet', [
      { name: 'names', inferredType: 'List[str]', default: '[]', help: 'the names to greet' },
    ]],
    ['assignments inside if/for/with count, def and class bodies do not', 'if True:\n    a = 1\nelse: b = 2\nfor i in range(2):\n    c = i\ndef f():\n    d = 1\n    if x:\n        e = 2\nclass K:\n    g = 1\nh = 3', [
      { name: 'a', inferredType: 'int', default: '1', help: '' },
      { name: 'b', inferredType: 'int', default: '2', help: '' },
      { name: 'c', inferredType: 'unknown', default: 'i', help: '' },
      { name: 'h', inferredType: 'int', default: '3', help: '' },
    ]],
    ['chained, tuple, attribute and augmented assignments are not parameters', 'a = b = 1\nc, d = 1, 2\ne.f = 1\ng[0] = 1\nh += 1\nk = f(x=1)\nl = lambda y=2: y', [
      { name: 'k', inferredType: 'unknown', default: 'f(x=1)', help: '' },
      { name: 'l', inferredType: 'unknown', default: 'lambda y=2: y', help: '' },
    ]],
    ['the help comment is the one on the last line of the statement', 'x = [  # not this\n  1,\n]  # this', [
      { name: 'x', inferredType: 'list', default: '[1,]', help: 'this' },
    ]],
  ] as const)('Python: %s', (_label, src, want) => {
    expect(parseParameterSource(src, 'python')).toEqual(want);
  });

  it.each([
    ['operators continue a statement', 'x <-\n  5 # five', [{ name: 'x', inferredType: 'numeric', default: '5', help: 'five' }]],
    ['a multi-line default on one line', 'v <- c(\n  1,\n  2\n) # values', [{ name: 'v', inferredType: 'vector', default: 'c(1,2)', help: 'values' }]],
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
