/**
 * Every failure nbrun reports is an {@link NbrunError} with a stable `code`.
 * The CLI and the runner map codes to exit codes ({@link exitCodeFor}) and print
 * `error.message` — one line a user can act on — never a stack trace.
 */

import type { RunResultOf } from './execute/result.js';

/** Stable error codes. Never renamed; new ones may be added. */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_NOTEBOOK_READ'
  | 'E_NOTEBOOK_JSON'
  | 'E_NOTEBOOK_INVALID'
  | 'E_OUTPUT_WRITE'
  | 'E_PARAMETERS'
  | 'E_CELL_ERROR'
  | 'E_KERNEL_DIED'
  | 'E_CELL_TIMEOUT'
  | 'E_RUN_TIMEOUT'
  | 'E_KERNEL_START_TIMEOUT'
  | 'E_KERNEL_NOT_FOUND'
  | 'E_KERNEL_START'
  | 'E_GATEWAY_UNREACHABLE'
  | 'E_GATEWAY_AUTH'
  | 'E_GATEWAY'
  | 'E_CANCELLED'
  | 'E_JOB_SPEC'
  | 'E_BUNDLE'
  | 'E_BACKEND'
  | 'E_BACKEND_AUTH'
  | 'E_JOB_FAILED'
  | 'E_JOB_NOT_FOUND'
  // the scheduler service (@nbrun/scheduler's SchedulerError; the REST API answers with its HTTP status)
  | 'E_INVALID'
  | 'E_NOT_FOUND'
  | 'E_CONFLICT'
  | 'E_TOO_LARGE'
  | 'E_UNAVAILABLE'
  | 'E_INTERNAL';

/**
 * Documented process exit codes, shared by `nbrun` and `nbrun-runner`.
 * (README "Exit codes" lists the same table.)
 */
export const EXIT_CODES = {
  ok: 0,
  cellError: 1,
  usage: 2,
  kernelDied: 3,
  timeout: 4,
  gateway: 5,
  kernelStart: 6,
  io: 7,
  backend: 8,
  internal: 70,
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  E_USAGE: EXIT_CODES.usage,
  E_NOTEBOOK_READ: EXIT_CODES.usage,
  E_NOTEBOOK_JSON: EXIT_CODES.usage,
  E_NOTEBOOK_INVALID: EXIT_CODES.usage,
  E_PARAMETERS: EXIT_CODES.usage,
  E_JOB_SPEC: EXIT_CODES.usage,
  E_BUNDLE: EXIT_CODES.usage,
  E_OUTPUT_WRITE: EXIT_CODES.io,
  E_CELL_ERROR: EXIT_CODES.cellError,
  E_JOB_FAILED: EXIT_CODES.cellError,
  E_KERNEL_DIED: EXIT_CODES.kernelDied,
  E_CELL_TIMEOUT: EXIT_CODES.timeout,
  E_RUN_TIMEOUT: EXIT_CODES.timeout,
  E_KERNEL_START_TIMEOUT: EXIT_CODES.timeout,
  E_KERNEL_NOT_FOUND: EXIT_CODES.kernelStart,
  E_KERNEL_START: EXIT_CODES.kernelStart,
  E_GATEWAY_UNREACHABLE: EXIT_CODES.gateway,
  E_GATEWAY_AUTH: EXIT_CODES.gateway,
  E_GATEWAY: EXIT_CODES.gateway,
  E_BACKEND: EXIT_CODES.backend,
  E_BACKEND_AUTH: EXIT_CODES.backend,
  E_JOB_NOT_FOUND: EXIT_CODES.usage,
  E_INVALID: EXIT_CODES.usage,
  E_NOT_FOUND: EXIT_CODES.usage,
  E_CONFLICT: EXIT_CODES.usage,
  E_TOO_LARGE: EXIT_CODES.usage,
  E_UNAVAILABLE: EXIT_CODES.backend,
  E_CANCELLED: EXIT_CODES.interrupted,
  E_INTERNAL: EXIT_CODES.internal,
};

/**
 * What the user can change to fix an error, named by structure rather than by a surface's
 * syntax: the CLI renders `{ option: 'gatewayToken' }` as `--gateway-token`, the REST API as
 * the field `gatewayToken`. Library messages never name a command-line flag.
 */
export interface ErrorHint {
  /** The option to check or set, camelCase as in the API (`gatewayToken`, `startTimeoutSeconds`). */
  option: string;
}

/** Options every nbrun error takes. */
export interface NbrunErrorOptions {
  cause?: unknown;
  hint?: ErrorHint;
}

/** Base class of every nbrun error: a one-line `message`, a stable `code`, the `cause` kept. */
export class NbrunError extends Error {
  readonly code: ErrorCode;
  /** The option a user should look at, when one is to blame. */
  readonly hint?: ErrorHint;
  /** For errors that end a run: the run as far as it got (partial notebook included). */
  result?: RunResultOf<NbrunError>;
  constructor(code: ErrorCode, message: string, options?: NbrunErrorOptions) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
    this.name = new.target.name;
    if (options?.hint) this.hint = options.hint;
  }
  /** The documented exit code for this error. */
  get exitCode(): number {
    return EXIT_BY_CODE[this.code];
  }
}

/**
 * Maps any thrown value to the documented exit code.
 * @example process.exitCode = exitCodeFor(err)
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof NbrunError) return err.exitCode;
  return EXIT_CODES.internal;
}

/** Bad options, arguments or values given by the caller. */
export class UsageError extends NbrunError {
  constructor(message: string, options?: NbrunErrorOptions) {
    super('E_USAGE', message, options);
  }
}

/** A notebook file could not be read (missing, unreadable). */
export class NotebookReadError extends NbrunError {
  constructor(readonly path: string, message: string, options?: { cause?: unknown }) {
    super('E_NOTEBOOK_READ', message, options);
  }
}

/** A notebook file is not valid JSON; `line`/`column` are 1-based. */
export class NotebookJsonError extends NbrunError {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly column: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('E_NOTEBOOK_JSON', message, options);
  }
}

/** Valid JSON but not a notebook nbrun can run (schema error, nbformat 3, not a notebook). */
export class NotebookFormatError extends NbrunError {
  constructor(
    readonly path: string,
    message: string,
    /** JSON pointer of the failing place, when known (e.g. `/cells/3/source`). */
    readonly instancePath?: string,
    options?: { cause?: unknown },
  ) {
    super('E_NOTEBOOK_INVALID', message, options);
  }
}

/** The executed notebook (or a result file) could not be written. */
export class OutputWriteError extends NbrunError {
  constructor(readonly path: string, message: string, options?: { cause?: unknown }) {
    super('E_OUTPUT_WRITE', message, options);
  }
}

/** Parameters could not be parsed, translated or injected. */
export class ParameterError extends NbrunError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_PARAMETERS', message, options);
  }
}

/** Details of a failing cell, shared by the errors that stop a run inside a cell. */
export interface FailedCell {
  /** Index in `notebook.cells` (0-based). */
  cellIndex: number;
  cellId?: string;
  executionCount?: number | null;
}

/** A cell raised an error (and errors are not allowed). */
export class CellExecutionError extends NbrunError {
  constructor(
    readonly cell: FailedCell,
    readonly ename: string,
    readonly evalue: string,
    readonly traceback: string[],
    message?: string,
  ) {
    super('E_CELL_ERROR', message ?? `cell ${cell.cellIndex} failed: ${ename}: ${firstLine(evalue)}`);
  }
}

/** The kernel process died or stopped answering. */
export class KernelDiedError extends NbrunError {
  constructor(message: string, readonly cell?: FailedCell, options?: { cause?: unknown }) {
    super('E_KERNEL_DIED', message, options);
  }
}

/**
 * A cell ran longer than the per-cell timeout: the kernel was interrupted, and when it did not
 * stop within the grace period (`unresponsiveAfterMs`), it was shut down (killed if it would not exit).
 */
export class CellTimeoutError extends NbrunError {
  constructor(readonly cell: FailedCell, readonly timeoutMs: number, readonly unresponsiveAfterMs?: number) {
    super(
      'E_CELL_TIMEOUT',
      `cell ${cell.cellIndex} timed out after ${timeoutMs / 1000} s ` +
        (unresponsiveAfterMs === undefined
          ? '(kernel interrupted)'
          : `(kernel interrupted; it did not stop within ${unresponsiveAfterMs / 1000} s, so the kernel was shut down)`),
    );
  }
}

/** The whole run took longer than its timeout. */
export class RunTimeoutError extends NbrunError {
  constructor(readonly timeoutMs: number, readonly cell?: FailedCell) {
    super('E_RUN_TIMEOUT', `run timed out after ${timeoutMs / 1000} s`);
  }
}

/** What a kernel start error may carry beside its cause. */
export interface KernelStartErrorOptions {
  cause?: unknown;
  /** The last lines the kernel process wrote to its stderr (embedded kernels). */
  kernelStderr?: string;
}

/**
 * The kernel did not become ready within the start timeout. `waitingFor` names the step
 * that never completed (e.g. "kernel_info_reply on shell").
 */
export class KernelStartTimeoutError extends NbrunError {
  readonly kernelStderr?: string;
  constructor(
    readonly kernelName: string,
    readonly timeoutMs: number,
    options?: KernelStartErrorOptions & { waitingFor?: string },
  ) {
    super(
      'E_KERNEL_START_TIMEOUT',
      `kernel '${kernelName}' did not start within ${timeoutMs / 1000} s ` +
        `(${options?.waitingFor ? `no ${options.waitingFor}; ` : ''}raise startTimeoutMs for slow remote starts)`,
      { cause: options?.cause, hint: { option: 'startTimeoutMs' } },
    );
    if (options?.kernelStderr) this.kernelStderr = options.kernelStderr;
  }
}

/** No kernelspec of that name; `available` lists the names that exist. */
export class KernelNotFoundError extends NbrunError {
  constructor(readonly kernelName: string, readonly available: string[]) {
    super(
      'E_KERNEL_NOT_FOUND',
      `no kernel named '${kernelName}'` +
        (available.length ? ` (available: ${available.join(', ')})` : ' (no kernelspecs found: install a kernel, e.g. ipykernel)'),
    );
  }
}

/** The kernel could not be launched (bad argv, crashed at start, refused by the gateway). */
export class KernelStartError extends NbrunError {
  readonly kernelStderr?: string;
  constructor(message: string, options?: KernelStartErrorOptions) {
    super('E_KERNEL_START', message, { cause: options?.cause });
    if (options?.kernelStderr) this.kernelStderr = options.kernelStderr;
  }
}

/** A gateway could not be reached, refused the credentials, or answered wrongly. */
export class GatewayError extends NbrunError {
  constructor(
    code: 'E_GATEWAY_UNREACHABLE' | 'E_GATEWAY_AUTH' | 'E_GATEWAY',
    message: string,
    readonly status?: number,
    options?: NbrunErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** The run was cancelled (AbortSignal, SIGINT, SIGTERM). */
export class CancelledError extends NbrunError {
  constructor(message = 'run cancelled', readonly cell?: FailedCell, options?: { cause?: unknown }) {
    super('E_CANCELLED', message, options);
  }
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 200 ? line.slice(0, 197) + '...' : line;
}
