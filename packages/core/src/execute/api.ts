/**
 * The public ways to run a notebook: as a promise (`runNotebook`) or as a stream of
 * typed events (`streamNotebook`). Both take an AbortSignal through `options.signal`.
 * `executeNotebook` is the deprecated third way, kept as an alias for one release.
 */
import { executeRun } from './run.js';
import type { Notebook, RunEvent, RunOptions, RunResult } from './types.js';

/**
 * Runs a notebook (a path or a notebook object) and resolves to the executed notebook
 * and a result. On failure it rejects with an {@link NbrunError} whose `result` holds
 * the partial run — the output file, when `outputPath` is given, is written first.
 *
 * @example
 * import { runNotebook } from '@nbrun/core';
 * const { notebook, status } = await runNotebook('analysis.ipynb', {
 *   outputPath: 'analysis.out.ipynb',
 *   parameters: { alpha: 0.5 },
 *   cellTimeoutMs: 600_000,
 * });
 */
export async function runNotebook(input: string | Notebook, options: RunOptions = {}): Promise<RunResult> {
  const result = await executeRun(input, options, () => undefined);
  if (result.error) throw result.error;
  return result;
}

/**
 * The same run as {@link runNotebook}, as an async iterable of typed events: run-start,
 * kernel-ready, cell-start, output, cell-end, warning, saved, run-end (whose `result`
 * carries `error` when the run failed). `run-end` comes once the executed notebook is final
 * and written, while the kernel shuts down; the loop ends when the kernel's process is gone.
 * Breaking out of the loop cancels the run.
 *
 * @example
 * for await (const ev of streamNotebook('nb.ipynb', { outputPath: 'out.ipynb' })) {
 *   if (ev.type === 'cell-end') console.log(`cell ${ev.index}: ${ev.status} in ${ev.durationMs} ms`);
 * }
 */
export async function* streamNotebook(input: string | Notebook, options: RunOptions = {}): AsyncGenerator<RunEvent, RunResult> {
  const queue: RunEvent[] = [];
  let wake: (() => void) | undefined;
  const controller = new AbortController();
  const outer = options.signal;
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  let done = false;
  let failure: unknown;
  const run = executeRun(input, { ...options, signal: controller.signal }, (ev) => {
    queue.push(ev);
    wake?.();
  }).then(
    (r) => {
      done = true;
      wake?.();
      return r;
    },
    (err: unknown) => {
      done = true;
      failure = err;
      wake?.();
      return undefined;
    },
  );
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (done) break;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
    const result = await run;
    if (!result) throw failure;
    return result;
  } finally {
    outer?.removeEventListener('abort', onOuter);
    if (!done) {
      controller.abort();
      await run;
    }
  }
}

/**
 * Runs a notebook, reporting each event to `emit`, and resolves to the result also when
 * the run failed (`result.error`).
 * @deprecated Use {@link streamNotebook} (events; its return value and the `run-end`
 * event carry the result, with `error` when the run failed) or {@link runNotebook}
 * (rejects with the error, whose `result` holds the run). Removed in the next release.
 * @example
 * // before: const result = await executeNotebook(nb, options, onEvent);
 * const result = await runNotebook(nb, options).catch((err) => err.result ?? Promise.reject(err));
 */
export function executeNotebook(input: string | Notebook, options: RunOptions, emit: (event: RunEvent) => void = () => undefined): Promise<RunResult> {
  return executeRun(input, options, emit);
}
