import { EXIT_CODES, NbrunError, exitCodeFor } from '@nbrun/core';
import type { CommandIO } from './command.js';
import { commands } from './commands/index.js';
import { signalExitCode } from './exit-codes.js';
import { VERSION } from './version.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    'Usage: nbrun <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'nbrun <command> --help' for a command's options.",
  ].join('\n');
}

/**
 * Runs the CLI with the given arguments and resolves to the exit code.
 * Installs SIGINT/SIGTERM/SIGHUP handlers for its duration: the first signal cancels the
 * command (which saves partial results), a second one exits at once (a run in progress
 * still saves its OUTPUT, marked cancelled, on the way out: core's exit save).
 */
export async function main(argv: string[], io: Partial<CommandIO> = {}): Promise<number> {
  const controller = new AbortController();
  type Sig = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  let received: Sig | undefined;
  const onSignal = (sig: Sig) => {
    if (received) process.exit(signalExitCode(sig));
    received = sig;
    controller.abort(new Error(sig));
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  const onHup = () => onSignal('SIGHUP');
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  const fullIO: CommandIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    signal: io.signal ?? controller.signal,
    signalName: io.signalName ?? (() => received),
  };
  try {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      fullIO.stdout.write(usage() + '\n');
      return name ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (name === '--version' || name === '-V') {
      fullIO.stdout.write(`nbrun ${VERSION}\n`);
      return EXIT_CODES.ok;
    }
    const entry = commands.find((c) => c.name === name);
    if (!entry) {
      fullIO.stderr.write(`nbrun: unknown command '${name}'\n\n${usage()}\n`);
      return EXIT_CODES.usage;
    }
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      fullIO.stdout.write(command.usage.trimEnd() + '\n');
      return EXIT_CODES.ok;
    }
    return await command.run(rest, fullIO);
  } catch (err) {
    if (err instanceof NbrunError) {
      // Hinted messages name API options; the CLI shows its flags (loaded only on this path).
      const message = err.hint ? (await import('./hints.js')).cliMessage(err) : err.message;
      fullIO.stderr.write(`nbrun: ${message}\n`);
    } else {
      fullIO.stderr.write(`nbrun: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    return exitCodeFor(err);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  }
}
