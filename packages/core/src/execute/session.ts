/**
 * One execution session: a kernel started on a gateway, code run on it one piece at a
 * time, each outcome classified the same way, and everything released on close. Every
 * way nbrun runs notebook code (`runNotebook`, `streamNotebook`, the testing API) goes
 * through it, so the default kernel name, the meaning of a stopped cell and the
 * `sys.exit(0)` rule are decided here once.
 */
import type { IError, IOutput } from '@jupyterlab/nbformat';
import {
  CancelledError, CellExecutionError, CellTimeoutError, KernelDiedError, NbrunError, RunTimeoutError, type FailedCell,
} from '../errors.js';
import { resolveGateway } from '../gateway/resolve.js';
import { NATIVE_KERNEL_NAME, type Gateway, type KernelConnection } from '../gateway/types.js';
import { executeCode, INTERRUPT_GRACE_MS, MessageRouter, type CellOutcome, type ExecuteCodeOptions } from './cell.js';
import type { OutputArea } from './outputs.js';
import type { Notebook, RemoteGatewayOptions } from './types.js';

/**
 * The kernel a notebook runs on: the one asked for, else the notebook's
 * `metadata.kernelspec.name`, else `python3` (jupyter_client's native kernel).
 * @example kernelNameFor(nb) // 'ir' for an R notebook
 */
export function kernelNameFor(nb: Notebook, explicit?: string): string {
  return explicit ?? (nb.metadata.kernelspec as { name?: string } | undefined)?.name ?? NATIVE_KERNEL_NAME;
}

export interface KernelSessionOptions {
  kernelName: string;
  /** A gateway instance, or how to reach a remote one. Default: the embedded gateway. */
  gateway?: Gateway | RemoteGatewayOptions | undefined;
  cwd: string;
  env?: Record<string, string> | undefined;
  /** Default 60 000. */
  startTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * A started kernel and the router of its messages. Close it (idempotent): the kernel is
 * shut down, and the gateway too when the session made it.
 * @example
 * const session = await KernelSession.start({ kernelName: 'python3', cwd: process.cwd() });
 * try { const outcome = await session.run('1 + 1', area); } finally { await session.close(); }
 */
export class KernelSession {
  readonly router: MessageRouter;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly kernel: KernelConnection,
    private readonly ownedGateway: Gateway | undefined,
  ) {
    this.router = new MessageRouter(kernel);
  }

  /** Starts a kernel; a gateway made for it is disposed again when the start fails. */
  static async start(options: KernelSessionOptions): Promise<KernelSession> {
    const { gateway, owned } = resolveGateway(options.gateway);
    try {
      const kernel = await gateway.startKernel({
        kernelName: options.kernelName,
        cwd: options.cwd,
        ...(options.env ? { env: options.env } : {}),
        startTimeoutMs: options.startTimeoutMs ?? 60_000,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return new KernelSession(kernel, owned ? gateway : undefined);
    } catch (err) {
      if (owned) await gateway.dispose().catch(() => undefined);
      throw err;
    }
  }

  /** The kernel's language: `language_info.name`, else (some kernels leave it empty) the kernelspec's. */
  get language(): string {
    return this.kernel.info.language_info?.name || this.kernel.spec.language;
  }

  /** Runs code and resolves to its outcome (never rejects for the code's own errors; classify with {@link classifyOutcome}). */
  run(source: string, area: OutputArea, options: ExecuteCodeOptions = {}): Promise<CellOutcome> {
    return executeCode(this.router, source, area, options);
  }

  /** Shuts the kernel down (and the gateway the session made). Idempotent; never rejects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.router.dispose();
      await this.kernel.shutdown().catch(() => undefined);
      if (this.ownedGateway) await this.ownedGateway.dispose().catch(() => undefined);
    })();
    return this.closing;
  }
}

/** What a finished piece of code means for whoever ran it. */
export type CellVerdict =
  /** It ran to its end; `failed` when it raised and errors are allowed (or it is a `raises-exception` cell: `completed`). */
  | { kind: 'done'; status: 'completed' | 'failed' }
  /** `sys.exit()` / `sys.exit(0)`: papermill's contract — the run ends early, successfully. */
  | { kind: 'clean-exit' }
  /** nbrun stopped it (timeout, cancel, kernel death, an input nobody answers): the error and an output saying why. */
  | { kind: 'stopped'; status: 'failed' | 'timed-out' | 'cancelled'; error: NbrunError; output: IError }
  /** The code raised (or the kernel aborted it) and errors are not allowed: the caller builds its error from these. */
  | { kind: 'raised'; ename: string; evalue: string; traceback: string[] };

export interface ClassifyOptions {
  /** Where the code ran; `cellIndex` -1 for code outside the notebook (an evaluation). */
  at: FailedCell;
  /** Errors the code raises do not stop anything. */
  allowErrors?: boolean;
  /** The cell expects to raise (tag `raises-exception`). */
  raisesException?: boolean;
  cellTimeoutMs?: number | undefined;
  runTimeoutMs?: number | undefined;
  /** How the user could have answered an `input()` call, for the message. */
  inputHint?: string;
}

/** A synthetic error output telling the reader why nbrun stopped a cell. */
export function stopOutput(ename: string, evalue: string): IError {
  return { output_type: 'error', ename, evalue, traceback: [`${ename}: ${evalue}`] };
}

/** `sys.exit()` / `sys.exit(0)`: a SystemExit with an empty or zero code. */
export function isCleanExit(outcome: CellOutcome): boolean {
  const r = outcome.reply;
  return r?.status === 'error' && r.ename === 'SystemExit' && (r.evalue === '' || r.evalue === '0' || r.evalue === 'None');
}

/**
 * The one reading of an outcome: stopped by nbrun, a clean `sys.exit`, raised, or done.
 * @example const v = classifyOutcome(outcome, { at: { cellIndex: 3, executionCount: 4 } }); if (v.kind === 'stopped') throw v.error;
 */
export function classifyOutcome(outcome: CellOutcome, options: ClassifyOptions): CellVerdict {
  const at = options.at;
  const where = at.cellIndex >= 0 ? `cell ${at.cellIndex}` : 'an evaluation';
  const why = outcome.interruption;
  if (why) {
    switch (why.kind) {
      case 'timeout': {
        const e = new CellTimeoutError(at, options.cellTimeoutMs ?? 0, outcome.unresponsive ? INTERRUPT_GRACE_MS : undefined);
        return { kind: 'stopped', status: 'timed-out', error: e, output: stopOutput('CellTimeoutError', e.message) };
      }
      case 'run-timeout': {
        const e = new RunTimeoutError(options.runTimeoutMs ?? 0, at);
        return { kind: 'stopped', status: 'timed-out', error: e, output: stopOutput('RunTimeoutError', e.message) };
      }
      case 'cancelled': {
        const e = new CancelledError(`run cancelled during ${where}`, at);
        return { kind: 'stopped', status: 'cancelled', error: e, output: stopOutput('Cancelled', e.message) };
      }
      case 'kernel-died': {
        const detail = [why.death.reason, why.death.signal ? `signal ${why.death.signal}` : '', why.death.exitCode != null ? `exit code ${why.death.exitCode}` : '']
          .filter(Boolean)
          .join(', ');
        const e = new KernelDiedError(`kernel died while running ${where}${detail ? ` (${detail})` : ''}`, at);
        return { kind: 'stopped', status: 'failed', error: e, output: stopOutput('DeadKernelError', e.message) };
      }
      case 'input-exhausted': {
        const msg = `${where} asked for input (${JSON.stringify(why.prompt)}) but no answer was left${options.inputHint ? `: ${options.inputHint}` : ''}`;
        const e = new CellExecutionError(at, 'StdinNotAvailable', msg, [], msg);
        return { kind: 'stopped', status: 'failed', error: e, output: stopOutput('StdinNotAvailable', msg) };
      }
    }
  }
  if (isCleanExit(outcome)) return { kind: 'clean-exit' };
  const reply = outcome.reply;
  if (reply?.status === 'error') {
    if (options.raisesException) return { kind: 'done', status: 'completed' };
    if (options.allowErrors) return { kind: 'done', status: 'failed' };
    return { kind: 'raised', ename: reply.ename ?? 'Error', evalue: reply.evalue ?? '', traceback: reply.traceback ?? [] };
  }
  if (reply?.status === 'aborted') {
    return { kind: 'raised', ename: 'Aborted', evalue: 'the kernel aborted the execution request', traceback: [] };
  }
  return { kind: 'done', status: 'completed' };
}

/** The error output of an area, else the reply's fields: what a failed cell raised. */
export function raisedError(outputs: readonly IOutput[], verdict: { ename: string; evalue: string; traceback: string[] }) {
  const out = outputs.find((o) => o.output_type === 'error');
  return {
    ename: String(out?.ename ?? verdict.ename),
    evalue: String(out?.evalue ?? verdict.evalue),
    traceback: (out?.traceback as string[] | undefined) ?? verdict.traceback,
  };
}
