/**
 * Log lines for platform consoles: one line per event, as text for humans or as one
 * JSON object per line for log collectors. Every line goes through the redactor.
 */
import { stripVTControlCharacters } from 'node:util';
import type { Output } from '@nbrun/core';
import type { LogFormat } from './spec.js';
import type { Redactor } from './redact.js';

/** Writes one log line per call. */
export interface Logger {
  /**
   * @param event A stable event name (`job-start`, `cell-start`, `cell-end`, `output`, `job-end`, …).
   * @param text The human line (text format).
   * @param fields Structured fields (JSON format).
   */
  line(event: string, text: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  format: LogFormat;
  write: (line: string) => void;
  redact: Redactor;
  jobId?: string;
}

/**
 * Creates a logger.
 * @example const log = createLogger({ format: 'json', write: (l) => process.stdout.write(l), redact });
 */
export function createLogger(options: LoggerOptions): Logger {
  return {
    line(event, text, fields = {}) {
      const time = new Date().toISOString();
      const out =
        options.format === 'json'
          ? JSON.stringify({ time, event, ...(options.jobId ? { jobId: options.jobId } : {}), ...fields, message: text })
          : `${time} ${text}`;
      options.write(options.redact(out) + '\n');
    },
  };
}

/** Text lines of a kernel output for the console (ANSI colours removed, images named). */
export function outputLines(output: Output): { stream: string; lines: string[] } {
  const o = output as Record<string, unknown>;
  const join = (v: unknown) => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');
  const split = (s: string) => stripVTControlCharacters(s).replace(/\r(?!\n)/g, '\n').replace(/\n$/, '').split('\n');
  switch (o.output_type) {
    case 'stream':
      return { stream: String(o.name ?? 'stdout'), lines: split(join(o.text)) };
    case 'error':
      return {
        stream: 'error',
        lines: split((o.traceback as string[] | undefined)?.join('\n') || `${String(o.ename)}: ${String(o.evalue)}`),
      };
    case 'execute_result':
    case 'display_data': {
      const data = (o.data ?? {}) as Record<string, unknown>;
      if (data['text/plain'] !== undefined) return { stream: 'result', lines: split(join(data['text/plain'])) };
      return { stream: 'result', lines: [`<${String(o.output_type)}: ${Object.keys(data).join(', ')}>`] };
    }
    default:
      return { stream: String(o.output_type), lines: [] };
  }
}

/** `1.23 s` / `250 ms` for durations in log lines. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '?';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
