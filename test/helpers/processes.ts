/**
 * Finding the processes a test started, by a marker in their environment: kernels
 * inherit the environment of the nbrun process that launched them, so a unique
 * `NBRUN_TEST_MARKER` finds every kernel of one run — and only those, on a machine
 * where other runs start kernels too.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export const MARKER_VAR = 'NBRUN_TEST_MARKER';

/** A fresh marker value for one test. */
export function newMarker(): string {
  return `nbrun-test-${randomBytes(6).toString('hex')}`;
}

export interface MarkedProcess {
  pid: number;
  cmdline: string;
}

/**
 * Live processes whose environment holds `NBRUN_TEST_MARKER=<marker>` (zombies excluded).
 * @example expect(findMarkedProcesses(marker)).toEqual([])
 */
export function findMarkedProcesses(marker: string, exceptPids: number[] = []): MarkedProcess[] {
  const needle = `${MARKER_VAR}=${marker}`;
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || exceptPids.includes(pid)) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (!environ.includes(needle)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // Field 3 (after the parenthesised name) is the state; Z = zombie, already dead.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid, cmdline });
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found;
}

/** Marked processes that look like kernels (ipykernel, IRkernel). */
export function findMarkedKernels(marker: string): MarkedProcess[] {
  return findMarkedProcesses(marker).filter((p) => /ipykernel|IRkernel|kernel.*\.json/.test(p.cmdline));
}

/**
 * Polls until `check()` returns true or `ms` elapse; resolves to the last value.
 * For waiting on process exits, never for asserting durations.
 */
export async function pollUntil(check: () => boolean, ms = 10_000, every = 100): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, every));
  }
}
