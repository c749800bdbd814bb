/**
 * C# (.NET Interactive): `var name = literal;` (`object name = null;` for null, which
 * `var` cannot type). Integers → `42`, `42L`, `42UL` or
 * `System.Numerics.BigInteger.Parse("…")`; floats → `double.NaN`,
 * `double.PositiveInfinity`, `double.NegativeInfinity`, `-0.0` or a decimal; strings →
 * regular `"…"` literals (never `$"…"` or `@"…"`) with `\uXXXX`/`\UXXXXXXXX` escapes for
 * invisible characters; lists → `new List<object> { … }`; maps →
 * `new Dictionary<string, object> { ["k"] = v }` (as papermill, these need
 * System.Collections.Generic, which .NET Interactive imports).
 */
import { checkIdentifier, type Translator } from '../translator.js';
import { classifyValue, codePoints, formatFloatLiteral, hex, isInvisible, type ParameterValue } from '../values.js';

const RESERVED = new Set(
  ('abstract as base bool break byte case catch char checked class const continue decimal default delegate do double ' +
    'else enum event explicit extern false finally fixed float for foreach goto if implicit in int interface internal is ' +
    'lock long namespace new null object operator out override params private protected public readonly ref return ' +
    'sbyte sealed short sizeof stackalloc static string struct switch this throw true try typeof uint ulong unchecked ' +
    'unsafe ushort using virtual void volatile while').split(' '),
);
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const INT32 = 2n ** 31n;
const INT64 = 2n ** 63n;
const UINT64 = 2n ** 64n;

/**
 * A C# string literal for `s`.
 * @example csharpString('a\\b') // '"a\\\\b"'
 */
export function csharpString(s: string): string {
  let out = '"';
  for (const cp of codePoints(s)) {
    if (cp === 0x5c) out += '\\\\';
    else if (cp === 0x22) out += '\\"';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    // Never \x: it takes 1-4 hex digits and would swallow a following digit.
    else if (isInvisible(cp)) out += cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    else out += String.fromCodePoint(cp);
  }
  return out + '"';
}

function literal(value: ParameterValue): string {
  const v = classifyValue(value);
  switch (v.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
      if (v.value >= -INT32 && v.value < INT32) return v.value.toString();
      if (v.value >= -INT64 && v.value < INT64) return `${v.value}L`;
      if (v.value >= 0n && v.value < UINT64) return `${v.value}UL`;
      return `System.Numerics.BigInteger.Parse("${v.value}")`;
    case 'float':
      if (Number.isNaN(v.value)) return 'double.NaN';
      if (v.value === Infinity) return 'double.PositiveInfinity';
      if (v.value === -Infinity) return 'double.NegativeInfinity';
      return formatFloatLiteral(v.value);
    case 'string':
      return csharpString(v.value);
    case 'list':
      return v.items.length ? `new List<object> { ${v.items.map(literal).join(', ')} }` : 'new List<object>()';
    case 'map':
      return v.entries.length
        ? `new Dictionary<string, object> { ${v.entries.map(([k, x]) => `[${csharpString(k)}] = ${literal(x)}`).join(', ')} }`
        : 'new Dictionary<string, object>()';
  }
}

/** C# (.NET Interactive). */
export const csharpTranslator: Translator = {
  language: 'C#',
  languages: ['c#', 'csharp', '.net-csharp', 'cs'],
  kernelNames: ['.net-csharp', 'csharp', 'icsharp'],
  assign(name, value) {
    checkIdentifier('C#', name, IDENTIFIER, RESERVED);
    return value === null ? `object ${name} = null;` : `var ${name} = ${literal(value)};`;
  },
  comment: (text) => `// ${text}`,
};
