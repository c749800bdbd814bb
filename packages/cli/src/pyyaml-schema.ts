/**
 * YAML 1.1 scalars as PyYAML's `SafeLoader` resolves them, without timestamps (papermill
 * reads `-y`, `-f` and `-b` with its `NoDatesSafeLoader`, so dates stay text). What differs
 * from YAML 1.2 (the `yaml` package's default):
 * - booleans: `yes/no/on/off/true/false` in lower, Capitalised or UPPER case (not `y`/`n`);
 * - integers: `0b1010`, `0o`-less octal `017` (= 15), `0x1F`, `_` between digits, and
 *   sexagesimal `1:30` (= 90);
 * - floats need a dot: `1.0`, `1.`, `.5`, `1.0e+3` (the exponent needs a sign), `1:30.5`,
 *   `.inf`, `-.inf`, `.nan`; `1e3` and `1.0e3` are strings;
 * - null: `~`, `null`, `Null`, `NULL` and the empty value.
 * Whole floats come back as {@link FloatValue} (`1.0` stays a float), integers exact
 * (bigint beyond 2^53).
 */
import type { ScalarTag } from 'yaml';
import { FloatValue, asFloat } from '@nbrun/core';
import { normalizeInteger } from '@nbrun/core/parameters';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL = /^(?:~|null|Null|NULL|)$/;

type OnError = (message: string) => void;

/** PyYAML's `construct_yaml_int`. */
function resolveInt(text: string, onError: OnError): number | bigint | string {
  let value = text.replace(/_/g, '');
  const negative = value.startsWith('-');
  if (value.startsWith('-') || value.startsWith('+')) value = value.slice(1);
  let n: bigint;
  try {
    if (value === '0') n = 0n;
    else if (value.startsWith('0b')) n = BigInt(`0b${value.slice(2)}`);
    else if (value.startsWith('0x')) n = BigInt(`0x${value.slice(2)}`);
    else if (value.startsWith('0')) n = BigInt(`0o${value}`);
    else if (value.includes(':')) n = value.split(':').reduce((acc, part) => acc * 60n + BigInt(part), 0n);
    else n = BigInt(value);
  } catch {
    onError(`${JSON.stringify(text)} is not an integer`);
    return text;
  }
  return normalizeInteger(negative ? -n : n);
}

/** PyYAML's `construct_yaml_float`: always a float, also when whole. */
function resolveFloat(text: string, onError: OnError): number | FloatValue | string {
  let value = text.replace(/_/g, '').toLowerCase();
  const sign = value.startsWith('-') ? -1 : 1;
  if (value.startsWith('-') || value.startsWith('+')) value = value.slice(1);
  let n: number;
  if (value === '.inf') n = sign * Infinity;
  else if (value === '.nan') n = NaN;
  else if (value.includes(':')) {
    // Summed from the last part up, in PyYAML's order, so the rounding is the same.
    let base = 1;
    n = 0;
    for (const part of value.split(':').reverse()) {
      n += Number(part) * base;
      base *= 60;
    }
    n *= sign;
  }
  else n = sign * Number(value);
  if (Number.isNaN(n) && value !== '.nan') {
    onError(`${JSON.stringify(text)} is not a float`);
    return text;
  }
  return Number.isInteger(n) && !Object.is(n, -0) ? asFloat(n) : n;
}

const INT_TAG = 'tag:yaml.org,2002:int';
const FLOAT_TAG = 'tag:yaml.org,2002:float';
const BOOL_TAG = 'tag:yaml.org,2002:bool';
const NULL_TAG = 'tag:yaml.org,2002:null';

const resolveBool = (text: string, onError: OnError): boolean | string => {
  const lower = text.toLowerCase();
  if (['yes', 'true', 'on'].includes(lower)) return true;
  if (['no', 'false', 'off'].includes(lower)) return false;
  onError(`${JSON.stringify(text)} is not a boolean`);
  return text;
};

/**
 * The tags to add to the `failsafe` schema (maps, sequences, strings) for PyYAML's
 * resolution. Each type comes twice: once with its pattern, for plain scalars, and once
 * without, for an explicit tag (`!!float 3` is `3.0`, as PyYAML constructs it).
 * @example parseDocument(text, { version: '1.1', schema: 'failsafe', customTags: (t) => [...t, ...pyyamlTags] })
 */
export const pyyamlTags: ScalarTag[] = [
  { tag: BOOL_TAG, default: true, test: BOOL, resolve: resolveBool, identify: (v) => typeof v === 'boolean' },
  { tag: FLOAT_TAG, default: true, test: FLOAT, resolve: resolveFloat, identify: (v) => v instanceof FloatValue },
  { tag: INT_TAG, default: true, test: INT, resolve: resolveInt, identify: (v) => typeof v === 'bigint' },
  { tag: NULL_TAG, default: true, test: NULL, resolve: () => null, identify: (v) => v === null },
  // YAML 1.1's `=` (the "value" key): PyYAML resolves it but cannot construct it.
  {
    tag: 'tag:yaml.org,2002:value', default: true, test: /^=$/, identify: () => false,
    resolve: (text, onError) => (onError("a plain '=' is YAML 1.1's value key, which PyYAML cannot read: quote it"), text),
  },
  { tag: BOOL_TAG, resolve: resolveBool },
  { tag: FLOAT_TAG, resolve: resolveFloat },
  { tag: INT_TAG, resolve: resolveInt },
  { tag: NULL_TAG, resolve: () => null },
];
