/**
 * JavaScript and TypeScript (IJavascript, Deno, tslab): `var name = literal;` in
 * JavaScript (a plain vm context cannot re-declare a `let`), `let name = literal;` in
 * TypeScript (Deno and tslab allow re-declaring it from cell to cell). null, booleans,
 * numbers (`NaN`, `Infinity`, `-Infinity`, `-0`) as in JS; integers beyond 2^53 →
 * `BigInt("…")` (exact, a bigint); strings → `"…"` with escapes for quotes, backslashes
 * and invisible characters (never a template literal); lists → `[…]`; maps → `{"k": v}`
 * (a `__proto__` key written as a computed key so it stays an own property).
 */
import { checkIdentifier, type Translator } from '../translator.js';
import { classifyValue, hex, isInvisible, type ParameterValue } from '../values.js';

const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await').split(' '),
);
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A JavaScript string literal for `s`.
 * @example javascriptString('a\u2028b') // '"a\\u2028b"'
 */
export function javascriptString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x5c) out += '\\\\';
    else if (cp === 0x22) out += '\\"';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (isInvisible(cp)) for (let i = 0; i < ch.length; i++) out += `\\u${hex(ch.charCodeAt(i), 4)}`;
    else out += ch;
  }
  return out + '"';
}

function literal(value: ParameterValue): string {
  const v = classifyValue(value);
  switch (v.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return String(v.value);
    case 'int':
      return v.value >= -MAX_SAFE && v.value <= MAX_SAFE ? v.value.toString() : `BigInt("${v.value}")`;
    case 'float':
      return Object.is(v.value, -0) ? '-0' : String(v.value);
    case 'string':
      return javascriptString(v.value);
    case 'list':
      return `[${v.items.map(literal).join(', ')}]`;
    case 'map':
      return `{${v.entries.map(([k, x]) => `${k === '__proto__' ? '["__proto__"]' : javascriptString(k)}: ${literal(x)}`).join(', ')}}`;
  }
}

function make(language: string, keyword: string, languages: string[], kernelNames: string[]): Translator {
  return {
    language,
    languages,
    kernelNames,
    assign(name, value) {
      checkIdentifier(language, name, IDENTIFIER, RESERVED);
      return `${keyword} ${name} = ${literal(value)};`;
    },
    comment: (text) => `// ${text}`,
  };
}

/** JavaScript (IJavascript, jslab, any kernel whose language is JavaScript). */
export const javascriptTranslator: Translator = make('JavaScript', 'var', ['javascript', 'js', 'node', 'nodejs'], ['javascript', 'ijavascript', 'jslab', 'nodejs']);

/** TypeScript (Deno, tslab). */
export const typescriptTranslator: Translator = make('TypeScript', 'let', ['typescript', 'ts', 'deno'], ['deno', 'tslab', 'typescript']);
