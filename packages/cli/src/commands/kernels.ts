/** `nbrun kernels`: the kernelspecs a gateway offers (default: this machine's). */
import { EXIT_CODES, GatewayError, listKernelSpecs, type KernelSpecList } from '@nbrun/core';
import { signalExitCode } from '../exit-codes.js';
import { flagBool, flagValue, parseArgs, parseSeconds, type FlagSpec } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { gatewayFlags, gatewayFromArgs } from '../gateway-args.js';

const flags: FlagSpec[] = [{ name: 'json' }, { name: 'timeout', arity: 1 }, ...gatewayFlags];

/** How long a gateway may take to list its kernelspecs. */
const DEFAULT_TIMEOUT_SECONDS = 30;

const usage = `Usage: nbrun kernels [--json] [--timeout SEC] [--gateway-url URL [--gateway-token TOKEN]]

Lists the kernelspecs nbrun can start: on this machine (Jupyter's kernel paths:
JUPYTER_PATH, the user data dir, /usr/local/share/jupyter, /usr/share/jupyter),
or those a gateway offers. A gateway that does not answer within --timeout seconds
(default ${DEFAULT_TIMEOUT_SECONDS}) exits 5; SIGINT/SIGTERM stop the wait at once.
`;

async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, flags, 'kernels');
  const gateway = gatewayFromArgs(args, io.env, 'kernels');
  const seconds = parseSeconds(flagValue(args, 'timeout'), 'timeout', 'kernels') ?? DEFAULT_TIMEOUT_SECONDS;
  const deadline = AbortSignal.timeout(Math.min(seconds * 1000, 2 ** 31 - 1));
  let list: KernelSpecList;
  try {
    list = await listKernelSpecs(gateway, AbortSignal.any([io.signal, deadline]));
  } catch (err) {
    if (io.signal.aborted) return signalExitCode(io.signalName());
    if (deadline.aborted) {
      throw new GatewayError('E_GATEWAY_UNREACHABLE', `nbrun kernels: the gateway at ${gateway ? new URL(gateway.url).origin : 'this machine'} did not answer within ${seconds} s (--timeout)`);
    }
    throw err;
  }
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
