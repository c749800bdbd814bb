/**
 * No orphan kernels: a Node process that started a kernel and then dies — by a signal it
 * does not handle, by SIGKILL, or by exiting without shutting the kernel down — leaves no
 * kernel process behind and no connection file.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const host = fileURLToPath(new URL('../fixtures/kernels/orphan-host.ts', import.meta.url));

/** Pids of live (non-zombie) processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(text) && !isZombie(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone while scanning
    }
  }
  return pids;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** Starts the host process and resolves once its kernel is up. */
async function startHost(mode: 'wait' | 'exit' | 'shutdown') {
  const child = spawn(process.execPath, ['--import', 'tsx', host, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`orphan host exited with code ${code} before starting its kernel`)));
  });
  const kernel = JSON.parse(first) as { pid: number; connectionFile: string };
  return { child, exited, kernel, lines };
}

describe('embedded kernels outlive no parent', () => {
  it.each([
    // SIGTERM/SIGINT with no handler of the host's own: the registry kills the kernels, then the signal proceeds.
    { how: 'SIGTERM', mode: 'wait', within: 3000 },
    { how: 'SIGINT', mode: 'wait', within: 3000 },
    // SIGKILL runs no code in the host: ipykernel notices its parent is gone (JPY_PARENT_PID) within ~1 s.
    { how: 'SIGKILL', mode: 'wait', within: 5000 },
    // process.exit() without shutdown (the host does it on SIGUSR2): the 'exit' handler kills the kernel synchronously.
    { how: 'exit', mode: 'exit', within: 3000 },
  ] as const)('a host ended by $how leaves no kernel process and no connection file', async ({ how, mode, within }) => {
    const { child, exited, kernel } = await startHost(mode);
    expect(processesMentioning(kernel.connectionFile)).toContain(kernel.pid);
    child.kill(how === 'exit' ? 'SIGUSR2' : how);
    await exited;
    const gone = await waitUntil(() => processesMentioning(kernel.connectionFile).length === 0, within);
    expect(processesMentioning(kernel.connectionFile)).toEqual([]);
    expect(gone).toBe(true);
    // SIGKILL leaves the file (nothing ran in the host); every other way removes it.
    if (how !== 'SIGKILL') expect(existsSync(kernel.connectionFile)).toBe(false);
    rmSync(kernel.connectionFile, { force: true });
  });

  it('a host that shut its kernel down ends on its own: no socket, timer or handler is left behind', async () => {
    const { child, exited, kernel, lines } = await startHost('shutdown');
    const after = JSON.parse(await new Promise<string>((resolve) => lines.once('line', resolve)));
    expect(after).toEqual({ live: 0, listenersAdded: 0 });
    const code = await Promise.race([
      exited.then(() => child.exitCode),
      new Promise<string>((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000)),
    ]);
    child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(processesMentioning(kernel.connectionFile)).toEqual([]);
    expect(existsSync(kernel.connectionFile)).toBe(false);
  });
});
