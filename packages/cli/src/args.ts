/**
 * A small argument parser: long and short flags, flags with one or more values
 * (`-p NAME VALUE`), repeated flags, `--flag=value`, and `--` to end flags.
 * Errors are UsageErrors naming the flag.
 */
import { UsageError } from '@nbrun/core';

export interface FlagSpec {
  /** Long name without dashes, e.g. `execution-timeout`. */
  name: string;
  short?: string;
  /** Number of values the flag takes (0 for booleans). */
  arity?: number;
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
  /** `--no-NAME` sets the boolean to false. */
  negatable?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  /** Booleans: true/false. Single flags: string[] (arity values). Multiple: string[][] */
  flags: Map<string, boolean | string[] | string[][]>;
}

export function parseArgs(argv: string[], specs: FlagSpec[], command: string): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags = new Map<string, boolean | string[] | string[][]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-') || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    let spec: FlagSpec | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      spec = byLong.get(name);
      if (!spec && name.startsWith('no-')) {
        const neg = byLong.get(name.slice(3));
        if (neg?.negatable) {
          flags.set(neg.name, false);
          continue;
        }
      }
    } else {
      name = arg.slice(1);
      spec = byShort.get(name);
    }
    if (!spec) throw new UsageError(`nbrun ${command}: unknown option '${arg}' (see 'nbrun ${command} --help')`);
    const arity = spec.arity ?? 0;
    if (arity === 0) {
      if (inline !== undefined) throw new UsageError(`nbrun ${command}: option '--${spec.name}' takes no value`);
      flags.set(spec.name, true);
      continue;
    }
    const values: string[] = [];
    if (inline !== undefined) values.push(inline);
    while (values.length < arity) {
      const v = argv[++i];
      if (v === undefined) {
        throw new UsageError(`nbrun ${command}: option '${arg}' needs ${arity} value${arity > 1 ? 's' : ''}`);
      }
      values.push(v);
    }
    if (spec.multiple) {
      const list = (flags.get(spec.name) as string[][] | undefined) ?? [];
      list.push(values);
      flags.set(spec.name, list);
    } else {
      flags.set(spec.name, values);
    }
  }
  return { positionals, flags };
}

/** The single value of a flag, or undefined. */
export function flagValue(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return Array.isArray(v) ? (v[0] as string | undefined) : undefined;
}

/** All values of a repeated flag, each as its tuple. */
export function flagValues(args: ParsedArgs, name: string): string[][] {
  const v = args.flags.get(name);
  return Array.isArray(v) ? (v as string[][]) : [];
}

export function flagBool(args: ParsedArgs, name: string, dflt = false): boolean {
  const v = args.flags.get(name);
  return typeof v === 'boolean' ? v : dflt;
}

/** Parses a positive number of seconds; names the flag when wrong. */
export function parseSeconds(value: string | undefined, flag: string, command: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`nbrun ${command}: --${flag} must be a positive number of seconds, got '${value}'`);
  }
  return n;
}
