/**
 * A notebook with a live kernel, for tests: run its cells (all, some, by tag), read
 * values from the kernel as JSON, call its functions, inject code, read cell outputs.
 * Cells run through the core's one-cell executor (`executeCode`), one at a time.
 */
import './dispose.js';
import { dirname, resolve as resolvePath } from 'node:path';
import type { ICell, ICodeCell, IOutput } from '@jupyterlab/nbformat';
import { NbrunError, UsageError, type FailedCell } from '../errors.js';
import type { CellOutcome } from '../execute/cell.js';
import { checkRunOptions } from '../execute/options.js';
import { DisplayRegistry, OutputArea } from '../execute/outputs.js';
import { classifyOutcome, kernelNameFor, KernelSession, raisedError } from '../execute/session.js';
import type { Notebook, RemoteGatewayOptions } from '../execute/types.js';
import type { Gateway, KernelConnection } from '../gateway/types.js';
import { normalizeNotebook, randomCellId, readNotebook, writeNotebook } from '../notebook/index.js';
import { hasTag } from '../record/metadata.js';
import { CellView } from './cell-view.js';
import { NotebookCellError } from './errors.js';
import { evaluationFor, VALUE_MIME, type EvaluationSupport } from './languages.js';
import { resolveCellRef, selectCells, type CellRef, type CellSelection } from './select.js';

export interface OpenNotebookOptions {
  /** Kernelspec name. Default: the notebook's `metadata.kernelspec.name`, else `python3`. */
  kernelName?: string;
  /** A gateway instance, or how to reach a remote one. Default: kernels on this machine. */
  gateway?: Gateway | RemoteGatewayOptions;
  /** Working directory of the kernel. Default: the notebook's folder, else process.cwd(). */
  cwd?: string;
  /** Extra environment for the kernel. */
  env?: Record<string, string>;
  /** Cells to run right after the kernel started. Default: none. */
  execute?: CellSelection | 'none';
  /** Timeout of each cell and each `value()`/`call()`, in ms (the kernel is interrupted). Default: none. */
  timeoutMs?: number;
  /** Kernel start timeout in ms. Default 60 000. */
  startTimeoutMs?: number;
  /** Keep running after a cell error instead of throwing (errors stay in the outputs). Default false. */
  allowErrors?: boolean;
  /** Aborting interrupts the running cell and fails it with a CancelledError. */
  signal?: AbortSignal;
}

/** Options of one `executeCells()` call. */
export interface ExecuteCellsOptions {
  allowErrors?: boolean;
  timeoutMs?: number;
}

/** Where `inject()` puts the code: before or after a cell; the end of the notebook when neither. */
export interface InjectCodeOptions {
  before?: CellRef;
  after?: CellRef;
  /** Run the injected cell at once. Default true. */
  run?: boolean;
}

function sourceOf(cell: ICell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/**
 * Opens a notebook (a path or a notebook object) with a fresh kernel. Always close it:
 * `await using nb = await openNotebook(...)` closes it at the end of the scope, also
 * when a test throws; `await nb.close()` does the same explicitly.
 *
 * @example
 * import { openNotebook } from '@nbrun/core/testing';
 * import { expect, test } from 'vitest';
 *
 * test('double() doubles', async () => {
 *   await using nb = await openNotebook('examples/testing/functions.ipynb', { execute: 'all' });
 *   expect(await nb.call('double', 21)).toBe(42);
 *   expect(nb.cell('report').text).toContain('total: 6');
 * });
 */
export async function openNotebook(input: string | Notebook, options: OpenNotebookOptions = {}): Promise<LiveNotebook> {
  checkRunOptions({
    ...(options.kernelName !== undefined ? { kernelName: options.kernelName } : {}),
    ...(options.timeoutMs !== undefined ? { cellTimeoutMs: options.timeoutMs } : {}),
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.gateway !== undefined ? { gateway: options.gateway } : {}),
  });
  const path = typeof input === 'string' ? resolvePath(input) : undefined;
  const nb = path ? await readNotebook(path) : normalizeNotebook(structuredClone(input), '<notebook>');
  const session = await KernelSession.start({
    kernelName: kernelNameFor(nb, options.kernelName),
    gateway: options.gateway,
    cwd: options.cwd ?? (path ? dirname(path) : process.cwd()),
    env: options.env,
    startTimeoutMs: options.startTimeoutMs,
    signal: options.signal,
  });
  const live = new LiveNotebook(nb, session, options, path);
  if (options.execute !== undefined && options.execute !== 'none') {
    try {
      await live.executeCells(options.execute);
    } catch (err) {
      // The caller never gets the handle: the kernel must not outlive this call.
      await live.close();
      throw err;
    }
  }
  return live;
}

/**
 * A notebook and its running kernel. Made by {@link openNotebook}; methods run one at a
 * time in call order.
 */
export class LiveNotebook implements AsyncDisposable {
  /** The kernel's language (`language_info.name`), e.g. `python`, `R`. */
  readonly language: string;
  /** The live kernel (for advanced use: interrupt, restart). */
  readonly kernel: KernelConnection;
  private readonly displays = new DisplayRegistry();
  private queue: Promise<unknown> = Promise.resolve();
  private closing?: Promise<void>;

  /** @internal Use {@link openNotebook}. */
  constructor(
    /** The notebook, updated as cells run (outputs, execution counts, injected cells). */
    readonly notebook: Notebook,
    private readonly session: KernelSession,
    private readonly options: OpenNotebookOptions,
    /** The notebook's absolute path, when opened from a file. */
    readonly path?: string,
  ) {
    this.kernel = session.kernel;
    this.language = session.language;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Runs every code cell in order; throws a {@link NotebookCellError} at the first failing one. */
  execute(options: ExecuteCellsOptions = {}): Promise<CellView[]> {
    return this.executeCells('all', options);
  }

  /**
   * Runs the selected code cells in notebook order (markdown/raw cells, empty cells and
   * cells tagged `skip-execution` are passed over). Resolves to the cells that ran. A cell
   * that calls `sys.exit()` / `sys.exit(0)` ends the call successfully, as it ends a run.
   * @example await nb.executeCells({ tag: 'setup' }); await nb.executeCells({ from: 2, to: 'plot' });
   */
  executeCells(selection: CellSelection, options: ExecuteCellsOptions = {}): Promise<CellView[]> {
    return this.serialize(async () => {
      const indices = selectCells(this.notebook, selection);
      const cells = indices.map((i) => this.notebook.cells[i]!);
      const ran: CellView[] = [];
      for (const cell of cells) {
        if (cell.cell_type !== 'code' || hasTag(cell, 'skip-execution') || sourceOf(cell).trim() === '') continue;
        const exited = await this.runCell(cell as ICodeCell, options);
        ran.push(new CellView(this.notebook, cell));
        if (exited) break;
      }
      return ran;
    });
  }

  /**
   * A cell by index (negative from the end) or id.
   * @example nb.cell(-1).text; nb.cell('load-data').error
   */
  cell(ref: CellRef): CellView {
    return new CellView(this.notebook, this.notebook.cells[resolveCellRef(this.notebook, ref)]!);
  }

  /** Every cell, in order. */
  get cells(): CellView[] {
    return this.notebook.cells.map((c) => new CellView(this.notebook, c));
  }

  /**
   * Evaluates `expr` in the kernel and resolves to its value as JSON (Python:
   * `json.dumps`; R: `jsonlite::toJSON(auto_unbox = TRUE, digits = NA)`). The
   * notebook is not changed. A failing expression throws a {@link NotebookCellError}.
   * @example expect(await nb.value('len(df)')).toBe(3)
   */
  value<T = unknown>(expr: string): Promise<T> {
    if (typeof expr !== 'string' || !expr.trim()) return Promise.reject(new UsageError('value(expr): expr must be non-empty code'));
    return this.serialize(() => this.evaluate<T>(this.evaluation().valueCode(expr), expr));
  }

  /**
   * Calls a function defined in the kernel with JSON-like arguments (turned into literals
   * of the kernel's language by the parameter translators) and resolves to its result as JSON.
   * @example expect(await nb.call('add', 2, 3)).toBe(5)
   */
  call<T = unknown>(fn: string, ...args: unknown[]): Promise<T> {
    if (typeof fn !== 'string' || !fn.trim()) return Promise.reject(new UsageError('call(fn, ...args): fn must be a function name'));
    return this.serialize(async () => {
      const code = this.evaluation().callCode(fn, args);
      return this.evaluate<T>(code, `${fn}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
    });
  }

  /**
   * Inserts a code cell before or after a cell (default: at the end) and runs it unless
   * `run: false`. Later cells move down by one index; ids and views stay valid.
   * @example const c = await nb.inject('df = df.head(2)', { after: 'load' }); expect(c.error).toBeUndefined();
   */
  inject(code: string, options: InjectCodeOptions = {}): Promise<CellView> {
    return this.serialize(async () => {
      if (typeof code !== 'string') throw new UsageError('inject(code): code must be a string');
      if (options.before !== undefined && options.after !== undefined) {
        throw new UsageError('inject(): give before or after, not both');
      }
      const nb = this.notebook;
      const at =
        options.before !== undefined
          ? resolveCellRef(nb, options.before, 'before')
          : options.after !== undefined
            ? resolveCellRef(nb, options.after, 'after') + 1
            : nb.cells.length;
      const cell: ICodeCell = {
        cell_type: 'code',
        id: randomCellId(),
        metadata: { tags: ['injected'] },
        source: code,
        outputs: [],
        execution_count: null,
      };
      nb.cells.splice(at, 0, cell);
      if (options.run !== false) await this.runCell(cell, {});
      return new CellView(nb, cell);
    });
  }

  /** Writes the notebook as it is now (atomically). */
  save(path: string): Promise<void> {
    return writeNotebook(resolvePath(path), this.notebook);
  }

  /** Shuts the kernel down (and the gateway, when openNotebook made it). Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.session.close();
    return this.closing;
  }

  /** `await using nb = await openNotebook(...)` closes the notebook at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closing) throw new UsageError(`the notebook${this.path ? ` ${this.path}` : ''} is closed`);
      return task();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private evaluation(): EvaluationSupport {
    return evaluationFor(this.language, this.kernel.kernelName);
  }

  private failedCell(cell: ICell, outcome: CellOutcome): FailedCell {
    const id = cell.id as string | undefined;
    return { cellIndex: this.notebook.cells.indexOf(cell), ...(id ? { cellId: id } : {}), executionCount: outcome.executionCount };
  }

  /**
   * Runs one code cell with fresh outputs; throws unless it succeeded (or errors are
   * allowed). Resolves to true when the cell ended with a clean `sys.exit()`.
   */
  private async runCell(cell: ICodeCell, options: ExecuteCellsOptions): Promise<boolean> {
    this.displays.forget(cell.outputs as IOutput[]);
    cell.outputs = [];
    cell.execution_count = null;
    const area = new OutputArea(cell.outputs as IOutput[], this.displays);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const outcome = await this.session.run(sourceOf(cell), area, {
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    cell.execution_count = outcome.executionCount;
    const verdict = classifyOutcome(outcome, {
      at: this.failedCell(cell, outcome),
      allowErrors: options.allowErrors ?? this.options.allowErrors ?? false,
      raisesException: hasTag(cell, 'raises-exception'),
      cellTimeoutMs: timeoutMs,
      inputHint: 'tests cannot answer input()',
    });
    if (verdict.kind === 'stopped') throw verdict.error;
    if (verdict.kind === 'raised') {
      throw new NotebookCellError({
        cell: this.failedCell(cell, outcome),
        ...raisedError(area.outputs, verdict),
        source: sourceOf(cell),
        ...(this.path ? { notebookPath: this.path } : {}),
      });
    }
    return verdict.kind === 'clean-exit';
  }

  /** Runs evaluation code outside the notebook and parses the JSON value it published. */
  private async evaluate<T>(code: string, expression: string): Promise<T> {
    const area = new OutputArea([], new DisplayRegistry());
    const timeoutMs = this.options.timeoutMs;
    const outcome = await this.session.run(code, area, {
      storeHistory: false,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    const at: FailedCell = { cellIndex: -1, executionCount: outcome.executionCount };
    const verdict = classifyOutcome(outcome, { at, cellTimeoutMs: timeoutMs, inputHint: 'tests cannot answer input()' });
    if (verdict.kind === 'stopped') throw verdict.error;
    if (verdict.kind === 'raised') {
      throw new NotebookCellError({
        cell: at, ...raisedError(area.outputs, verdict), source: expression, expression,
        ...(this.path ? { notebookPath: this.path } : {}),
      });
    }
    for (const o of area.outputs) {
      if (o.output_type !== 'display_data') continue;
      const text = (o.data as Record<string, unknown>)[VALUE_MIME];
      if (text === undefined) continue;
      const json = Array.isArray(text) ? text.join('') : String(text);
      try {
        return JSON.parse(json) as T;
      } catch (err) {
        throw new NbrunError('E_INTERNAL', `the kernel answered ${JSON.stringify(expression)} with text that is not JSON: ${json.slice(0, 200)}`, { cause: err });
      }
    }
    throw new NbrunError('E_INTERNAL', `the kernel sent no value for ${JSON.stringify(expression)} (is its display machinery working?)`);
  }
}
