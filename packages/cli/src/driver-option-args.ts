/**
 * A driver's options as command-line flags, derived from its option schema
 * (`gpuVendor` ↔ `--gpu-vendor`): booleans take no value, lists repeat, numbers are parsed.
 * The values are checked by the driver's schema where they are used (the service).
 */
import { UsageError } from '@nbrun/core';
import { flagOption, optionFlag, type driverOptionsSchema } from '@nbrun/drivers';
import type { FlagSpec, ParsedArgs } from './args.js';

type TObject = ReturnType<typeof driverOptionsSchema>;

interface PropertySchema {
  type?: string;
  description?: string;
  'x-value'?: string;
}

/** Flags of a driver's options, leaving out names the command already uses. */
export function driverOptionFlags(schema: TObject, taken: readonly FlagSpec[]): FlagSpec[] {
  const used = new Set(taken.map((f) => f.name));
  const out: FlagSpec[] = [];
  for (const [name, prop] of Object.entries(schema.properties as Record<string, PropertySchema>)) {
    const flag = optionFlag(name);
    if (used.has(flag)) continue;
    if (prop.type === 'boolean') out.push({ name: flag, negatable: true });
    else out.push({ name: flag, arity: 1, ...(prop.type === 'array' ? { multiple: true } : {}) });
  }
  return out;
}

/** One help line per option of a driver. */
export function driverOptionHelp(schema: TObject): string[] {
  return Object.entries(schema.properties as Record<string, PropertySchema>).map(([name, prop]) => {
    const flag = `--${optionFlag(name)}${prop.type === 'boolean' ? '' : ` ${prop['x-value'] ?? 'VALUE'}`}`;
    return `      ${flag.padEnd(25)} ${prop.description ?? ''}`;
  });
}

/**
 * The options the flags give, as JSON (camelCase names).
 * @example driverOptionsFromArgs(args, driverOptionsSchema('docker'), flags) // { network: 'none', keep: true }
 */
export function driverOptionsFromArgs(args: ParsedArgs, schema: TObject, flags: readonly FlagSpec[]): Record<string, unknown> {
  const props = schema.properties as Record<string, PropertySchema>;
  const out: Record<string, unknown> = {};
  for (const f of flags) {
    const v = args.flags.get(f.name);
    if (v === undefined) continue;
    const name = flagOption(f.name);
    const type = props[name]?.type;
    if (typeof v === 'boolean') out[name] = v;
    else if (f.multiple) out[name] = (v as string[][]).map((t) => t[0]!);
    else if (type === 'integer' || type === 'number') {
      const n = Number((v as string[])[0]);
      if (!Number.isFinite(n)) throw new UsageError(`--${f.name} must be a number, got '${(v as string[])[0]}'`, { hint: { option: name } });
      out[name] = n;
    } else out[name] = (v as string[])[0];
  }
  return out;
}

/** The value of `--driver`/`-d` in argv before parsing (the flags of its options depend on it). */
export function peekDriver(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--driver' || a === '-d') return argv[i + 1];
    if (a.startsWith('--driver=')) return a.slice('--driver='.length);
  }
  return undefined;
}
