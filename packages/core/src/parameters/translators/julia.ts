/**
 * Julia (IJulia): `name = literal`. null → `nothing`; integers as digits (Julia reads
 * literals beyond Int64 as Int128 or BigInt, exactly); floats → `NaN`, `Inf`, `-Inf`,
 * `-0.0` or a correctly rounded decimal; strings double-quoted with `$` escaped (no
 * interpolation) and invisible characters as `\x`/`\u`/`\U` escapes; lists →
 * `Any[…]`; maps → `Dict{String,Any}("k" => v, …)`.
 */
import { checkIdentifier, type Translator } from '../translator.js';
import { classifyValue, codePoints, formatFloatLiteral, hex, isInvisible, type ParameterValue } from '../values.js';

const RESERVED = new Set([
  'baremodule', 'begin', 'break', 'catch', 'const', 'continue', 'do', 'else', 'elseif', 'end', 'export', 'false',
  'finally', 'for', 'function', 'global', 'if', 'import', 'let', 'local', 'macro', 'module', 'quote', 'return',
  'struct', 'true', 'try', 'using', 'while', 'abstract', 'mutable', 'primitive', 'type', 'where', 'in', 'isa',
]);
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_!]*$/u;

/**
 * A Julia string literal for `s`.
 * @example juliaString('cost: $5') // '"cost: \\$5"'
 */
export function juliaString(s: string): string {
  let out = '"';
  for (const cp of codePoints(s)) {
    if (cp === 0x5c) out += '\\\\';
    else if (cp === 0x22) out += '\\"';
    else if (cp === 0x24) out += '\\$';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    // \x is a raw byte in Julia: only for ASCII; \u takes at most 4 digits, \U at most 8.
    else if (isInvisible(cp)) out += cp < 0x80 ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    else out += String.fromCodePoint(cp);
  }
  return out + '"';
}

function literal(value: ParameterValue): string {
  const v = classifyValue(value);
  switch (v.kind) {
    case 'null':
      return 'nothing';
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
      return v.value.toString();
    case 'float':
      if (Number.isNaN(v.value)) return 'NaN';
      if (v.value === Infinity) return 'Inf';
      if (v.value === -Infinity) return '-Inf';
      return formatFloatLiteral(v.value);
    case 'string':
      return juliaString(v.value);
    case 'list':
      return `Any[${v.items.map(literal).join(', ')}]`;
    case 'map':
      return `Dict{String,Any}(${v.entries.map(([k, x]) => `${juliaString(k)} => ${literal(x)}`).join(', ')})`;
  }
}

/** Julia (IJulia). */
export const juliaTranslator: Translator = {
  language: 'Julia',
  languages: ['julia'],
  assign(name, value) {
    checkIdentifier('Julia', name, IDENTIFIER, RESERVED);
    return `${name} = ${literal(value)}`;
  },
  comment: (text) => `# ${text}`,
};
