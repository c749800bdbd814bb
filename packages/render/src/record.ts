/**
 * What a run recorded in the notebook, read defensively (the file may come from anywhere):
 * nbrun's `metadata.nbrun` (run and cells), papermill's `metadata.papermill`, nbclient's
 * `metadata.execution` timestamps. Shown as the header of the page and as marks on cells.
 */
import type { ICell } from '@jupyterlab/nbformat';
import { asRecord, escapeHtml, formatDuration } from './text.js';

/** A run as the page header shows it. */
export interface RunSummary {
  tool: 'nbrun' | 'papermill';
  status?: string;
  startTime?: string;
  endTime?: string;
  /** Seconds. */
  duration?: number;
  kernel?: string;
  parameters?: Record<string, unknown>;
  inputPath?: string;
  failedCell?: { id?: string; index?: number; executionCount?: number | null; ename?: string; evalue?: string };
  error?: string;
  warnings: string[];
}

/** A cell's run as its mark shows it. */
export interface CellRun {
  status?: string;
  /** Seconds. */
  duration?: number;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The run recorded in a notebook's metadata, if any (nbrun's, else papermill's).
 * @example readRunSummary(nb.metadata)?.status // 'failed'
 */
export function readRunSummary(metadata: unknown): RunSummary | undefined {
  const md = asRecord(metadata);
  const nbrun = asRecord(md?.nbrun);
  if (nbrun) {
    const failed = asRecord(nbrun.failed_cell);
    const kernel = asRecord(nbrun.kernel);
    const error = asRecord(nbrun.error);
    return {
      tool: 'nbrun',
      status: str(nbrun.status),
      startTime: str(nbrun.start_time),
      endTime: str(nbrun.end_time),
      duration: num(nbrun.duration),
      kernel: str(kernel?.name),
      parameters: asRecord(nbrun.parameters),
      inputPath: str(nbrun.input_path),
      failedCell: failed
        ? {
            id: str(failed.id),
            index: num(failed.index),
            executionCount: num(failed.execution_count) ?? null,
            ename: str(failed.ename),
            evalue: str(failed.evalue),
          }
        : undefined,
      error: str(error?.message),
      warnings: Array.isArray(nbrun.warnings) ? nbrun.warnings.filter((w): w is string => typeof w === 'string') : [],
    };
  }
  const papermill = asRecord(md?.papermill);
  if (papermill) {
    return {
      tool: 'papermill',
      status: papermill.exception === true ? 'failed' : papermill.end_time ? 'completed' : undefined,
      startTime: str(papermill.start_time),
      endTime: str(papermill.end_time),
      duration: num(papermill.duration),
      parameters: asRecord(papermill.parameters),
      inputPath: str(papermill.input_path),
      warnings: [],
    };
  }
  return undefined;
}

/**
 * A cell's recorded status and duration: nbrun's record, else papermill's, else nbclient's
 * timestamps (execute_input → execute_reply).
 * @example readCellRun(cell)?.duration // 0.012
 */
export function readCellRun(cell: ICell): CellRun | undefined {
  const md = asRecord(cell.metadata);
  const nbrun = asRecord(md?.nbrun);
  if (nbrun) return { status: str(nbrun.status), duration: num(nbrun.duration) };
  const papermill = asRecord(md?.papermill);
  if (papermill) {
    const exception = papermill.exception === true;
    return { status: exception ? 'failed' : str(papermill.status), duration: num(papermill.duration) };
  }
  const execution = asRecord(md?.execution);
  const begin = Date.parse(str(execution?.['iopub.execute_input']) ?? '');
  const end = Date.parse(str(execution?.['shell.execute_reply']) ?? '');
  if (Number.isFinite(begin) && Number.isFinite(end) && end >= begin) return { duration: (end - begin) / 1000 };
  return undefined;
}

/** Status words for people. */
export const STATUS_LABELS: Record<string, string> = {
  completed: 'completed',
  failed: 'failed',
  'timed-out': 'timed out',
  'kernel-died': 'kernel died',
  cancelled: 'cancelled',
  running: 'running',
  pending: 'not run',
  skipped: 'skipped',
};

/** A status as a coloured badge. */
export function badge(status: string): string {
  const cls = /^[a-z-]+$/.test(status) ? ` nb-badge--${status}` : '';
  return `<span class="nb-badge${cls}">${escapeHtml(STATUS_LABELS[status] ?? status)}</span>`;
}

/** `2024-05-01T06:00:03.123Z` → `2024-05-01 06:00:03 UTC` (the same for every reader). */
function formatTime(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function fact(label: string, value: string | undefined): string {
  return value ? `<div><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>` : '';
}

/** A parameter's value as written in JSON (strings quoted), one line when short. */
function parameterText(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const text = JSON.stringify(value);
    return text && text.length > 80 ? JSON.stringify(value, null, 2) : (text ?? String(value));
  } catch {
    return String(value);
  }
}

/**
 * The page header: the run's title, status, times, kernel, failure (linked to the failed cell),
 * parameters and warnings.
 */
export function renderRunHeader(title: string, run: RunSummary | undefined, failedAnchor: string | undefined, failedLabel: string | undefined): string {
  if (!run) return `<header class="nb-run nb-run--plain"><h1>${escapeHtml(title)}</h1></header>`;
  const status = run.status ?? 'running';
  const statusClass = /^[a-z-]+$/.test(status) ? ` nb-run--${status}` : '';
  let html = `<header class="nb-run${statusClass}" aria-label="run summary"><h1>${escapeHtml(title)}</h1>${badge(status)}`;
  html += `<dl class="nb-facts">${fact('Started', formatTime(run.startTime))}${fact('Finished', formatTime(run.endTime))}`;
  html += `${fact('Duration', run.duration !== undefined ? formatDuration(run.duration) : undefined)}${fact('Kernel', run.kernel)}`;
  html += `${fact('Notebook', run.inputPath)}${run.tool === 'nbrun' ? '' : fact('Run by', run.tool)}</dl>`;
  if (run.error || failedAnchor) {
    const failure = run.failedCell?.ename ? `${run.failedCell.ename}: ${run.failedCell.evalue ?? ''}` : (run.error ?? 'the run failed');
    const where = failedAnchor ? ` <a href="#${escapeHtml(failedAnchor)}">Go to ${escapeHtml(failedLabel ?? 'the failed cell')}</a>` : '';
    html += `<p class="nb-failure" role="alert"><strong>${escapeHtml(STATUS_LABELS[status] === 'completed' ? 'Error' : capitalize(STATUS_LABELS[status] ?? status))}:</strong> ${escapeHtml(failure)}.${where}</p>`;
  }
  const params = Object.entries(run.parameters ?? {});
  if (params.length) {
    const rows = params.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(parameterText(v))}</td></tr>`).join('');
    html += `<details class="nb-params" open><summary>Parameters (${params.length})</summary><table>${rows}</table></details>`;
  }
  if (run.warnings.length) html += `<ul class="nb-warnings">${run.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`;
  return `${html}</header>`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
