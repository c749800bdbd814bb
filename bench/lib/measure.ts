/**
 * Runs a command and measures it from the outside: wall time from spawn to exit, CPU time
 * (GNU time), the peak memory of the main process (its VmHWM) and of the whole process
 * tree (kernel included).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** GNU time (Debian package `time`): its rusage gives the CPU time of the command and the children it waited for. */
const GNU_TIME = '/usr/bin/time';

/** One measured run of a command. */
export interface ProcessSample {
  wallMs: number;
  /** User + system CPU time of the main process and the descendants it reaped (the kernel), ms. */
  cpuMs: number;
  /** User + system CPU time of the main process alone (last /proc sample before it exited; 10 ms ticks), ms. */
  mainCpuMs: number;
  /** Peak resident memory of the main process (VmHWM, last value read before it exited), KiB. */
  mainPeakKb: number;
  /** Largest sampled sum of VmRSS over the main process and all its descendants, KiB. */
  treePeakKb: number;
  exitCode: number | null;
  /** Last few KiB of stderr, for error messages. */
  stderrTail: string;
}

export interface MeasureOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the tree and fail after this long. Default 10 min. */
  timeoutMs?: number;
  /** /proc sampling period. Default 50 ms. */
  sampleEveryMs?: number;
}

/**
 * Raised when a measured command exits non-zero or times out: a benchmark of a failed run means nothing.
 * @example try { await measureProcess(cmd, args) } catch (e) { if (e instanceof MeasuredCommandError) console.error(e.sample.stderrTail) }
 */
export class MeasuredCommandError extends Error {
  constructor(
    readonly command: string,
    readonly sample: ProcessSample,
  ) {
    super(`benchmark command failed (exit ${String(sample.exitCode)}): ${command}\n${sample.stderrTail}`);
    this.name = 'MeasuredCommandError';
  }
}

/**
 * Runs `cmd args` to completion, sampling /proc every `sampleEveryMs`, and rejects if it
 * exits non-zero.
 * @example
 * const s = await measureProcess('/usr/bin/python3', ['bench/nbclient_run.py', 'in.ipynb', 'out.ipynb'])
 * console.log(s.wallMs, s.mainPeakKb)
 */
export async function measureProcess(cmd: string, args: string[], options: MeasureOptions = {}): Promise<ProcessSample> {
  if (!existsSync(GNU_TIME)) throw new Error(`GNU time is missing at ${GNU_TIME}: install it (apt-get install time)`);
  const dir = mkdtempSync(join(tmpdir(), 'nbrun-bench-'));
  const timeFile = join(dir, 'time.txt');
  const started = performance.now();
  // GNU time only adds its own fork+exec (~1 ms) and its tiny RSS, which the tree sum leaves out.
  const child = spawn(GNU_TIME, ['-q', '-o', timeFile, '-f', '%U %S', cmd, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${cmd}`);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const memory = new TreeMemory(pid, true);
  const sampler = setInterval(() => memory.sample(), options.sampleEveryMs ?? 50);
  memory.sample();
  const timeoutMs = options.timeoutMs ?? 600_000;
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    memory.killTree();
  }, timeoutMs);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    // 'exit', not 'close': a leaked kernel holding the stderr pipe must not stretch the time.
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
  });
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  clearTimeout(killer);
  const cpuMs = readCpuMs(timeFile);
  rmSync(dir, { recursive: true, force: true });
  const sample: ProcessSample = {
    wallMs,
    cpuMs,
    mainCpuMs: memory.mainCpuMs,
    mainPeakKb: memory.mainPeakKb,
    treePeakKb: memory.treePeakKb,
    exitCode: timedOut ? null : exitCode,
    stderrTail: timedOut ? `timed out after ${timeoutMs} ms\n${stderr}` : stderr,
  };
  const command = [cmd, ...args].join(' ');
  if (sample.exitCode !== 0) throw new MeasuredCommandError(command, sample);
  return sample;
}

/** GNU time's `%U %S` (seconds) as milliseconds; NaN when it wrote nothing (e.g. killed). */
function readCpuMs(path: string): number {
  try {
    const [user, sys] = readFileSync(path, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return ((user ?? Number.NaN) + (sys ?? Number.NaN)) * 1000;
  } catch {
    return Number.NaN;
  }
}

/**
 * Tracks the peak memory of a process and its descendants by polling /proc. With
 * `wrapped`, the root is a wrapper (GNU time) and the main process is its only child.
 */
class TreeMemory {
  mainPeakKb = 0;
  mainCpuMs = 0;
  treePeakKb = 0;
  private readonly known = new Set<number>();
  private main: number | undefined;

  constructor(
    private readonly root: number,
    private readonly wrapped = false,
  ) {
    if (!wrapped) this.main = root;
  }

  /** One sample: find descendants, read VmHWM of the main process and VmRSS of everyone. */
  sample(): void {
    const tree = descendantsOf(this.root);
    if (!this.wrapped) tree.push(this.root);
    this.main ??= tree[0];
    for (const pid of tree) this.known.add(pid);
    let treeKb = 0;
    for (const pid of this.known) {
      const status = readStatus(pid);
      if (!status) {
        this.known.delete(pid);
        continue;
      }
      treeKb += status.rssKb;
      if (pid === this.main) {
        this.mainPeakKb = Math.max(this.mainPeakKb, status.hwmKb);
        this.mainCpuMs = Math.max(this.mainCpuMs, readCpuTicks(pid) * TICK_MS);
      }
    }
    this.treePeakKb = Math.max(this.treePeakKb, treeKb);
  }

  /** SIGKILLs the root and every descendant seen (used on timeout). */
  killTree(): void {
    for (const pid of [...descendantsOf(this.root), this.root]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

/** Linux reports CPU times in clock ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;

/** utime + stime of a live process in clock ticks, 0 once it is gone. */
function readCpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name: state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Resident memory of a live process, KiB; undefined once it is gone (or a zombie). */
function readStatus(pid: number): { rssKb: number; hwmKb: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = /^VmRSS:\s+(\d+)/m.exec(text);
  const hwm = /^VmHWM:\s+(\d+)/m.exec(text);
  if (!rss || !hwm) return undefined;
  return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) };
}

/** Every live descendant of `root`, from the parent pids in /proc/<pid>/stat. */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name may hold spaces and parentheses: the ppid is the 2nd field after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    for (const child of children.get(stack.pop()!) ?? []) {
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}
