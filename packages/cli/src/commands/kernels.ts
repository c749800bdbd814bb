/** `nbrun kernels`: the kernelspecs a gateway offers (default: this machine's). */
import { EXIT_CODES, listKernelSpecs } from '@nbrun/core';
import { flagBool, parseArgs, type FlagSpec } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { gatewayFlags, gatewayFromArgs } from '../gateway-args.js';

const flags: FlagSpec[] = [{ name: 'json' }, ...gatewayFlags];

const usage = `Usage: nbrun kernels [--json] [--gateway-url URL [--gateway-token TOKEN]]

Lists the kernelspecs nbrun can start: on this machine (Jupyter's kernel paths:
JUPYTER_PATH, the user data dir, /usr/local/share/jupyter, /usr/share/jupyter),
or those a gateway offers.
`;

async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, flags, 'kernels');
  const gateway = gatewayFromArgs(args, io.env, 'kernels');
  const list = await listKernelSpecs(gateway, io.signal);
  if (flagBool(args, 'json')) {
    io.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return EXIT_CODES.ok;
  }
  const rows = list.specs.map((s) => [s.name + (s.name === list.default ? ' (default)' : ''), s.language, s.displayName]);
  const w0 = Math.max(4, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(8, ...rows.map((r) => r[1]!.length));
  io.stdout.write(`${'NAME'.padEnd(w0)}  ${'LANGUAGE'.padEnd(w1)}  DISPLAY NAME\n`);
  for (const r of rows) io.stdout.write(`${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}\n`);
  return EXIT_CODES.ok;
}

export const kernelsCommand: Command = { usage, run };
