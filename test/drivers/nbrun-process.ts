/**
 * Runs `nbrun` as a real, separate process (as a user's next shell command would), so the
 * job commands are tested from a process that did not submit the job.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface NbrunOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `nbrun ARGS` in a new process and resolves when it exits.
 * @example const { code, stdout } = await nbrun(['status', id], { NBRUN_STATE_DIR: dir })
 */
export function nbrun(args: string[], env: NodeJS.ProcessEnv = {}, cwd = REPO_ROOT): Promise<NbrunOutcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${REPO_ROOT}packages/cli/src/bin.ts`, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`.
 * @example await until(async () => (await job.status()).state === 'running' || undefined)
 */
export async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
