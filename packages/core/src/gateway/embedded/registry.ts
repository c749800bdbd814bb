/**
 * No orphans: every live embedded kernel is registered here. On process 'exit' their
 * process groups are SIGKILLed and their connection files unlinked, synchronously. On
 * SIGINT/SIGTERM/SIGHUP, when nobody else listens for the signal, the same is done and
 * the signal re-raised (so the default behaviour — dying — is kept).
 */
import { unlinkSync } from 'node:fs';

/** What the registry needs of a kernel to clean up after it. */
export interface RegisteredKernel {
  /** Kills the kernel's process group and unlinks its connection file, synchronously. */
  killSync(): void;
  /** Graceful shutdown. */
  shutdown(): Promise<void>;
}

const live = new Set<RegisteredKernel>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

/** Adds a kernel to the registry (installs the exit and signal handlers on first use). */
export function registerKernel(kernel: RegisteredKernel): void {
  live.add(kernel);
  if (!installed) {
    installed = true;
    process.on('exit', killAllKernelsSync);
    for (const sig of SIGNALS) process.on(sig, onSignal);
  }
}

/** Removes a kernel (removes the handlers when none is left, so nothing stays installed). */
export function unregisterKernel(kernel: RegisteredKernel): void {
  live.delete(kernel);
  if (installed && live.size === 0) {
    installed = false;
    process.off('exit', killAllKernelsSync);
    for (const sig of SIGNALS) process.off(sig, onSignal);
  }
}

/** How many embedded kernels are live in this process. */
export function liveKernelCount(): number {
  return live.size;
}

/**
 * Shuts down every live embedded kernel (gracefully, in parallel); for signal handlers.
 * @example process.on('SIGTERM', () => void shutdownAllKernels().then(() => process.exit(143)))
 */
export async function shutdownAllKernels(): Promise<void> {
  await Promise.allSettled([...live].map((k) => k.shutdown()));
}

function killAllKernelsSync(): void {
  for (const k of [...live]) {
    try {
      k.killSync();
    } catch {
      // best effort at exit: one failure must not spare the others
    }
  }
  live.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  // Someone else (the CLI) handles this signal: it will shut the kernels down itself.
  if (process.listenerCount(sig) > 1) return;
  killAllKernelsSync();
  unregisterAll();
  process.kill(process.pid, sig);
}

function unregisterAll(): void {
  installed = false;
  process.off('exit', killAllKernelsSync);
  for (const sig of SIGNALS) process.off(sig, onSignal);
}

/**
 * Kills a kernel's process group (kernels are spawned as group leaders), ignoring "no such
 * process". Never falls back to the bare pid: once the group is gone, that pid may be reused.
 */
export function killProcessGroup(pid: number | undefined, signal: NodeJS.Signals): boolean {
  if (!pid) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether any process of the group is still alive. */
export function isProcessGroupAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Unlinks a file, ignoring errors (already gone). */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already removed
  }
}
