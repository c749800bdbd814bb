/**
 * The flags of `nbrun submit --driver X`, derived from each driver's options schema:
 * `stopTimeout` ↔ `--stop-timeout`, booleans take no value, lists repeat, numbers are
 * parsed here and checked by the schema (so a bad value gets the same message as in JSON).
 */
import { UsageError } from '@nbrun/core';
import { driverNames, driverOptionsSchema, optionFlag, validateDriverOptions } from '@nbrun/drivers';
import type { FlagSpec, ParsedArgs } from './args.js';

/** One option of one driver, as a command-line flag. */
export interface DriverFlag {
  driver: string;
  /** camelCase option name. */
  option: string;
  /** Flag name without dashes. */
  flag: string;
  arity: 0 | 1;
  multiple: boolean;
  /** `MODE` in `--network MODE`. */
  valueName: string;
  description: string;
  type: string;
}

/** What this module reads of a property's JSON Schema. */
interface Annotated {
  type?: string;
  description?: string;
  'x-value'?: string;
}

/** Every built-in driver's options as flags, in the order the drivers and their schemas list them. */
export function driverFlags(): DriverFlag[] {
  return driverNames().flatMap(({ name }) =>
    Object.entries(driverOptionsSchema(name).properties as Record<string, Annotated>).map(([option, schema]) => ({
      driver: name,
      option,
      flag: optionFlag(option),
      arity: schema.type === 'boolean' ? 0 : 1,
      multiple: schema.type === 'array',
      valueName: schema['x-value'] ?? (schema.type === 'integer' || schema.type === 'number' ? 'N' : 'VALUE'),
      description: schema.description ?? '',
      type: schema.type ?? 'string',
    })),
  );
}

/** The flag specs for the argument parser: one per flag name, whichever drivers share it. */
export function driverFlagSpecs(flags: readonly DriverFlag[]): FlagSpec[] {
  const specs = new Map<string, FlagSpec>();
  for (const f of flags) if (!specs.has(f.flag)) specs.set(f.flag, { name: f.flag, arity: f.arity, multiple: f.multiple });
  return [...specs.values()];
}

/** Help lines: `--flag VALUE   driver: description`. */
export function driverFlagHelp(flags: readonly DriverFlag[]): string {
  return flags
    .map((f) => {
      const flag = `--${f.flag}${f.arity ? ` ${f.valueName}` : ''}`;
      return `      ${flag.padEnd(25)} ${f.driver}: ${f.description}`;
    })
    .join('\n');
}

function value(f: DriverFlag, text: string): unknown {
  if ((f.type === 'integer' || f.type === 'number') && /^\s*-?\d+(\.\d+)?\s*$/.test(text)) return Number(text);
  return text;
}

/**
 * The driver's options as JSON from the parsed flags, checked against its schema; a flag of
 * another driver is refused by name. Errors carry `hint.option` (rendered as the flag).
 */
export function driverOptionsFromArgs(driver: string, args: ParsedArgs, flags: readonly DriverFlag[]): Record<string, unknown> {
  const mine = new Map(flags.filter((f) => f.driver === driver).map((f) => [f.flag, f]));
  const options: Record<string, unknown> = {};
  for (const name of new Set(flags.map((f) => f.flag))) {
    const given = args.flags.get(name);
    if (given === undefined) continue;
    const f = mine.get(name);
    if (!f) throw new UsageError(`nbrun submit: --${name} does not apply to --driver ${driver}`);
    if (typeof given === 'boolean') options[f.option] = given;
    else if (f.multiple) options[f.option] = (given as string[][]).map((t) => t[0]!);
    else options[f.option] = value(f, (given as string[])[0]!);
  }
  return validateDriverOptions(driver, options);
}
