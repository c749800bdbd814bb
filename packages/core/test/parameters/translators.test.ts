/**
 * Each translator's exact output for a table of values (the languages without an
 * interpreter here are checked only this way; Python, R, Octave, Bash and JavaScript are
 * also evaluated for real in roundtrip.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ParameterError, asFloat, type ParameterValue } from '@nbrun/core';
import { bashTranslator, builtinTranslators, csharpTranslator, fsharpTranslator, javascriptTranslator, juliaTranslator, matlabTranslator, octaveTranslator, powershellTranslator, pythonTranslator, rTranslator, MAX_PARAMETER_DEPTH, renderParameters, scalaTranslator, typescriptTranslator, type Translator } from '@nbrun/core/parameters';

const VALUES: Record<string, ParameterValue> = {
  null: null,
  true: true,
  int: 42,
  'negative int': -7,
  'int beyond int32': 3000000000,
  'int beyond 2^63': 2n ** 70n,
  float: 0.25,
  'whole float (-p x 1.0)': asFloat(1),
  'inexact float': 0.1,
  'integral float beyond 2^53': 1e21,
  '-0': -0,
  NaN: NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
  'tricky string': 'a\'b"c\\d$e`f\n\u0001g😀\u202e',
  list: [1, 'two', [null]],
  map: { '': 1, 'a b': [], '1': { x: false } },
  'empty list': [],
  'empty map': {},
};

const ERROR = 'error';
type Expected = Record<keyof typeof VALUES, string>;

const EXPECTED: Array<[Translator, Expected]> = [
  [pythonTranslator, {
    'whole float (-p x 1.0)': 'x = 1.0',
    null: 'x = None', true: 'x = True', int: 'x = 42', 'negative int': 'x = -7', 'int beyond int32': 'x = 3000000000',
    'int beyond 2^63': 'x = 1180591620717411303424', float: 'x = 0.25', 'inexact float': 'x = 0.1',
    'integral float beyond 2^53': 'x = 1e+21', '-0': 'x = -0.0', NaN: "x = float('nan')", Infinity: "x = float('inf')",
    '-Infinity': "x = float('-inf')", 'tricky string': String.raw`x = "a'b\"c\\d$e` + '`' + String.raw`f\n\x01g😀\u202E"`,
    list: 'x = [1, "two", [None]]', map: 'x = {"1": {"x": False}, "": 1, "a b": []}', 'empty list': 'x = []', 'empty map': 'x = {}',
  }],
  [rTranslator, {
    'whole float (-p x 1.0)': 'x <- 1',
    null: 'x <- NULL', true: 'x <- TRUE', int: 'x <- 42', 'negative int': 'x <- -7', 'int beyond int32': 'x <- 3000000000',
    'int beyond 2^63': ERROR, float: 'x <- 0.25', 'inexact float': 'x <- 0.1',
    'integral float beyond 2^53': 'x <- 0x1.b1ae4d6e2ef5p+69  # 1e+21', '-0': 'x <- -0', NaN: 'x <- NaN', Infinity: 'x <- Inf',
    '-Infinity': 'x <- -Inf', 'tricky string': String.raw`x <- "a'b\"c\\d$e` + '`' + String.raw`f\n\u{0001}g\U{0001F600}\u{202E}"`,
    list: 'x <- list(1, "two", list(NULL))',
    map: 'x <- structure(list(structure(list(FALSE), names = c("x")), 1, list()), names = c("1", "", "a b"))',
    'empty list': 'x <- list()', 'empty map': 'x <- structure(list(), names = character(0))',
  }],
  [juliaTranslator, {
    'whole float (-p x 1.0)': 'x = 1.0',
    null: 'x = nothing', true: 'x = true', int: 'x = 42', 'negative int': 'x = -7', 'int beyond int32': 'x = 3000000000',
    'int beyond 2^63': 'x = 1180591620717411303424', float: 'x = 0.25', 'inexact float': 'x = 0.1',
    'integral float beyond 2^53': 'x = 1e+21', '-0': 'x = -0.0', NaN: 'x = NaN', Infinity: 'x = Inf', '-Infinity': 'x = -Inf',
    'tricky string': String.raw`x = "a'b\"c\\d\$e` + '`' + String.raw`f\n\x01g😀\u202E"`,
    list: 'x = Any[1, "two", Any[nothing]]', map: 'x = Dict{String,Any}("1" => Dict{String,Any}("x" => false), "" => 1, "a b" => Any[])',
    'empty list': 'x = Any[]', 'empty map': 'x = Dict{String,Any}()',
  }],
  [scalaTranslator, {
    'whole float (-p x 1.0)': 'val x = 1.0',
    null: 'val x = None', true: 'val x = true', int: 'val x = 42', 'negative int': 'val x = -7', 'int beyond int32': 'val x = 3000000000L',
    'int beyond 2^63': 'val x = BigInt("1180591620717411303424")', float: 'val x = 0.25', 'inexact float': 'val x = 0.1',
    'integral float beyond 2^53': 'val x = 1e+21', '-0': 'val x = -0.0', NaN: 'val x = Double.NaN', Infinity: 'val x = Double.PositiveInfinity',
    '-Infinity': 'val x = Double.NegativeInfinity', 'tricky string': String.raw`val x = "a'b\"c\\d$e` + '`' + String.raw`f\n\u0001g😀\u202E"`,
    list: 'val x = Seq(1, "two", Seq(None))', map: 'val x = Map("1" -> Map("x" -> false), "" -> 1, "a b" -> Seq.empty[Any])',
    'empty list': 'val x = Seq.empty[Any]', 'empty map': 'val x = Map.empty[String, Any]',
  }],
  [octaveTranslator, {
    'whole float (-p x 1.0)': 'x = 1.0;',
    null: 'x = [];', true: 'x = true;', int: 'x = 42;', 'negative int': 'x = -7;', 'int beyond int32': 'x = 3000000000;',
    'int beyond 2^63': ERROR, float: 'x = 0.25;', 'inexact float': 'x = 0.1;', 'integral float beyond 2^53': 'x = 1e+21;',
    '-0': 'x = -0;', NaN: 'x = NaN;', Infinity: 'x = Inf;', '-Infinity': 'x = -Inf;',
    'tricky string': "x = ['a''b\"c\\d$e`f' char(10) char(1) 'g😀' char([226 128 174])];", list: "x = {1, 'two', {[]}};", map: ERROR,
    'empty list': 'x = {};', 'empty map': 'x = struct();',
  }],
  [bashTranslator, {
    'whole float (-p x 1.0)': 'x=1.0',
    null: "x=''", true: 'x=true', int: 'x=42', 'negative int': 'x=-7', 'int beyond int32': 'x=3000000000',
    'int beyond 2^63': 'x=1180591620717411303424', float: 'x=0.25', 'inexact float': 'x=0.1', 'integral float beyond 2^53': 'x=1e+21',
    '-0': 'x=-0.0', NaN: 'x=nan', Infinity: 'x=inf', '-Infinity': 'x=-inf',
    'tricky string': "x=$'a\\'b\"c\\\\d$e`f\\n\\x01g😀\\xe2\\x80\\xae'", list: `x='[1, "two", [null]]'`,
    map: `x='{"1": {"x": false}, "": 1, "a b": []}'`, 'empty list': 'unset -v x; declare -a x=()', 'empty map': 'unset -v x; declare -A x=()',
  }],
  [powershellTranslator, {
    'whole float (-p x 1.0)': '$x = 1.0',
    null: '$x = $null', true: '$x = $true', int: '$x = 42', 'negative int': '$x = -7', 'int beyond int32': '$x = 3000000000L',
    'int beyond 2^63': "$x = [bigint]::Parse('1180591620717411303424')", float: '$x = 0.25', 'inexact float': '$x = 0.1',
    'integral float beyond 2^53': '$x = 1e+21', '-0': '$x = -0.0', NaN: '$x = [double]::NaN', Infinity: '$x = [double]::PositiveInfinity',
    '-Infinity': '$x = [double]::NegativeInfinity',
    'tricky string': "$x = ('a''b\"c\\d$e`f' + [char]0x000A + [char]0x0001 + 'g😀' + [char]0x202E)",
    list: "$x = @(1, 'two', @(,$null))", map: "$x = [ordered]@{'1' = [ordered]@{'x' = $false}; '' = 1; 'a b' = @()}",
    'empty list': '$x = @()', 'empty map': '$x = [ordered]@{}',
  }],
  [csharpTranslator, {
    'whole float (-p x 1.0)': 'var x = 1.0;',
    null: 'object x = null;', true: 'var x = true;', int: 'var x = 42;', 'negative int': 'var x = -7;', 'int beyond int32': 'var x = 3000000000L;',
    'int beyond 2^63': 'var x = System.Numerics.BigInteger.Parse("1180591620717411303424");', float: 'var x = 0.25;',
    'inexact float': 'var x = 0.1;', 'integral float beyond 2^53': 'var x = 1e+21;', '-0': 'var x = -0.0;', NaN: 'var x = double.NaN;',
    Infinity: 'var x = double.PositiveInfinity;', '-Infinity': 'var x = double.NegativeInfinity;',
    'tricky string': String.raw`var x = "a'b\"c\\d$e` + '`' + String.raw`f\n\u0001g😀\u202E";`,
    list: 'var x = new List<object> { 1, "two", new List<object> { null } };',
    map: 'var x = new Dictionary<string, object> { ["1"] = new Dictionary<string, object> { ["x"] = false }, [""] = 1, ["a b"] = new List<object>() };',
    'empty list': 'var x = new List<object>();', 'empty map': 'var x = new Dictionary<string, object>();',
  }],
  [fsharpTranslator, {
    'whole float (-p x 1.0)': 'let x = 1.0',
    null: 'let x = (null: obj)', true: 'let x = true', int: 'let x = 42', 'negative int': 'let x = (-7)', 'int beyond int32': 'let x = 3000000000L',
    'int beyond 2^63': 'let x = 1180591620717411303424I', float: 'let x = 0.25', 'inexact float': 'let x = 0.1',
    'integral float beyond 2^53': 'let x = 1e+21', '-0': 'let x = (-0.0)', NaN: 'let x = nan', Infinity: 'let x = infinity',
    '-Infinity': 'let x = (-infinity)', 'tricky string': String.raw`let x = "a'b\"c\\d$e` + '`' + String.raw`f\n\u0001g😀\u202E"`,
    list: 'let x = [ box 1; box "two"; box [ null ] ]',
    map: 'let x = dict [ ("1", box (dict [ ("x", box false) ])); ("", box 1); ("a b", box ([]: obj list)) ]',
    'empty list': 'let x = ([]: obj list)', 'empty map': 'let x = dict ([]: (string * obj) list)',
  }],
  [javascriptTranslator, {
    'whole float (-p x 1.0)': 'var x = 1;',
    null: 'var x = null;', true: 'var x = true;', int: 'var x = 42;', 'negative int': 'var x = -7;', 'int beyond int32': 'var x = 3000000000;',
    'int beyond 2^63': 'var x = BigInt("1180591620717411303424");', float: 'var x = 0.25;', 'inexact float': 'var x = 0.1;',
    'integral float beyond 2^53': 'var x = 1e+21;', '-0': 'var x = -0;', NaN: 'var x = NaN;', Infinity: 'var x = Infinity;',
    '-Infinity': 'var x = -Infinity;', 'tricky string': String.raw`var x = "a'b\"c\\d$e` + '`' + String.raw`f\n\u0001g😀\u202E";`,
    list: 'var x = [1, "two", [null]];', map: 'var x = {"1": {"x": false}, "": 1, "a b": []};', 'empty list': 'var x = [];', 'empty map': 'var x = {};',
  }],
];

describe('translator output', () => {
  for (const [translator, expected] of EXPECTED) {
    describe(translator.language, () => {
      it.each(Object.entries(VALUES))('%s', (label, value) => {
        const want = expected[label]!;
        if (want === ERROR) expect(() => translator.assign('x', value)).toThrow(ParameterError);
        else expect(translator.assign('x', value)).toBe(want);
      });
    });
  }

  it('MATLAB writes what Octave writes, with % comments (Octave uses #: its kernel reads a leading % as a magic)', () => {
    for (const value of Object.values(VALUES).filter((v) => v !== VALUES['tricky string'])) {
      let octave: string | Error;
      try {
        octave = octaveTranslator.assign('x', value);
      } catch (e) {
        octave = e as Error;
      }
      if (octave instanceof Error) expect(() => matlabTranslator.assign('x', value)).toThrow(ParameterError);
      else expect(matlabTranslator.assign('x', value)).toBe(octave);
    }
    expect(matlabTranslator.comment('Parameters')).toBe('% Parameters');
    // An Octave char is a byte (UTF-8), a MATLAB char a UTF-16 code unit.
    expect(octaveTranslator.assign('x', '\u2028\u{e0001}')).toBe('x = [char([226 128 168]) char([243 160 128 129])];');
    expect(matlabTranslator.assign('x', '\u2028\u{e0001}')).toBe('x = [char(8232) char([56128 56321])];');
    expect(octaveTranslator.comment('Parameters')).toBe('# Parameters');
  });

  it('TypeScript writes what JavaScript writes, declared with let (Deno and tslab re-declare it per cell)', () => {
    for (const value of Object.values(VALUES)) {
      expect(typescriptTranslator.assign('x', value)).toBe(javascriptTranslator.assign('x', value).replace(/^var /, 'let '));
    }
  });

  it.each([
    ['R', rTranslator, { s: 'a\0b' }, /R cannot hold it exactly/],
    ['Bash', bashTranslator, { s: 'a\0b' }, /Bash cannot hold it exactly/],
    ['R (nested, path named)', rTranslator, { cfg: { list: [1, 'x\0'] } }, /parameter cfg\.list\[1\]: string holds a NUL/],
    ['R big integer', rTranslator, { n: 2n ** 53n + 1n }, /integer 9007199254740993 is beyond 2\^53/],
    ['Octave beyond uint64', octaveTranslator, { n: 2n ** 64n }, /outside the int64\/uint64 range/],
    ['Octave empty key', octaveTranslator, { m: { '': 1, 'a b': 2 } }, /empty key/],
  ] as const)('refuses what a language cannot hold: %s', (_label, translator, params, message) => {
    expect(() => renderParameters(translator, params)).toThrow(message);
  });

  it('refuses lists and maps nested deeper than Python reads (100 levels), and than R reads (50 parentheses)', () => {
    const nest = (depth: number, wrap: (x: ParameterValue) => ParameterValue): ParameterValue => {
      let v: ParameterValue = 1;
      for (let i = 0; i < depth; i++) v = wrap(v);
      return v;
    };
    const list = (d: number) => nest(d, (x) => [x]);
    const map = (d: number) => nest(d, (x) => ({ a: x }));
    expect(MAX_PARAMETER_DEPTH).toBe(100);
    expect(pythonTranslator.assign('x', list(100))).toBe(`x = ${'['.repeat(100)}1${']'.repeat(100)}`);
    for (const t of builtinTranslators) {
      expect(() => renderParameters(t, { x: list(101) })).toThrow(/parameter x: lists and maps nested more than 100 levels deep \(Python's parser stops at 200\)/);
    }
    expect(rTranslator.assign('x', list(50))).toBe(`x <- ${'list('.repeat(50)}1${')'.repeat(50)}`);
    expect(() => rTranslator.assign('x', list(51))).toThrow(/parameter x(\[0\])+: lists and maps nest deeper than R's parser reads \(50 nested parentheses/);
    expect(() => rTranslator.assign('x', map(25))).not.toThrow();
    expect(() => rTranslator.assign('x', map(26))).toThrow(ParameterError);
    expect(() => rTranslator.assign('x', nest(25, (x) => ({ a: x, e: {} })))).toThrow(ParameterError);
  });

  it('accepts NUL where the language holds it', () => {
    expect(pythonTranslator.assign('s', 'a\0b')).toBe('s = "a\\x00b"');
    expect(juliaTranslator.assign('s', 'a\0' + '1')).toBe('s = "a\\x001"');
    expect(fsharpTranslator.assign('s', 'a\0' + '1')).toBe('let s = "a\\u00001"');
    expect(octaveTranslator.assign('s', 'a\0b')).toBe("s = ['a' char(0) 'b'];");
  });

  it.each(builtinTranslators.map((t) => [t.language, t] as const))('%s refuses a lone surrogate and a bad name, naming them', (_l, t) => {
    expect(() => renderParameters(t, { s: 'ok\ud800' })).toThrow(/parameter s: string holds a lone surrogate U\+D800 at index 2/);
    expect(() => renderParameters(t, { 'not a name': 1 })).toThrow(/parameter name "not a name" is not a valid/);
    expect(() => renderParameters(t, { f: (() => 1) as never })).toThrow(/a function is not a parameter value/);
    expect(() => renderParameters(t, { d: new Date(0) as never })).toThrow(/a Date is not a parameter value/);
  });

  it.each([
    [pythonTranslator, 'class'], [rTranslator, 'function'], [juliaTranslator, 'end'], [scalaTranslator, 'type'],
    [octaveTranslator, 'end'], [csharpTranslator, 'class'], [fsharpTranslator, 'let'], [javascriptTranslator, 'delete'],
  ] as const)('%s refuses the reserved word %s', (t, word) => {
    expect(() => t.assign(word, 1)).toThrow(new RegExp(`reserved word in ${t.language.replace('+', '\\+')}`));
  });

  it('refuses a value that refers to itself', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => renderParameters(pythonTranslator, { loop })).toThrow(/parameter loop\.self: the value refers to itself/);
  });

  it('renders a Parameters comment and one assignment per parameter, in the order given', () => {
    expect(renderParameters(pythonTranslator, { b: 1, a: 'x' })).toBe('# Parameters\nb = 1\na = "x"\n');
    expect(renderParameters(rTranslator, { b: 1, a: 'x' })).toBe('# Parameters\nb <- 1\na <- "x"\n');
  });
});
