/**
 * Python: `name = literal` with Python's own literal syntax. Floats are written as
 * `repr()` writes them (`0.1`, `1e-05`, `100.0`), non-finite ones as `float('nan')`,
 * `float('inf')`, `float('-inf')`; ints as digits, or beyond 4300 digits (Python ≥ 3.11
 * refuses longer decimal literals: `sys.get_int_max_str_digits()`) as an exact hex literal,
 * which no Python limits; strings double-quoted with escapes for quotes,
 * backslashes and every invisible character, so nothing is ever interpreted.
 */
import { formatPythonFloat } from '../../notebook/python-numbers.js';
import { checkIdentifier, type Translator } from '../translator.js';
import { classifyValue, codePoints, hex, isInvisible, type ParameterValue } from '../values.js';

const RESERVED = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);
/** Python 3.11's default `sys.get_int_max_str_digits()`: longer decimal int literals are a SyntaxError. */
const MAX_DECIMAL_DIGITS = 4300;
const IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

/**
 * A Python string literal for `s`.
 * @example pythonString('say "hi"\n') // '"say \\"hi\\"\\n"'
 */
export function pythonString(s: string): string {
  let out = '"';
  for (const cp of codePoints(s)) {
    if (cp === 0x5c) out += '\\\\';
    else if (cp === 0x22) out += '\\"';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (isInvisible(cp)) out += cp <= 0xff ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    else out += String.fromCodePoint(cp);
  }
  return out + '"';
}

function literal(value: ParameterValue): string {
  const v = classifyValue(value);
  switch (v.kind) {
    case 'null':
      return 'None';
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'int': {
      const digits = v.value.toString();
      if (digits.length - (v.value < 0n ? 1 : 0) <= MAX_DECIMAL_DIGITS) return digits;
      return v.value < 0n ? `-0x${(-v.value).toString(16)}` : `0x${v.value.toString(16)}`;
    }
    case 'float':
      if (Number.isNaN(v.value)) return "float('nan')";
      if (v.value === Infinity) return "float('inf')";
      if (v.value === -Infinity) return "float('-inf')";
      return formatPythonFloat(v.value);
    case 'string':
      return pythonString(v.value);
    case 'list':
      return `[${v.items.map(literal).join(', ')}]`;
    case 'map':
      return `{${v.entries.map(([k, x]) => `${pythonString(k)}: ${literal(x)}`).join(', ')}}`;
  }
}

/** Python (ipykernel, and any kernel whose language is Python). */
export const pythonTranslator: Translator = {
  language: 'Python',
  languages: ['python', 'python3', 'python2', 'ipython', 'ipython3', 'pypy', 'pypy3'],
  kernelNames: ['python3', 'python', 'python2'],
  assign(name, value) {
    checkIdentifier('Python', name, IDENTIFIER, RESERVED);
    return `${name} = ${literal(value)}`;
  },
  comment: (text) => `# ${text}`,
};
