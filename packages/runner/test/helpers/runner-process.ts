/**
 * Runs `nbrun-runner` as a real process: from source (`node --import tsx src/bin.ts`)
 * or a built bundle, with its own env and cwd, and collects stdout/stderr/exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const RUNNER_SRC = join(REPO_ROOT, 'packages/runner/src/bin.ts');
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** tsx's loader by absolute URL: the runner's cwd is a temp dir where `--import tsx` would not resolve. */
const TSX_LOADER = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface RunnerRun {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when a stdout line matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export interface SpawnRunnerOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A built bundle to run with plain `node` instead of the source. */
  bundle?: string;
  /** Use only `env`, nothing inherited from the test process. */
  isolatedEnv?: boolean;
}

const created: string[] = [];
const children: ChildProcess[] = [];

// Each test file imports this module afresh: a runner left by a failed test is killed
// (its kernel goes with it: the runner's exit hook), and the temp dirs are removed.
afterAll(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** A fresh temp dir for one test (removed after the test file). */
export function tempDir(prefix = 'nbrun-runner-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/**
 * Environment for the runner: PATH etc. from this process, none of the job variables a
 * developer's shell might carry, Debian's Jupyter paths so `python3` is ipykernel's.
 */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['NBRUN_JOB_SPEC', 'MODEL_DIR', 'RESULT_DIR', 'NBRUN_WORK_DIR', 'NBRUN_S3_ENDPOINT', 'AWS_ENDPOINT_URL', 'NODE_OPTIONS']) delete env[k];
  return { ...env, ...extra };
}

/**
 * Starts the runner.
 * @example const run = spawnRunner(['--spec', 'job.json']); const { code } = await run.done;
 */
export function spawnRunner(args: string[], options: SpawnRunnerOptions = {}): RunnerRun {
  const argv = options.bundle ? [options.bundle, ...args] : ['--import', TSX_LOADER, RUNNER_SRC, ...args];
  const env = options.isolatedEnv
    ? { ...options.env }
    : baseEnv({
        ...(options.bundle ? {} : { TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json') }),
        ...options.env,
      });
  const child = spawn(process.execPath, argv, { cwd: options.cwd ?? tempDir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const line = out.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForLine(pattern, timeoutMs = 60_000) {
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
        waiters.push({ pattern, resolve: (l) => (clearTimeout(t), resolve(l)) });
        void done.then(() => {
          clearTimeout(t);
          reject(new Error(`runner exited before a line matching ${pattern}:\n${out}\n${err}`));
        });
      });
    },
    done,
  };
}
