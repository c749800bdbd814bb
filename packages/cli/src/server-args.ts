/**
 * `--server URL` / `--token TOKEN` of the commands that talk to `nbrun serve`
 * (`NBRUN_SERVER_URL` / `NBRUN_SERVER_TOKEN` when not given), and the client they make.
 */
import { DEFAULT_SERVER_URL, ServiceClient } from '@nbrun/scheduler/client';
import { UsageError } from '@nbrun/core';
import { flagValue, type FlagSpec, type ParsedArgs } from './args.js';
import type { CommandIO } from './command.js';

export const serverFlags: FlagSpec[] = [
  { name: 'server', arity: 1 },
  { name: 'token', arity: 1 },
];

/** The help lines of {@link serverFlags}. */
export const SERVER_FLAGS_HELP = `      --server URL             the service (default $NBRUN_SERVER_URL, else ${DEFAULT_SERVER_URL})
      --token TOKEN            its bearer token (default $NBRUN_SERVER_TOKEN)`;

/**
 * A client of the service the flags and environment name.
 * @example const api = serviceClient(args, io, 'runs'); await api.listRuns()
 */
export function serviceClient(args: ParsedArgs, io: CommandIO, command: string): ServiceClient {
  const url = flagValue(args, 'server') ?? io.env.NBRUN_SERVER_URL ?? DEFAULT_SERVER_URL;
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`nbrun ${command}: --server must be an http(s):// URL, got '${url}'`);
  const token = flagValue(args, 'token') ?? io.env.NBRUN_SERVER_TOKEN;
  return new ServiceClient({ url, ...(token ? { token } : {}) });
}

/** Prints rows as aligned columns (the header first). */
export function printTable(out: NodeJS.WritableStream, rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) out.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n');
}

/** JSON-safe parameters: whole floats as numbers; integers beyond 2^53 refused (JSON cannot carry them exactly). */
export function jsonParameters(parameters: Record<string, unknown> | undefined, command: string): Record<string, unknown> | undefined {
  if (!parameters) return undefined;
  const text = JSON.stringify(parameters, (key, value: unknown) => {
    if (typeof value === 'bigint') {
      throw new UsageError(`nbrun ${command}: parameter '${key}' (${value}) is beyond 2^53 and cannot be sent exactly as JSON; pass it as a string with -r`);
    }
    return value;
  });
  return JSON.parse(text) as Record<string, unknown>;
}
