/**
 * Per-notebook test settings from notebook metadata. nbmake's keys are honoured as nbmake
 * means them; nbrun's own live under `metadata.nbrun.test`:
 *
 * | key                                | meaning                                             |
 * |------------------------------------|-----------------------------------------------------|
 * | `metadata.nbrun.test.skip`         | `true` or a reason: the notebook is not run (SKIP)  |
 * | `metadata.nbrun.test.timeout`      | seconds for the whole notebook (overrides --timeout)|
 * | `metadata.nbrun.test.allow_errors` | cell errors do not fail the notebook                |
 * | `metadata.nbrun.test.kernel`       | kernelspec name (overrides metadata.kernelspec)     |
 * | `metadata.execution.timeout`       | nbmake: seconds per cell (overrides --execution-timeout) |
 * | `metadata.execution.allow_errors`  | nbmake: as `allow_errors` above                     |
 * | `metadata.kernelspec.name`         | the kernel, as for every run                        |
 *
 * `--kernel` on the command line wins over both kernel keys.
 */
import { UsageError, type Notebook } from '@nbrun/core';

export interface NotebookTestSettings {
  /** A reason when the notebook is skipped. */
  skip?: string;
  /** Whole-notebook timeout in seconds. */
  timeoutSec?: number;
  /** Per-cell timeout in seconds. */
  cellTimeoutSec?: number;
  allowErrors?: boolean;
  kernelName?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function seconds(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`metadata ${key} must be a positive number of seconds, got ${JSON.stringify(value)}`);
  }
  return value;
}

function bool(value: unknown, key: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new UsageError(`metadata ${key} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Reads the test settings of a notebook; a UsageError names a malformed key.
 * @example readTestSettings(nb) // { timeoutSec: 30, allowErrors: true }
 */
export function readTestSettings(nb: Notebook): NotebookTestSettings {
  const md = nb.metadata as Record<string, unknown>;
  const execution = isObject(md.execution) ? md.execution : {};
  const nbrun = isObject(md.nbrun) ? md.nbrun : {};
  const test = isObject(nbrun.test) ? nbrun.test : {};
  const settings: NotebookTestSettings = {};
  const skip = test.skip;
  if (skip !== undefined && skip !== null && skip !== false) {
    if (skip === true) settings.skip = '';
    else if (typeof skip === 'string') settings.skip = skip;
    else throw new UsageError(`metadata nbrun.test.skip must be true, false or a reason, got ${JSON.stringify(skip)}`);
  }
  const timeout = seconds(test.timeout, 'nbrun.test.timeout');
  if (timeout !== undefined) settings.timeoutSec = timeout;
  const cellTimeout = seconds(execution.timeout, 'execution.timeout');
  if (cellTimeout !== undefined) settings.cellTimeoutSec = cellTimeout;
  const allow = bool(test.allow_errors, 'nbrun.test.allow_errors') ?? bool(execution.allow_errors, 'execution.allow_errors');
  if (allow !== undefined) settings.allowErrors = allow;
  if (test.kernel !== undefined) {
    if (typeof test.kernel !== 'string' || !test.kernel) {
      throw new UsageError(`metadata nbrun.test.kernel must be a kernelspec name, got ${JSON.stringify(test.kernel)}`);
    }
    settings.kernelName = test.kernel;
  }
  return settings;
}
