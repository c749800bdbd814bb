/**
 * Bash (bash_kernel). Bash variables hold only text, so:
 * - strings → themselves, quoted `'…'` when plain, else ANSI-C `$'…'` with escapes
 *   (`\n`, `\x01`, `\'`, `\\`, `!` as `\x21`, invisible characters such as U+2028 as
 *   their UTF-8 bytes `\xe2\x80\xa8`); NUL is refused (bash cannot hold it).
 * - null → empty string; booleans → `true`/`false`; integers → digits; floats → their
 *   shortest decimal (`0.25`, `1e+21`, `100.0`, `-0.0`) or `nan`, `inf`, `-inf`.
 * - a list of scalars → an indexed array `declare -a name=(…)`; a map of scalars → an
 *   associative array `declare -A name=([key]=value …)` (bash ≥ 4).
 * - anything nested (a list or map inside a list or map), or a map with an empty key
 *   (bash refuses empty subscripts) → the JSON text of the whole value, as a string
 *   (`NaN`/`Infinity` as in Python's json, integers exact).
 * Arrays are `unset` first, so a re-run or a differently-shaped default cannot leave
 * stale elements.
 */
import { checkIdentifier, unrepresentable, type Translator } from '../translator.js';
import { stringifyParameterValue } from '../json.js';
import { classifyValue, formatFloatLiteral, isInvisible, type ClassifiedValue } from '../values.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN = /^[\x20-\x7e]*$/;
const BARE = /^[A-Za-z0-9_.+/:@%,-]+$/;

/**
 * A bash word that expands to exactly `s` (no expansion of any kind happens inside).
 * @example bashString("it's $HOME") // "$'it\\'s $HOME'"
 */
export function bashString(s: string, where = 'string'): string {
  if (s.includes('\0')) throw unrepresentable('Bash', where, 'string holds a NUL character');
  // A bare word when nothing in it is special to bash (no ~, =, quotes, spaces, globs).
  if (BARE.test(s)) return s;
  if (PLAIN.test(s) && !s.includes("'")) return `'${s}'`;
  let out = "$'";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // History expansion (interactive shells) could still see a bare '!'.
    else if (ch === '!') out += '\\x21';
    // Invisible characters as their UTF-8 bytes (locale-independent, unlike \u); bash_kernel
    // would otherwise split a line at U+2028.
    else if (c < 0x20 || c === 0x7f || isInvisible(c)) for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + "'";
}

/** The text a scalar becomes in bash. */
export function bashScalarText(v: ClassifiedValue): string {
  switch (v.kind) {
    case 'null':
      return '';
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
      return v.value.toString();
    case 'float':
      if (Number.isNaN(v.value)) return 'nan';
      if (v.value === Infinity) return 'inf';
      if (v.value === -Infinity) return '-inf';
      return formatFloatLiteral(v.value);
    case 'string':
      return v.value;
    default:
      throw new Error('not a scalar');
  }
}

const isScalar = (v: ClassifiedValue) => v.kind !== 'list' && v.kind !== 'map';

/** Bash (bash_kernel). */
export const bashTranslator: Translator = {
  language: 'Bash',
  languages: ['bash', 'sh', 'shell'],
  kernelNames: ['bash'],
  assign(name, value) {
    checkIdentifier('Bash', name, IDENTIFIER);
    const v = classifyValue(value);
    if (isScalar(v)) return `${name}=${bashString(bashScalarText(v), name)}`;
    if (v.kind === 'list') {
      const items = v.items.map(classifyValue);
      if (items.every(isScalar)) {
        const words = items.map((x, i) => bashString(bashScalarText(x), `${name}[${i}]`));
        return `unset -v ${name}; declare -a ${name}=(${words.join(' ')})`;
      }
    }
    if (v.kind === 'map') {
      const entries = v.entries.map(([k, x]) => [k, classifyValue(x)] as const);
      if (entries.every(([k, x]) => k !== '' && isScalar(x))) {
        const words = entries.map(([k, x]) => `[${bashString(k, `${name} (key)`)}]=${bashString(bashScalarText(x), `${name}[${JSON.stringify(k)}]`)}`);
        return `unset -v ${name}; declare -A ${name}=(${words.join(' ')})`;
      }
    }
    return `${name}=${bashString(stringifyParameterValue(value), name)}`;
  },
  comment: (text) => `# ${text}`,
};
