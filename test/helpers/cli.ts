/**
 * Runs the `nbrun` CLI in tests: in-process through `main()` with captured stdout/stderr,
 * or as a real subprocess (`node --import tsx packages/cli/src/bin.ts`) for signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../packages/cli/src/main.js';

/** Root of the checkout (where `pnpm nbrun` runs). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * Runs `nbrun ARGS` in this process and resolves to its exit code and output.
 * @example const { code, stderr } = await runCli(['run', 'in.ipynb', 'out.ipynb']);
 */
export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, {
    stdout,
    stderr,
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export interface NbrunProcess {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the pattern appears on stderr; rejects if the process exits first. */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** Resolves to the exit code (or 128 + signal number when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `nbrun ARGS` as a real subprocess, as a user would (`pnpm nbrun` runs the same).
 * @example const p = spawnNbrun(['run', nb, out, '--log-output']); await p.waitForStderr(/sleeping/);
 */
export function spawnNbrun(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): NbrunProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/bin.ts', ...args], {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of [...waiters]) {
      if (w.pattern.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const w of waiters.splice(0)) {
        w.reject(new Error(`nbrun exited (${code ?? signal}) before ${w.pattern} appeared on stderr:\n${err}`));
      }
      resolve({ code, signal });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStderr(pattern) {
      if (pattern.test(err)) return Promise.resolve();
      if (child.exitCode !== null) return Promise.reject(new Error(`nbrun already exited:\n${err}`));
      return new Promise((resolve, reject) => waiters.push({ pattern, resolve, reject }));
    },
  };
}
