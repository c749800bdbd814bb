/**
 * MATLAB and Octave: `name = literal;` in syntax both read the same way.
 * - null → `[]`; booleans → `true`/`false`.
 * - integers up to 2^53 → doubles (MATLAB's numbers); beyond, within int64/uint64 →
 *   `int64(…)`/`uint64(…)` built from two exact 32-bit halves (a decimal literal would
 *   be rounded to a double first); beyond uint64 → refused with a ParameterError.
 * - floats → `NaN`, `Inf`, `-Inf`, `-0` or a correctly rounded decimal.
 * - strings → single-quoted char arrays (`'it''s'`: no escapes are interpreted), with
 *   control and invisible characters spliced in: `['a' char(10) 'b']` — in Octave as
 *   their UTF-8 bytes (`char([226 128 168])` for U+2028: an Octave char is a byte), in
 *   MATLAB as UTF-16 code units (`char(8232)`); other characters as they are (UTF-8 source).
 * - lists → cell arrays `{a, b}`; maps → `struct('k', {v}, …)` when every key is a valid
 *   field name, else `containers.Map({'k', …}, {v, …}, 'UniformValues', false)` (which
 *   cannot hold an empty key: refused).
 * Octave's comments start with `#`, since the Octave kernel (metakernel) reads a line
 * starting with `%` as a magic; MATLAB's with `%`.
 */
import { checkIdentifier, unrepresentable, type Translator } from '../translator.js';
import { classifyValue, codePoints, describePath, formatFloatLiteral, isInvisible, type ParameterValue } from '../values.js';

const RESERVED = new Set([
  'break', 'case', 'catch', 'classdef', 'continue', 'else', 'elseif', 'end', 'for', 'function', 'global', 'if',
  'otherwise', 'parfor', 'persistent', 'return', 'spmd', 'switch', 'try', 'while', 'do', 'until', 'unwind_protect',
  'unwind_protect_cleanup', 'end_try_catch', 'endif', 'endfor', 'endwhile', 'endfunction', 'endswitch', 'true', 'false',
]);
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const FLINT = 2n ** 53n;
const INT64 = 2n ** 63n;
const UINT64 = 2n ** 64n;
const TWO32 = 2n ** 32n;

/** How a character that cannot be written as it is becomes a `char(…)` expression. */
type Splice = (cp: number) => string;

/** Octave: a char is a byte, so a character is its UTF-8 bytes. */
const octaveSplice: Splice = (cp) => {
  const bytes = [...Buffer.from(String.fromCodePoint(cp), 'utf8')];
  return bytes.length === 1 ? `char(${bytes[0]})` : `char([${bytes.join(' ')}])`;
};

/** MATLAB: a char is a UTF-16 code unit. */
const matlabSplice: Splice = (cp) => {
  const units = [...String.fromCodePoint(cp)].flatMap((ch) => Array.from({ length: ch.length }, (_, i) => ch.charCodeAt(i)));
  return units.length === 1 ? `char(${units[0]})` : `char([${units.join(' ')}])`;
};

/**
 * A MATLAB/Octave char-array expression for `s`: control and invisible characters
 * (including U+2028, which the Octave kernel would take for a line break) spliced in.
 * @example matlabString("it's\n") // "['it''s' char(10)]"
 */
export function matlabString(s: string, splice: Splice = octaveSplice): string {
  const parts: string[] = [];
  let run = '';
  for (const cp of codePoints(s)) {
    if (cp < 0x20 || cp === 0x7f || isInvisible(cp)) {
      if (run) parts.push(`'${run}'`);
      run = '';
      parts.push(splice(cp));
    } else {
      run += cp === 0x27 ? "''" : String.fromCodePoint(cp);
    }
  }
  if (run || parts.length === 0) parts.push(`'${run}'`);
  return parts.length === 1 ? parts[0]! : `[${parts.join(' ')}]`;
}

function integer(value: bigint, where: () => string, language: string): string {
  const abs = value < 0n ? -value : value;
  if (abs <= FLINT) return value.toString();
  const type = value < INT64 ? 'int64' : 'uint64';
  if (value < -INT64 || value >= UINT64) {
    throw unrepresentable(language, where(), `integer ${value} is outside the int64/uint64 range`);
  }
  if (value === -INT64) return "intmin('int64')";
  const build = `${type}(${abs / TWO32}) * ${type}(4294967296) + ${type}(${abs % TWO32})`;
  return value < 0n ? `-(${build})` : `(${build})`;
}

function makeLiteral(language: string, splice: Splice) {
  const literal = (value: ParameterValue, name: string, path: Array<string | number>): string => {
    const v = classifyValue(value);
    const where = () => describePath(name, path);
    switch (v.kind) {
      case 'null':
        return '[]';
      case 'bool':
        return v.value ? 'true' : 'false';
      case 'int':
        return integer(v.value, where, language);
      case 'float':
        if (Number.isNaN(v.value)) return 'NaN';
        if (v.value === Infinity) return 'Inf';
        if (v.value === -Infinity) return '-Inf';
        if (Object.is(v.value, -0)) return '-0';
        return formatFloatLiteral(v.value);
      case 'string':
        return matlabString(v.value, splice);
      case 'list':
        return `{${v.items.map((x, i) => literal(x, name, [...path, i])).join(', ')}}`;
      case 'map': {
        if (v.entries.length === 0) return 'struct()';
        const values = v.entries.map(([k, x]) => literal(x, name, [...path, k]));
        if (v.entries.every(([k]) => IDENTIFIER.test(k))) {
          // Each value in a 1x1 cell: struct() would make a struct array of a cell value.
          return `struct(${v.entries.map(([k], i) => `'${k}', {${values[i]}}`).join(', ')})`;
        }
        if (v.entries.some(([k]) => k === '')) {
          throw unrepresentable(language, where(), "map has an empty key, which neither a struct nor a containers.Map can hold");
        }
        const keys = v.entries.map(([k]) => matlabString(k, splice)).join(', ');
        return `containers.Map({${keys}}, {${values.join(', ')}}, 'UniformValues', false)`;
      }
    }
  };
  return literal;
}

const octaveLiteral = makeLiteral('Octave', octaveSplice);
const matlabLiteral = makeLiteral('MATLAB', matlabSplice);

/** GNU Octave (octave_kernel). */
export const octaveTranslator: Translator = {
  language: 'Octave',
  languages: ['octave'],
  kernelNames: ['octave'],
  assign(name, value) {
    checkIdentifier('Octave', name, IDENTIFIER, RESERVED);
    return `${name} = ${octaveLiteral(value, name, [])};`;
  },
  comment: (text) => `# ${text}`,
};

/** MATLAB (MathWorks' jupyter-matlab-proxy, matlab_kernel). */
export const matlabTranslator: Translator = {
  language: 'MATLAB',
  languages: ['matlab'],
  kernelNames: ['matlab', 'jupyter_matlab_kernel', 'imatlab'],
  assign(name, value) {
    checkIdentifier('MATLAB', name, IDENTIFIER, RESERVED);
    return `${name} = ${matlabLiteral(value, name, [])};`;
  },
  comment: (text) => `% ${text}`,
};
