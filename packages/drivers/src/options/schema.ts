/**
 * Driver options as JSON Schema (TypeBox): each driver declares its options once, and the
 * CLI flags (`gpuVendor` ↔ `--gpu-vendor`), the REST API's validation and the web form all
 * come from that declaration. This module is cheap to import: no driver, no SDK.
 *
 * Two annotations beyond JSON Schema, both for people reading errors and help:
 * `x-value` names a value in help (`--network MODE`), `x-expected` says what a valid value
 * looks like in an error (`namespace must be a Kubernetes name …, got 'ML_Team'`).
 */
import {
  Type, type SchemaOptions, type TArray, type TBoolean, type TInteger, type TLiteral, type TObject, type TOptional, type TSchema, type TString,
  type TUnion,
} from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UsageError } from '@nbrun/core';

/** What a driver option's schema may carry besides JSON Schema. */
export interface OptionAnnotations extends SchemaOptions {
  description: string;
  /** Name of the value in help, e.g. `MODE` (`--network MODE`). */
  'x-value'?: string;
  /** What a valid value looks like, for errors: `an http(s):// URL`. */
  'x-expected'?: string;
}

/** `gpuVendor` → `gpu-vendor` (the CLI flag of an option). */
export function optionFlag(option: string): string {
  return option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `gpu-vendor` → `gpuVendor` (the option of a CLI flag). */
export function flagOption(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Pattern of an http(s) URL. */
export const HTTP_URL = '^https?://[^\\s]+$';
/** Pattern of an environment variable name. */
export const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
/** Pattern of a Kubernetes object name (RFC 1123 label). */
export const KUBE_NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** Pattern of `KEY=VALUE`. */
export const KEY_VALUE = '^[^=]+=';

/** A string option. */
export function text(options: OptionAnnotations & { pattern?: string; minLength?: number; maxLength?: number; default?: string }): TOptional<TString> {
  return Type.Optional(Type.String({ minLength: 1, ...options }));
}

/** An integer option. */
export function integer(options: OptionAnnotations & { minimum?: number; default?: number }): TOptional<TInteger> {
  const min = options.minimum ?? 0;
  return Type.Optional(Type.Integer({ minimum: min, 'x-expected': `an integer >= ${min}`, 'x-value': 'N', ...options }));
}

/** A boolean option (a flag without a value on the command line). */
export function flag(options: OptionAnnotations & { default?: boolean }): TOptional<TBoolean> {
  return Type.Optional(Type.Boolean({ default: false, 'x-expected': 'true or false', ...options }));
}

/** A repeatable option: a list of strings. */
export function list(options: OptionAnnotations & { pattern?: string }): TOptional<TArray<TString>> {
  const { pattern, ...rest } = options;
  const item = Type.String({ minLength: 1, ...(pattern ? { pattern } : {}) });
  return Type.Optional(Type.Array(item, rest));
}

/** One of a few words. */
export function oneOf<const V extends string>(values: readonly V[], options: OptionAnnotations & { default?: V }): TOptional<TUnion<TLiteral<V>[]>> {
  return Type.Optional(Type.Union(values.map((v) => Type.Literal(v)), { 'x-expected': `one of ${values.join(', ')}`, 'x-value': values.join('|'), ...options }));
}

/** The options of a driver: an object of optional, described properties; unknown properties refused. */
export function optionsObject<P extends Record<string, TSchema>>(properties: P): TObject<P> {
  return Type.Object(properties, { additionalProperties: false });
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

function expected(schema: TSchema): string {
  const s = schema as TSchema & Record<string, unknown>;
  if (typeof s['x-expected'] === 'string') return s['x-expected'];
  switch (s.type) {
    case 'integer':
      return `an integer >= ${(s.minimum as number | undefined) ?? 0}`;
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'string':
      return 'a non-empty string';
    default:
      return 'a valid value';
  }
}

function refuse(option: string, message: string): never {
  throw new UsageError(message, { hint: { option } });
}

/**
 * Checks JSON options against a driver's schema; the first problem is a UsageError whose
 * message and `hint.option` name the option (`stopTimeout must be …, got 'soon'`).
 * Unknown properties are refused. Returns the options (not copied, no defaults filled in).
 */
export function checkOptions(driver: string, schema: TObject, options: unknown): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new UsageError(`the options of driver ${driver} must be an object, got ${show(options)}`);
  }
  const props = schema.properties as Record<string, TSchema>;
  for (const [key, value] of Object.entries(options as Record<string, unknown>) as [string, unknown][]) {
    const prop = props[key];
    if (!prop) {
      const known = Object.keys(props);
      refuse(key, `${key} is not an option of driver ${driver} (${known.length ? `its options: ${known.join(', ')}` : 'it has none'})`);
    }
    if (value === undefined || Value.Check(prop, value as never)) continue;
    const s = prop as TSchema & Record<string, unknown>;
    if (s.type === 'array') {
      const item = s.items as TSchema;
      const what = typeof s['x-expected'] === 'string' ? s['x-expected'] : expected(item);
      if (!Array.isArray(value)) refuse(key, `${key} must be a list (each ${what}), got ${show(value)}`);
      refuse(key, `${key} must be ${what}, got ${show(value.find((v) => !Value.Check(item, v)))}`);
    }
    refuse(key, `${key} must be ${expected(prop)}, got ${show(value)}`);
  }
  return options as Record<string, unknown>;
}
