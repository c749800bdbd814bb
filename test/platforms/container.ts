/**
 * "Runs a container" for the fake platforms: the container's command on this machine,
 * with only the environment the platform would give it. `nbrun-runner` is the real
 * runner (its self-contained build), so it really fetches the bundle from the loopback
 * S3 server and uploads results there.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The runner's single-file build: what an image's `nbrun-runner` is. */
export const RUNNER_ENTRY = `${REPO}packages/runner/dist/nbrun-runner.mjs`;

/**
 * Builds the runner once if its dist is missing (tests share one build).
 * @example ensureRunnerBuilt()
 */
export function ensureRunnerBuilt(): void {
  if (!existsSync(RUNNER_ENTRY)) execFileSync('pnpm', ['--filter', '@nbrun/runner', 'build'], { cwd: REPO, stdio: 'ignore' });
}

/** A running (or finished) container. */
export interface ContainerRun {
  readonly logFile: string;
  /** Resolves with the exit code (128 + signal number when killed by one). */
  readonly exited: Promise<number>;
  exitCode?: number;
  readonly startedAt: string;
  finishedAt?: string;
  /** SIGTERM, then SIGKILL after `graceMs` (what the kubelet does on delete). */
  terminate(graceMs: number): Promise<number>;
  /** The log so far. */
  log(): Promise<string>;
  /** SIGTERM to every process of the container (what a pod's deletion reaches in the end), then waits until all are gone. */
  terminateAll(graceMs: number): Promise<void>;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const SIGNALS: Record<string, number> = { SIGTERM: 15, SIGKILL: 9, SIGINT: 2 };

/**
 * Starts a container's command. `command[0] === 'nbrun-runner'` runs the runner's build
 * with node; anything else (e.g. `sh -c …`) runs as given.
 * @example const run = runContainer({ command: ['nbrun-runner'], args: ['--input', url], env: { … }, cwd: dir, logFile })
 */
export function runContainer(spec: { command: string[]; args?: string[]; env: Record<string, string>; cwd: string; logFile: string }): ContainerRun {
  const argv = [...spec.command, ...(spec.args ?? [])];
  if (argv[0] === 'nbrun-runner') argv.splice(0, 1, process.execPath, RUNNER_ENTRY);
  const out = openSync(spec.logFile, 'a');
  // A container sees only its own environment (plus what an image sets: PATH, HOME).
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', ...spec.env };
  const child = spawn(argv[0]!, argv.slice(1), { cwd: spec.cwd, env, stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  const run: ContainerRun = {
    logFile: spec.logFile,
    startedAt: new Date().toISOString(),
    exited: new Promise((resolve) => {
      child.on('error', () => resolve(127));
      child.on('exit', (code, signal) => {
        run.exitCode = code ?? 128 + (SIGNALS[signal ?? ''] ?? 1);
        run.finishedAt = new Date().toISOString();
        resolve(run.exitCode);
      });
    }),
    async terminate(graceMs: number) {
      if (run.exitCode !== undefined) return run.exitCode;
      try {
        process.kill(child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      const code = await run.exited;
      clearTimeout(timer);
      return code;
    },
    log: () => readFile(spec.logFile, 'utf8').catch(() => ''),
    async terminateAll(graceMs: number) {
      const pid = child.pid!;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        return;
      }
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
      while (groupAlive(pid)) await new Promise((r) => setTimeout(r, 50));
    },
  };
  return run;
}
