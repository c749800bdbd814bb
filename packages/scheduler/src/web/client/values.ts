/**
 * What the page's forms hold (strings from inputs) → the JSON the API takes. Pure functions.
 */
import type { JsonSchema, ParameterInfo } from './api.js';

/** The kind of input a notebook parameter gets, from the type `nbrun inspect` reads. */
export function parameterKind(type: string): 'integer' | 'number' | 'boolean' | 'string' | 'json' {
  const t = type.toLowerCase();
  if (t === 'int' || t === 'integer') return 'integer';
  if (t === 'float' || t === 'numeric' || t === 'double' || t === 'number') return 'number';
  if (t === 'bool' || t === 'logical' || t === 'boolean') return 'boolean';
  if (t === 'str' || t === 'character' || t === 'string') return 'string';
  return 'json';
}

/** A boolean parameter's default as written (`True`, `TRUE`) → true/false, else undefined. */
export function defaultBoolean(source: string | null): boolean | undefined {
  if (source === null) return undefined;
  const s = source.trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  return undefined;
}

/**
 * The parameters to send: only those the user set. Throws an Error naming the parameter when a
 * value does not fit its type.
 */
export function parameterValues(params: ParameterInfo[], raw: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of params) {
    const v = raw[p.name];
    if (v === undefined || v === '') continue;
    const kind = parameterKind(p.inferredType);
    if (kind === 'boolean') {
      if (typeof v === 'boolean') {
        if (v !== defaultBoolean(p.default)) out[p.name] = v;
        continue;
      }
    }
    const text = String(v);
    if (kind === 'integer') {
      if (!/^[-+]?\d+$/.test(text.trim())) throw new Error(`parameter ${p.name}: an integer, not '${text}'`);
      out[p.name] = Number(text);
    } else if (kind === 'number') {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`parameter ${p.name}: a number, not '${text}'`);
      out[p.name] = n;
    } else if (kind === 'string') out[p.name] = text;
    else out[p.name] = jsonOrText(text);
  }
  return out;
}

/** `[1, 2]` → the list, `42` → 42, `abc` → 'abc'. */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The choices of a one-of-a-few-words option, or undefined. */
export function schemaChoices(schema: JsonSchema): string[] | undefined {
  if (!schema.anyOf?.length || !schema.anyOf.every((s) => typeof s.const === 'string')) return undefined;
  return schema.anyOf.map((s) => s.const as string);
}

/**
 * Driver options from the form's strings, by the driver's schema: only the options set.
 * Throws an Error naming the option when a value does not fit.
 */
export function driverOptionValues(schema: JsonSchema, raw: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const v = raw[name];
    if (v === undefined || v === '') continue;
    if (prop.type === 'boolean') {
      if (v === true) out[name] = true;
      continue;
    }
    const text = String(v);
    if (prop.type === 'integer') {
      if (!/^[-+]?\d+$/.test(text.trim())) throw new Error(`${name}: ${prop['x-expected'] ?? 'an integer'}, not '${text}'`);
      out[name] = Number(text);
    } else if (prop.type === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new Error(`${name}: a number, not '${text}'`);
      out[name] = n;
    } else if (prop.type === 'array') {
      const items = text.split('\n').map((l) => l.trim()).filter(Boolean);
      if (items.length) out[name] = items;
    } else out[name] = text;
  }
  return out;
}
