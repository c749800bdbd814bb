/**
 * One run: read → validate/upgrade → parameterize → execute → write. This file only
 * orchestrates; cells are executed by `cell.ts`, outputs built by `outputs.ts`,
 * bookkeeping done by `record/`.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import type { ICell, ICodeCell, IOutput } from '@jupyterlab/nbformat';
import {
  CancelledError, CellExecutionError, NbrunError, NotebookFormatError, RunTimeoutError,
  UsageError, type FailedCell,
} from '../errors.js';
import { normalizeNotebook, readNotebook, writeNotebook, writeNotebookSync } from '../notebook/index.js';
import { injectParameters } from '../parameters/index.js';
import { findLoneSurrogate } from '../parameters/values.js';
import { injectBeforeStart } from './prepare.js';
import { Autosaver } from '../record/autosave.js';
import { onExitSave } from '../record/exit-save.js';
import {
  hasTag, insertErrorMarkers, recordCell, recordNotebook, resetForRun, type NotebookRecord,
} from '../record/metadata.js';
import { VERSION } from '../version.js';
import type { CellOutcome } from './cell.js';
import { classifyOutcome, kernelNameFor, KernelSession, stopOutput } from './session.js';
import { DisplayRegistry, OutputArea, readBackSpilled } from './outputs.js';
import { SpillFile } from '../record/spill.js';
import { WidgetManager } from './widgets.js';
import type { CellResult, Notebook, RunEvent, RunOptions, RunResult, RunStatus } from './types.js';
import { checkRunOptions } from './options.js';
import { checkOutputWritable } from './output-check.js';
import { setLongTimeout } from '../timers.js';

function sourceOf(cell: ICell): string {
  return typeof cell.source === 'string' ? cell.source : cell.source.join('');
}

function nowIso(): string {
  return new Date().toISOString();
}

/**
 * Executes a notebook and reports every step through `emit`. Resolves to the result
 * (also when the run failed: then `result.error` is set). Throws only for problems
 * found before the run starts (bad options, unreadable notebook). Internal: the public
 * ways in are `runNotebook` and `streamNotebook`.
 */
export async function executeRun(
  input: string | Notebook,
  options: RunOptions,
  emit: (event: RunEvent) => void,
): Promise<RunResult> {
  checkRunOptions(options);
  const inputPath = typeof input === 'string' ? resolvePath(input) : options.inputPath;
  // What the lenient reader repaired is said once, as a warning of the run.
  const readWarnings: string[] = [];
  const onWarning = (message: string) => void readWarnings.push(message);
  const nb: Notebook =
    typeof input === 'string'
      ? await readNotebook(inputPath!, { onWarning })
      : normalizeNotebook(structuredClone(input), options.inputPath ?? '<notebook>', { onWarning });
  const outputPath = options.outputPath ? resolvePath(options.outputPath) : undefined;
  const kernelName = kernelNameFor(nb, options.kernelName);
  const cwd = options.cwd ?? (inputPath ? dirname(inputPath) : process.cwd());
  const parameters = options.parameters ?? {};
  const warnings: string[] = [];
  const warn = (code: string, message: string) => {
    if (warnings.includes(message)) return;
    warnings.push(message);
    emit({ type: 'warning', code, message });
  };

  checkWellFormed(nb, inputPath ?? '<notebook>', options.inputs);
  resetForRun(nb);
  // As papermill: parameters are written before the kernel starts, so a value its language cannot hold fails now.
  const early = options.parameters ? await injectBeforeStart(nb, parameters, kernelName, options.gateway, options.signal) : undefined;
  // An OUTPUT that cannot be written is found now, not after every cell has run.
  if (outputPath) await checkOutputWritable(outputPath);
  const startedAt = nowIso();
  const t0 = performance.now();
  const record: NotebookRecord = {
    version: VERSION,
    status: 'running',
    start_time: startedAt,
    kernel: { name: kernelName },
    parameters,
    ...(inputPath ? { input_path: inputPath } : {}),
    ...(outputPath ? { output_path: outputPath } : {}),
  };
  recordNotebook(nb, record);

  // Cancellation: the caller's signal and the whole-run timeout both abort `runAbort`.
  const runAbort = new AbortController();
  let abortKind: 'cancelled' | 'run-timeout' = 'cancelled';
  const onCallerAbort = () => {
    abortKind = 'cancelled';
    runAbort.abort();
  };
  if (options.signal?.aborted) onCallerAbort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const runTimer =
    options.runTimeoutMs !== undefined
      ? setLongTimeout(() => {
          abortKind = 'run-timeout';
          runAbort.abort();
        }, options.runTimeoutMs)
      : undefined;

  // Large stream outputs go to a temporary file when the run writes to one: memory stays flat.
  const spill = outputPath ? new SpillFile() : undefined;
  // The run's widget models (saved into metadata.widgets with every save).
  let widgets: WidgetManager | undefined;
  // The autosave in flight: the run waits for it before its last write, so no save (and no `saved` event) comes after.
  let autosaving: Promise<void> | undefined;
  const autosaver = outputPath
    ? new Autosaver(
        options.autosaveIntervalMs ?? 5000,
        () => {
          widgets?.save(nb.metadata as Record<string, unknown>);
          autosaving = writeNotebook(outputPath, nb).then(() => emit({ type: 'saved', path: outputPath }));
          return autosaving;
        },
        (err) => warn('output', `autosave failed: ${err instanceof Error ? err.message : String(err)}`),
      )
    : undefined;

  const cells: CellResult[] = nb.cells.map((c, index) => ({
    index,
    ...(c.id ? { id: c.id as string } : {}),
    status: c.cell_type === 'code' ? 'pending' : 'skipped',
    executionCount: null,
  }));
  let status: RunStatus = 'completed';
  let error: NbrunError | undefined;
  let failedCell: number | undefined;
  let session: KernelSession | undefined;
  // Set once the record and markers say how the run ended; until then an exit marks it cancelled.
  let finalized = false;
  let offExitSave: (() => void) | undefined;
  function markExited(): void {
    const running = cells.find((c) => c.status === 'running');
    const message = running
      ? `run cancelled during cell ${running.index}: the process exited before the run ended`
      : (error?.message ?? 'run cancelled: the process exited before the run ended');
    if (running) {
      const cell = nb.cells[running.index]!;
      (cell as ICodeCell).outputs.push(stopOutput('Cancelled', message));
      running.status = 'cancelled';
      recordCell(cell, { status: 'cancelled', start_time: running.startedAt ?? startedAt, end_time: nowIso() });
    }
    record.status = error && !running ? status : 'cancelled';
    record.end_time = nowIso();
    record.duration = (performance.now() - t0) / 1000;
    record.error = error && !running ? { code: error.code, message: error.message } : { code: 'E_CANCELLED', message };
    const at = running?.index ?? failedCell;
    if (at !== undefined) {
      const fc = nb.cells[at];
      const index = insertErrorMarkers(nb, at, message);
      record.failed_cell = { index, ...(fc?.id ? { id: fc.id as string } : {}), execution_count: cells[at]?.executionCount ?? null };
    }
  }

  emit({
    type: 'run-start',
    kernelName,
    cellCount: nb.cells.length,
    codeCellCount: nb.cells.filter((c) => c.cell_type === 'code').length,
  });
  for (const message of readWarnings) warn('notebook', message);

  try {
    if (runAbort.signal.aborted) throw abortError(abortKind, options.runTimeoutMs);
    session = await KernelSession.start({
      kernelName, gateway: options.gateway, cwd, env: options.env, startTimeoutMs: options.startTimeoutMs, signal: runAbort.signal,
    });
    const kernel = session.kernel;
    const language = session.language;
    record.kernel = { name: kernelName, language, implementation: kernel.info.implementation };
    (nb.metadata as Record<string, unknown>).language_info = kernel.info.language_info;
    if (!nb.metadata.kernelspec) {
      nb.metadata.kernelspec = { name: kernelName, display_name: kernel.spec.displayName, language: kernel.spec.language };
    }
    emit({ type: 'kernel-ready', kernelName, language, implementation: kernel.info.implementation });
    kernel.onNotice((n) => warn(n.code, n.message));

    if (options.parameters) {
      const injected = injectParameters(nb, parameters, { language, kernelName });
      if (early && early.translator !== injected.translator) {
        warn('parameters', `parameters were written in ${injected.translator.language}, the kernel's language (the notebook's metadata said ${early.translator.language})`);
      }
      nb.cells = injected.notebook.cells;
      cells.splice(injected.injectedIndex, 0, { index: injected.injectedIndex, status: 'pending', executionCount: null });
      cells.forEach((c, i) => {
        c.index = i;
        const id = nb.cells[i]?.id;
        if (id) c.id = id as string;
      });
      if (!injected.hadParametersCell) {
        warn('parameters', 'the notebook has no cell tagged "parameters": parameters were injected at the top');
      } else if (injected.undeclared?.length) {
        warn('parameters', `parameters not defined in the "parameters" cell (injected anyway): ${injected.undeclared.join(', ')}`);
      }
    }

    const router = session.router;
    const displays = new DisplayRegistry();
    widgets = new WidgetManager((outputs) => new OutputArea(outputs, displays));
    const areasByMsg = new Map<string, OutputArea>();
    // Output that arrives after its cell ended (a thread, a late flush) still belongs to that cell.
    router.late = (msg, parent) => {
      const area = parent ? areasByMsg.get(parent) : undefined;
      if (area && msg.channel === 'iopub' && area.handle(msg)) autosaver?.markDirty();
    };
    autosaver?.start();
    // The process may exit before the run ends (a second signal): the last save then says so.
    if (outputPath) {
      offExitSave = onExitSave(() => {
        if (!finalized) markExited();
        writeNotebookSync(outputPath, nb);
      });
    }
    // Answers are consumed as cells ask; the caller's array stays as it was.
    const inputs = options.inputs ? [...options.inputs] : undefined;

    for (let index = 0; index < nb.cells.length; index++) {
      const cell = nb.cells[index]!;
      if (cell.cell_type !== 'code') continue;
      const result = cells[index]!;
      const source = sourceOf(cell);
      if (hasTag(cell, 'skip-execution') || source.trim() === '') {
        result.status = 'skipped';
        continue;
      }
      if (runAbort.signal.aborted) throw abortError(abortKind, options.runTimeoutMs);
      const code = cell as ICodeCell;
      const area = new OutputArea(code.outputs as IOutput[], displays, undefined, widgets, spill);
      const startTime = nowIso();
      const c0 = performance.now();
      result.status = 'running';
      result.startedAt = startTime;
      recordCell(cell, { status: 'running', start_time: startTime });
      emit({ type: 'cell-start', index, ...(result.id ? { id: result.id } : {}), source });

      const outcome: CellOutcome = await session.run(source, area, {
        ...(options.cellTimeoutMs !== undefined ? { timeoutMs: options.cellTimeoutMs } : {}),
        ...(inputs ? { inputs } : {}),
        signal: runAbort.signal,
        abortKind: () => abortKind,
        onOutput: (output, appended) => {
          autosaver?.markDirty();
          emit({ type: 'output', index, output, ...(appended !== undefined ? { text: appended } : {}) });
        },
        onMessage: (msg) => {
          const id = msg.parent_header.msg_id;
          if (id && !areasByMsg.has(id)) areasByMsg.set(id, area);
        },
      });
      const endTime = nowIso();
      const durationMs = performance.now() - c0;
      code.execution_count = outcome.executionCount;
      result.executionCount = outcome.executionCount;
      result.endedAt = endTime;
      result.durationMs = durationMs;

      const at: FailedCell = { cellIndex: index, ...(cell.id ? { cellId: cell.id as string } : {}), executionCount: outcome.executionCount };
      const verdict = classifyOutcome(outcome, {
        at,
        ...(options.allowErrors ? { allowErrors: true } : {}),
        raisesException: hasTag(cell, 'raises-exception'),
        cellTimeoutMs: options.cellTimeoutMs,
        runTimeoutMs: options.runTimeoutMs,
        inputHint: 'pass one with --input (API: inputs)',
      });
      const cellStatus = verdict.kind === 'stopped' ? verdict.status : verdict.kind === 'done' ? verdict.status : verdict.kind === 'raised' ? 'failed' : 'completed';
      result.status = cellStatus;
      recordCell(cell, { status: cellStatus, start_time: startTime, end_time: endTime, duration: durationMs / 1000 }, outcome.timestamps);
      emit({
        type: 'cell-end', index, ...(result.id ? { id: result.id } : {}), status: cellStatus,
        executionCount: outcome.executionCount, durationMs,
      });
      autosaver?.markDirty();
      if (verdict.kind === 'stopped') {
        code.outputs.push(verdict.output);
        throw verdict.error;
      }
      if (verdict.kind === 'raised') throw new CellExecutionError(at, verdict.ename, verdict.evalue, verdict.traceback);
      if (verdict.kind === 'clean-exit') {
        // papermill's contract: sys.exit(0) / sys.exit() ends the run early, successfully.
        for (const later of cells.slice(index + 1)) if (later.status === 'pending') later.status = 'skipped';
        warn('exit', `cell ${index} called sys.exit(${outcome.reply?.evalue ?? ''}): the remaining cells were not run`);
        break;
      }
      await autosaver?.maybeSave();
    }
  } catch (err) {
    error = err instanceof NbrunError ? err : new NbrunError('E_INTERNAL', `internal error: ${String(err)}`, { cause: err });
    // The run timeout may fire while the kernel starts: the start reports a cancellation, the run a timeout.
    if (error.code === 'E_CANCELLED' && (abortKind as string) === 'run-timeout' && runAbort.signal.aborted) {
      error = new RunTimeoutError(options.runTimeoutMs ?? 0, (error as { cell?: FailedCell }).cell);
    }
    status = statusFor(error);
    const cell = (error as { cell?: FailedCell }).cell;
    if (cell) failedCell = cell.cellIndex;
  } finally {
    options.signal?.removeEventListener('abort', onCallerAbort);
    runTimer?.clear();
    autosaver?.stop();
    await autosaving?.catch(() => undefined);
    // Nothing the kernel sends from here goes into the notebook (as once it is shut down): the
    // result is final, written and reported (`run-end`) before the kernel's process exits — its
    // interpreter teardown takes a few hundred ms; the run still resolves only once it is gone.
    session?.router.dispose();
  }
  try {
    widgets?.save(nb.metadata as Record<string, unknown>);

    const endedAt = nowIso();
    const durationMs = performance.now() - t0;
    record.status = status;
    record.end_time = endedAt;
    record.duration = durationMs / 1000;
    if (warnings.length) record.warnings = warnings;
    if (error) record.error = { code: error.code, message: error.message };
    if (failedCell !== undefined) {
      const fc = nb.cells[failedCell];
      const ce = error instanceof CellExecutionError ? error : undefined;
      const newIndex = insertErrorMarkers(nb, failedCell, error!.message);
      record.failed_cell = {
        index: newIndex,
        ...(fc?.id ? { id: fc.id as string } : {}),
        execution_count: cells[failedCell]?.executionCount ?? null,
        ...(ce ? { ename: ce.ename, evalue: ce.evalue } : {}),
      };
    }

    finalized = true;

    const result: RunResult = {
      status,
      notebook: nb,
      kernelName,
      startedAt,
      endedAt,
      durationMs,
      cells,
      parameters,
      ...(inputPath ? { inputPath } : {}),
      ...(failedCell !== undefined ? { failedCell } : {}),
      ...(error ? { error } : {}),
      warnings,
    };
    if (error) error.result = result;
    // Nothing ran (no kernel: unknown kernel, failed start, unreachable gateway): an existing OUTPUT stays as it was.
    if (outputPath && session) {
      try {
        await writeNotebook(outputPath, nb);
        result.outputPath = outputPath;
        emit({ type: 'saved', path: outputPath });
      } catch (err) {
        const writeError = err instanceof NbrunError ? err : new NbrunError('E_OUTPUT_WRITE', String(err), { cause: err });
        writeError.result = result;
        if (!result.error) {
          result.error = writeError;
          result.status = 'failed';
        }
      }
    }
    offExitSave?.();
    if (spill) {
      readBackSpilled(nb, options.largeOutputs !== 'file');
      spill.close();
    }
    emit({ type: 'run-end', result });
    return result;
  } finally {
    await session?.close();
  }
}

/**
 * Refuses text no kernel can receive: a lone surrogate (valid JSON `"\\ud800"`, not Unicode)
 * in a code cell or an input answer. Sent anyway, ipykernel failed on it and never replied (a hang).
 */
function checkWellFormed(nb: Notebook, where: string, inputs: readonly string[] | undefined): void {
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    const source = sourceOf(cell);
    const at = findLoneSurrogate(source);
    if (at < 0) return;
    const line = source.slice(0, at).split('\n').length;
    const unit = source.charCodeAt(at).toString(16).toUpperCase();
    throw new NotebookFormatError(
      where,
      `${where}: cell ${index}'s source holds a lone surrogate U+${unit} on line ${line} (half of a UTF-16 pair, not text a kernel can run)`,
      `/cells/${index}/source`,
    );
  });
  inputs?.forEach((answer, i) => {
    const at = typeof answer === 'string' ? findLoneSurrogate(answer) : -1;
    if (at >= 0) throw new UsageError(`option inputs[${i}] holds a lone surrogate U+${answer.charCodeAt(at).toString(16).toUpperCase()} at index ${at}`);
  });
}

function abortError(kind: 'cancelled' | 'run-timeout', runTimeoutMs: number | undefined): NbrunError {
  return kind === 'run-timeout' ? new RunTimeoutError(runTimeoutMs ?? 0) : new CancelledError();
}

function statusFor(error: NbrunError): RunStatus {
  switch (error.code) {
    case 'E_CELL_TIMEOUT':
    case 'E_RUN_TIMEOUT':
    case 'E_KERNEL_START_TIMEOUT':
      return 'timed-out';
    case 'E_KERNEL_DIED':
      return 'kernel-died';
    case 'E_CANCELLED':
      return 'cancelled';
    default:
      return 'failed';
  }
}
