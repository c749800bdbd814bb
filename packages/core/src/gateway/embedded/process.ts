/**
 * The kernel's process, as jupyter_client's provisioner holds it: launched from its
 * kernelspec in its own process group, its stderr tail kept (for start errors and deaths,
 * and to see a port taken under it), its exit told once per launch, killed as a group. A
 * launcher that exits 0 may leave the kernel running elsewhere (`detached`): then the
 * process group is what is watched and killed.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { KernelStartError } from '../../errors.js';
import type { KernelSpecInfo } from '../types.js';
import { buildLaunchCommand, OutputTail, spawnKernel } from './launch.js';
import { isProcessGroupAlive, killProcessGroup } from './registry.js';

/** How a kernel process is launched (the kernel's EmbeddedKernelOptions, minus the folders). */
export interface KernelProcessOptions {
  spec: KernelSpecInfo;
  cwd?: string;
  env?: Record<string, string>;
  baseEnv: NodeJS.ProcessEnv;
  python?: string;
  stdio: 'pipe' | 'inherit';
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** What the process tells its kernel, for the current launch only. */
export interface KernelProcessHandlers {
  /** It exited without being asked to (see {@link KernelProcess.expectExit}). */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
  /** Its stderr says a port was taken ("Address already in use"): the line that says so (at each stderr chunk from then on). */
  onPortTaken(line: string): void;
}

const ADDRESS_IN_USE = /Address already in use|EADDRINUSE/;

/**
 * One kernel process at a time (a new launch replaces the last one's exit and stderr).
 * @example
 * const proc = new KernelProcess({ spec, baseEnv: process.env, stdio: 'pipe' });
 * await proc.launch(connectionFile, { onExit: (code) => console.log('exited', code), onPortTaken: () => undefined });
 * proc.expectExit(); proc.kill('SIGKILL'); await proc.waitForExit(3000);
 */
export class KernelProcess {
  private child: ChildProcess | undefined;
  private pid: number | undefined;
  private generation = 0;
  private exited = true;
  private exitExpected = false;
  private exitWaiters: Array<() => void> = [];
  private tail = new OutputTail();
  /** The launcher exited 0: the kernel may run on elsewhere, in its process group. */
  private launcherGone = false;

  constructor(private readonly options: KernelProcessOptions) {}

  /** The process id (the leader of its process group), once launched. */
  get processId(): number | undefined {
    return this.pid;
  }

  /** Whether the launcher exited 0 and left the kernel (maybe) running elsewhere. */
  get detached(): boolean {
    return this.launcherGone;
  }

  /** Spawns the kernel; resolves once the process exists (not once the kernel answers). */
  async launch(connectionFile: string, handlers: KernelProcessHandlers): Promise<void> {
    const { spec } = this.options;
    const cmd = buildLaunchCommand(spec, {
      connectionFile,
      baseEnv: this.options.baseEnv,
      extraEnv: this.options.env,
      python: this.options.python,
    });
    const generation = ++this.generation;
    this.exitExpected = false;
    this.launcherGone = false;
    this.tail = new OutputTail();
    const child = spawnKernel(cmd, { cwd: this.options.cwd, stdio: this.options.stdio });
    this.child = child;
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      const where = spec.resourceDir ? ` (argv of ${join(spec.resourceDir, 'kernel.json')})` : '';
      throw new KernelStartError(
        `cannot launch kernel '${spec.name}': ${cmd.argv[0]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}${where}`,
        { cause: err },
      );
    }
    child.on('error', () => undefined); // kill() failures on an exited process: nothing to do
    this.pid = child.pid;
    this.exited = false;
    const onOutput = this.options.onOutput;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.tail.push(chunk);
      onOutput?.('stderr', chunk);
      if (generation !== this.generation) return;
      const line = this.portTakenLine();
      if (line !== undefined) handlers.onPortTaken(line);
    });
    child.stdout?.on('data', (chunk: Buffer) => onOutput?.('stdout', chunk));
    child.once('exit', (code, signal) => {
      if (generation !== this.generation) return;
      this.exited = true;
      for (const resolve of this.exitWaiters.splice(0)) resolve();
      if (this.exitExpected) return;
      if (code === 0 && signal === null) this.launcherGone = true;
      handlers.onExit(code, signal);
    });
  }

  /** The exit that follows is ours (shutdown, restart, a failed start): not told to onExit. */
  expectExit(): void {
    this.exitExpected = true;
  }

  isAlive(): boolean {
    return this.launcherGone ? isProcessGroupAlive(this.pid) : !this.exited;
  }

  /** Signals the whole process group (the kernel and what it started). */
  kill(signal: NodeJS.Signals): void {
    killProcessGroup(this.pid, signal);
  }

  /** Resolves true once the process (or, detached, its group) is gone; false after `ms`. */
  async waitForExit(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    if (this.launcherGone) {
      while (isProcessGroupAlive(this.pid)) {
        if (Date.now() > deadline) return false;
        await delay(50);
      }
      return true;
    }
    if (this.exited) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Kills the group and lets go of the process: its pipes closed, its waiters released. */
  release(): void {
    this.exitExpected = true;
    killProcessGroup(this.pid, 'SIGKILL');
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    for (const resolve of this.exitWaiters.splice(0)) resolve();
  }

  /** What the kernel wrote on stderr so far (its last 8 KiB). */
  stderr(): string {
    return this.tail.text();
  }

  /** Forgets stderr so far: start-up chatter must not pass for the cause of a later death. */
  forgetStderr(): void {
    this.tail = new OutputTail();
  }

  /** The kernel's last stderr lines, for a start error (what it said before it hung or died). */
  stderrCause(): { cause: Error; kernelStderr: string } | undefined {
    const tail = this.tail.text();
    if (!tail) return undefined;
    const kernelStderr = tail.split('\n').slice(-20).join('\n');
    return { cause: new Error(`kernel stderr:\n${kernelStderr}`), kernelStderr };
  }

  /** The stderr line saying a port was taken, if any. */
  private portTakenLine(): string | undefined {
    const tail = this.tail.text();
    if (!ADDRESS_IN_USE.test(tail)) return undefined;
    return (tail.split('\n').find((l) => ADDRESS_IN_USE.test(l)) ?? '').trim();
  }
}

/** Whether a start failed because a port was taken under the kernel (launching again on new ports may work). */
export function isPortClash(err: unknown): boolean {
  const text = `${(err as Error)?.message} ${((err as Error)?.cause as Error | undefined)?.message ?? ''}`;
  return err instanceof KernelStartError && ADDRESS_IN_USE.test(text);
}

/** "exited with code 1" / "was killed by SIGKILL". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
