/**
 * Scala (Almond, spylon): `val name = literal`. null → `None` (as papermill); integers →
 * `42` (Int), `42L` (Long) or `BigInt("…")`; floats → `Double.NaN`,
 * `Double.PositiveInfinity`, `Double.NegativeInfinity`, `-0.0` or a decimal; strings →
 * plain `"…"` (never `s"…"`: no interpolation) with short escapes for quote, backslash and
 * line breaks and `\uXXXX` for other invisible characters; lists → `Seq(…)`; maps →
 * `Map("k" -> v, …)`; empty ones `Seq.empty[Any]`, `Map.empty[String, Any]`.
 */
import { checkIdentifier, type Translator } from '../translator.js';
import { classifyValue, formatFloatLiteral, hex, isInvisible, type ParameterValue } from '../values.js';

const RESERVED = new Set([
  'abstract', 'case', 'catch', 'class', 'def', 'do', 'else', 'extends', 'false', 'final', 'finally', 'for', 'forSome',
  'if', 'implicit', 'import', 'lazy', 'match', 'new', 'null', 'object', 'override', 'package', 'private', 'protected',
  'return', 'sealed', 'super', 'this', 'throw', 'trait', 'try', 'true', 'type', 'val', 'var', 'while', 'with', 'yield',
  'given', 'enum', 'export', 'then',
]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INT32 = 2n ** 31n;
const INT64 = 2n ** 63n;

/**
 * A Scala string literal for `s` (UTF-16 escapes, valid in Scala 2 and 3).
 * @example scalaString('a"b') // '"a\\"b"'
 */
export function scalaString(s: string): string {
  let out = '"';
  // Per UTF-16 unit: the JVM string is UTF-16, and a pair of \u escapes makes one code point.
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x5c) out += '\\\\';
    else if (cp === 0x22) out += '\\"';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (cp === 0x08) out += '\\b';
    else if (cp === 0x0c) out += '\\f';
    else if (isInvisible(cp)) for (let i = 0; i < ch.length; i++) out += `\\u${hex(ch.charCodeAt(i), 4)}`;
    else out += ch;
  }
  return out + '"';
}

function literal(value: ParameterValue): string {
  const v = classifyValue(value);
  switch (v.kind) {
    case 'null':
      return 'None';
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
      if (v.value >= -INT32 && v.value < INT32) return v.value.toString();
      if (v.value >= -INT64 && v.value < INT64) return `${v.value}L`;
      return `BigInt("${v.value}")`;
    case 'float':
      if (Number.isNaN(v.value)) return 'Double.NaN';
      if (v.value === Infinity) return 'Double.PositiveInfinity';
      if (v.value === -Infinity) return 'Double.NegativeInfinity';
      return formatFloatLiteral(v.value);
    case 'string':
      return scalaString(v.value);
    case 'list':
      return v.items.length ? `Seq(${v.items.map(literal).join(', ')})` : 'Seq.empty[Any]';
    case 'map':
      return v.entries.length
        ? `Map(${v.entries.map(([k, x]) => `${scalaString(k)} -> ${literal(x)}`).join(', ')})`
        : 'Map.empty[String, Any]';
  }
}

/** Scala (Almond, spylon-kernel). */
export const scalaTranslator: Translator = {
  language: 'Scala',
  languages: ['scala', 'scala211', 'scala212', 'scala213', 'scala3'],
  kernelNames: ['scala', 'almond', 'spylon-kernel'],
  assign(name, value) {
    checkIdentifier('Scala', name, IDENTIFIER, RESERVED);
    return `val ${name} = ${literal(value)}`;
  },
  comment: (text) => `// ${text}`,
};
