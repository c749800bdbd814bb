/**
 * F# (.NET Interactive): `let name = literal`. Scalars keep their own type (`42`, `42L`,
 * `42UL`, `123I` for BigInteger, `0.25`, `nan`, `infinity`, `-infinity`, `-0.0`,
 * `"…"`, `true`); null → `(null: obj)`; lists → `[ box a; box b ]` (an `obj list`, since an
 * F# list has one element type); maps → `dict [ ("k", box v) ]` (an `IDictionary<string,
 * obj>`). Strings use `\uXXXX`/`\UXXXXXXXX` for invisible characters (never `\0`, which a
 * following digit would turn into a trigraph).
 */
import { checkIdentifier, type Translator } from '../translator.js';
import { classifyValue, codePoints, formatFloatLiteral, hex, isInvisible, type ParameterValue } from '../values.js';

const RESERVED = new Set(
  ('abstract and as assert base begin class default delegate do done downcast downto elif else end exception extern ' +
    'false finally fixed for fun function global if in inherit inline interface internal lazy let match member module ' +
    'mutable namespace new not null of open or override private public rec return select sig static struct then to ' +
    'true try type upcast use val void when while with yield const').split(' '),
);
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_']*$/u;
const INT32 = 2n ** 31n;
const INT64 = 2n ** 63n;
const UINT64 = 2n ** 64n;

/**
 * An F# string literal for `s`.
 * @example fsharpString('tab\there') // '"tab\\there"'
 */
export function fsharpString(s: string): string {
  let out = '"';
  for (const cp of codePoints(s)) {
    if (cp === 0x5c) out += '\\\\';
    else if (cp === 0x22) out += '\\"';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (isInvisible(cp)) out += cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    else out += String.fromCodePoint(cp);
  }
  return out + '"';
}

function scalar(value: ParameterValue): string {
  const v = classifyValue(value);
  switch (v.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int': {
      let text: string;
      if (v.value >= -INT32 && v.value < INT32) text = v.value.toString();
      else if (v.value >= -INT64 && v.value < INT64) text = `${v.value}L`;
      else if (v.value >= 0n && v.value < UINT64) text = `${v.value}UL`;
      else text = `${v.value}I`;
      return v.value < 0n ? `(${text})` : text;
    }
    case 'float':
      if (Number.isNaN(v.value)) return 'nan';
      if (v.value === Infinity) return 'infinity';
      if (v.value === -Infinity) return '(-infinity)';
      return v.value < 0 || Object.is(v.value, -0) ? `(${formatFloatLiteral(v.value)})` : formatFloatLiteral(v.value);
    case 'string':
      return fsharpString(v.value);
    case 'list':
      return v.items.length ? `[ ${v.items.map(boxed).join('; ')} ]` : '([]: obj list)';
    case 'map':
      return v.entries.length
        ? `dict [ ${v.entries.map(([k, x]) => `(${fsharpString(k)}, ${boxed(x)})`).join('; ')} ]`
        : 'dict ([]: (string * obj) list)';
  }
}

function boxed(value: ParameterValue): string {
  if (value === null) return 'null';
  const text = scalar(value);
  // `box dict [...]` would apply `box` to `dict`: parenthesize the map.
  return text.startsWith('dict ') ? `box (${text})` : `box ${text}`;
}

/** F# (.NET Interactive). */
export const fsharpTranslator: Translator = {
  language: 'F#',
  languages: ['f#', 'fsharp', '.net-fsharp', 'fs'],
  kernelNames: ['.net-fsharp', 'fsharp', 'ifsharp'],
  assign(name, value) {
    checkIdentifier('F#', name, IDENTIFIER, RESERVED);
    return `let ${name} = ${value === null ? '(null: obj)' : scalar(value)}`;
  },
  comment: (text) => `// ${text}`,
};
