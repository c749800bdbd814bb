/**
 * PowerShell (.NET Interactive, PowerShell kernels): `$name = literal`.
 * null → `$null`; booleans → `$true`/`$false`; integers → `42` (Int32), `42L` (Int64) or
 * `[bigint]::Parse('…')`; floats → `[double]::NaN`, `[double]::PositiveInfinity`,
 * `[double]::NegativeInfinity`, `-0.0` or a decimal; strings → verbatim single-quoted
 * `'…'` (quote and the typographic quotes PowerShell also accepts are doubled: nothing is
 * expanded) with invisible characters spliced in as `[char]0x0A`; lists → `@(a, b)` (a
 * single item as `@(,a)` so a nested list is not flattened); maps → `[ordered]@{'k' = v}`.
 */
import { checkIdentifier, type Translator } from '../translator.js';
import { classifyValue, codePoints, formatFloatLiteral, hex, isInvisible, type ParameterValue } from '../values.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INT32 = 2n ** 31n;
const INT64 = 2n ** 63n;
const QUOTES = new Set([0x27, 0x2018, 0x2019, 0x201a, 0x201b]);

/**
 * A PowerShell expression for `s` that expands nothing.
 * @example powershellString("it's $x") // "'it''s $x'"
 */
export function powershellString(s: string): string {
  const parts: string[] = [];
  let run = '';
  let inRun = false;
  for (const cp of codePoints(s)) {
    if (isInvisible(cp)) {
      if (inRun) parts.push(`'${run}'`);
      run = '';
      inRun = false;
      parts.push(cp <= 0xffff ? `[char]0x${hex(cp, 4)}` : `[char]::ConvertFromUtf32(0x${hex(cp, 6)})`);
    } else {
      const ch = String.fromCodePoint(cp);
      run += QUOTES.has(cp) ? ch + ch : ch;
      inRun = true;
    }
  }
  if (inRun || parts.length === 0) parts.push(`'${run}'`);
  if (parts.length === 1) return parts[0]!.startsWith("'") ? parts[0]! : `([string]${parts[0]})`;
  // A leading '' makes every + a string concatenation.
  return `(${parts[0]!.startsWith("'") ? '' : "'' + "}${parts.join(' + ')})`;
}

function literal(value: ParameterValue): string {
  const v = classifyValue(value);
  switch (v.kind) {
    case 'null':
      return '$null';
    case 'bool':
      return v.value ? '$true' : '$false';
    case 'int':
      if (v.value >= -INT32 && v.value < INT32) return v.value.toString();
      if (v.value >= -INT64 && v.value < INT64) return `${v.value}L`;
      return `[bigint]::Parse('${v.value}')`;
    case 'float':
      if (Number.isNaN(v.value)) return '[double]::NaN';
      if (v.value === Infinity) return '[double]::PositiveInfinity';
      if (v.value === -Infinity) return '[double]::NegativeInfinity';
      return formatFloatLiteral(v.value);
    case 'string':
      return powershellString(v.value);
    case 'list':
      return v.items.length === 1 ? `@(,${literal(v.items[0]!)})` : `@(${v.items.map(literal).join(', ')})`;
    case 'map':
      return `[ordered]@{${v.entries.map(([k, x]) => `${powershellString(k)} = ${literal(x)}`).join('; ')}}`;
  }
}

/** PowerShell. */
export const powershellTranslator: Translator = {
  language: 'PowerShell',
  languages: ['powershell', 'pwsh', '.net-powershell'],
  kernelNames: ['powershell', 'pwsh', '.net-powershell'],
  assign(name, value) {
    checkIdentifier('PowerShell', name, IDENTIFIER);
    return `$${name} = ${literal(value)}`;
  },
  comment: (text) => `# ${text}`,
};
