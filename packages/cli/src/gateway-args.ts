/** Gateway flags shared by `run`, `kernels` and `test`: URL, token, headers, KERNEL_* env. */
import { UsageError, type RemoteGatewayOptions } from '@nbrun/core';
import { flagValue, flagValues, type FlagSpec, type ParsedArgs } from './args.js';

export const gatewayFlags: FlagSpec[] = [
  { name: 'gateway-url', arity: 1 },
  { name: 'gateway-token', arity: 1 },
  { name: 'gateway-header', arity: 1, multiple: true },
  { name: 'kernel-env', arity: 1, multiple: true },
];

/** Parses `NAME=VALUE`; names the flag when malformed. */
export function parseAssignment(text: string, flag: string, command: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`nbrun ${command}: --${flag} expects NAME=VALUE, got '${text}'`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** The remote gateway to use, or undefined for the embedded default. */
export function gatewayFromArgs(args: ParsedArgs, env: NodeJS.ProcessEnv, command: string): RemoteGatewayOptions | undefined {
  const url = flagValue(args, 'gateway-url') ?? env.NBRUN_GATEWAY_URL;
  const token = flagValue(args, 'gateway-token') ?? env.NBRUN_GATEWAY_TOKEN;
  const headers: Record<string, string> = {};
  for (const [h] of flagValues(args, 'gateway-header')) {
    const colon = h!.indexOf(':');
    if (colon <= 0) throw new UsageError(`nbrun ${command}: --gateway-header expects 'Name: value', got '${h}'`);
    headers[h!.slice(0, colon).trim()] = h!.slice(colon + 1).trim();
  }
  const kernelEnv: Record<string, string> = {};
  for (const [kv] of flagValues(args, 'kernel-env')) {
    const [k, v] = parseAssignment(kv!, 'kernel-env', command);
    kernelEnv[k] = v;
  }
  if (!url) {
    if (token || Object.keys(headers).length) {
      throw new UsageError(`nbrun ${command}: --gateway-token/--gateway-header need --gateway-url (or NBRUN_GATEWAY_URL)`);
    }
    return undefined;
  }
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`nbrun ${command}: --gateway-url must be an http(s) URL, got '${url}'`);
  }
  return {
    url,
    ...(token ? { token } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(Object.keys(kernelEnv).length ? { kernelEnv } : {}),
  };
}

/** `--kernel-env` values also go to the embedded kernel's environment. */
export function kernelEnvFromArgs(args: ParsedArgs, command: string): Record<string, string> | undefined {
  const pairs = flagValues(args, 'kernel-env');
  if (!pairs.length) return undefined;
  return Object.fromEntries(pairs.map(([kv]) => parseAssignment(kv!, 'kernel-env', command)));
}
