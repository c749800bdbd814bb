/**
 * Public types of a run: options, events, result.
 */
import type { IOutput } from '@jupyterlab/nbformat';
import type { NbrunError } from '../errors.js';
import type { Gateway, GatewayNotice } from '../gateway/types.js';
import type { CellStatus, RunResultOf } from './result.js';

export type { CellResult, CellStatus, Notebook, RunStatus } from './result.js';
export type Output = IOutput;

/** How to reach a remote gateway (Jupyter Server, Kernel Gateway, Enterprise Gateway). */
export interface RemoteGatewayOptions {
  /** Base URL, e.g. `http://127.0.0.1:8888`. */
  url: string;
  /** Token sent as `Authorization: token …`. Never logged. */
  token?: string;
  /** Extra HTTP headers sent on every request and the WebSocket upgrade. */
  headers?: Record<string, string>;
  /** `KERNEL_*` variables for the start request (added to those found in the environment). */
  kernelEnv?: Record<string, string>;
  /** Milliseconds to wait for a (possibly minutes-long) remote kernel start. Default 10 min. */
  requestTimeoutMs?: number;
}

export interface RunOptions {
  /** Kernelspec name. Default: the notebook's `metadata.kernelspec.name`, else `python3`. */
  kernelName?: string;
  /** A gateway instance, or how to reach a remote one. Default: the embedded gateway. */
  gateway?: Gateway | RemoteGatewayOptions;
  /** Working directory of the kernel. Default: the input notebook's folder, else process.cwd(). */
  cwd?: string;
  /** Extra environment for the kernel. */
  env?: Record<string, string>;
  /** Per-cell timeout in ms (the kernel is interrupted, the run fails). Default: none. */
  cellTimeoutMs?: number;
  /** Kernel start timeout in ms. Default 60 000. */
  startTimeoutMs?: number;
  /** Whole-run timeout in ms. Default: none. */
  runTimeoutMs?: number;
  /** Keep going after a cell error (errors stay in the outputs). Default false. */
  allowErrors?: boolean;
  /** Parameters to inject (papermill contract). */
  parameters?: Record<string, unknown>;
  /** Answers for `input()` calls, used in order. Without them an input request fails its cell. */
  inputs?: string[];
  /**
   * Where the executed notebook is written (atomically, also during the run). Checked before
   * the kernel starts; left untouched when no kernel started (nothing ran).
   */
  outputPath?: string;
  /**
   * Where the text of a large stream output (over 1 MiB) is kept while a run writes to
   * `outputPath`: in a temporary file (deleted when the run ends, freed by the system on any
   * exit), so memory does not grow with the output. 'memory' (default) reads it back into
   * `result.notebook` when the run ends; 'file' leaves it only in the notebook written to
   * `outputPath` (in `result.notebook` such an output's `text` says so) — the CLI and the
   * runner use 'file'. Without `outputPath`, every output stays in memory.
   */
  largeOutputs?: 'memory' | 'file';
  /** Minimum ms between autosaves while running. Default 5000; 0 saves after every cell. */
  autosaveIntervalMs?: number;
  /** Path of the input notebook, recorded in metadata (set automatically when input is a path). */
  inputPath?: string;
  signal?: AbortSignal;
}

/** The result of a run: `error` is the {@link NbrunError} that ended it, if one did. */
export type RunResult = RunResultOf<NbrunError>;

export type RunEvent =
  | { type: 'run-start'; kernelName: string; cellCount: number; codeCellCount: number }
  | { type: 'kernel-ready'; kernelName: string; language: string; implementation: string }
  | { type: 'cell-start'; index: number; id?: string; source: string }
  /**
   * `text`: for a stream message, the text it added (merged into `output`, whose `text` holds
   * everything so far — and reads back what was spilled to disk: print `text`, not `output.text`).
   */
  | { type: 'output'; index: number; output: Output; text?: string }
  | { type: 'cell-end'; index: number; id?: string; status: CellStatus; executionCount: number | null; durationMs: number }
  | { type: 'warning'; code: GatewayNotice['code'] | 'parameters' | 'output' | string; message: string }
  /** OUTPUT was written: after every autosave during the run, and once more at its end. */
  | { type: 'saved'; path: string }
  | { type: 'run-end'; result: RunResult };
