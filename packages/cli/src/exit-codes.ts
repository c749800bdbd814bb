/**
 * nbrun's exit codes, one table for every command's `--help` (and the README's table,
 * checked by a test). The numbers are core's `EXIT_CODES`; the words are the CLI's.
 */
import { EXIT_CODES } from '@nbrun/core';

/** Every exit code `nbrun` can return, with its meaning, in order. */
export const EXIT_CODE_TABLE: readonly { code: number; meaning: string }[] = [
  { code: EXIT_CODES.ok, meaning: 'success' },
  { code: EXIT_CODES.cellError, meaning: "a cell raised an error (or a job's notebook failed)" },
  { code: EXIT_CODES.usage, meaning: 'invalid input or usage: bad notebook, option, parameter, job spec, bundle' },
  { code: EXIT_CODES.kernelDied, meaning: 'the kernel died' },
  { code: EXIT_CODES.timeout, meaning: 'timeout: cell, run or kernel start' },
  { code: EXIT_CODES.gateway, meaning: 'gateway unreachable, unauthorized or failing' },
  { code: EXIT_CODES.kernelStart, meaning: 'the kernel could not be started (unknown kernelspec, launch failure)' },
  { code: EXIT_CODES.io, meaning: 'the output could not be written' },
  { code: EXIT_CODES.backend, meaning: 'a job backend is unreachable or refused (no Docker engine, platform API error)' },
  { code: EXIT_CODES.internal, meaning: 'internal error (a bug: please report it)' },
  { code: EXIT_CODES.hangup, meaning: 'hung up (SIGHUP: the terminal closed)' },
  { code: EXIT_CODES.interrupted, meaning: 'interrupted (SIGINT, or cancelled through the API)' },
  { code: EXIT_CODES.terminated, meaning: 'terminated (SIGTERM)' },
];

/** The exit code of a command stopped by a signal (SIGINT and unknown: 130). */
export function signalExitCode(sig: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | undefined): number {
  return sig === 'SIGTERM' ? EXIT_CODES.terminated : sig === 'SIGHUP' ? EXIT_CODES.hangup : EXIT_CODES.interrupted;
}

/**
 * The `Exit codes:` block of a command's help: the table (or the codes a command can
 * return), with a command's own wording for some codes where it says more.
 * @example exitCodesHelp({ 1: 'a notebook failed or timed out' }, [0, 1, 2, 70, 130, 143])
 */
export function exitCodesHelp(meanings: Readonly<Partial<Record<number, string>>> = {}, codes?: readonly number[]): string {
  const unknown = codes?.filter((c) => !EXIT_CODE_TABLE.some((e) => e.code === c)) ?? [];
  if (unknown.length) throw new Error(`exit codes ${unknown.join(', ')} are not in EXIT_CODE_TABLE`);
  const rows = EXIT_CODE_TABLE.filter((e) => !codes || codes.includes(e.code));
  const width = Math.max(...rows.map((e) => String(e.code).length));
  const lines = rows.map((e) => `  ${String(e.code).padEnd(width)}  ${meanings[e.code] ?? e.meaning}`);
  return ['Exit codes:', ...lines].join('\n');
}
