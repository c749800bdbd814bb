/** One reading of a finished cell, for every way nbrun runs code: table-driven, no kernel. */
import { describe, expect, it } from 'vitest';
import { CancelledError, CellExecutionError, CellTimeoutError, KernelDiedError, RunTimeoutError, type Notebook } from '@nbrun/core';
import { classifyOutcome, kernelNameFor, type CellOutcome, type ClassifyOptions } from '@nbrun/core/kernel';

const at = { cellIndex: 3, cellId: 'c3', executionCount: 4 };
const ok: CellOutcome = { reply: { status: 'ok', execution_count: 4 } as never, executionCount: 4, timestamps: {} };
const raised = (ename: string, evalue: string): CellOutcome => ({
  reply: { status: 'error', execution_count: 4, ename, evalue, traceback: [`${ename}: ${evalue}`] } as never, executionCount: 4, timestamps: {},
});
const stopped = (interruption: CellOutcome['interruption'], unresponsive = false): CellOutcome => ({ executionCount: null, timestamps: {}, interruption, ...(unresponsive ? { unresponsive } : {}) });

describe('classifyOutcome', () => {
  const cases: Array<{ name: string; outcome: CellOutcome; options?: Partial<ClassifyOptions>; kind: string; status?: string; error?: unknown; message?: RegExp }> = [
    { name: 'a reply ok', outcome: ok, kind: 'done', status: 'completed' },
    { name: 'an error', outcome: raised('NameError', "name 'x' is not defined"), kind: 'raised' },
    { name: 'an error, errors allowed', outcome: raised('NameError', 'x'), options: { allowErrors: true }, kind: 'done', status: 'failed' },
    { name: 'an error in a raises-exception cell', outcome: raised('ValueError', 'x'), options: { raisesException: true }, kind: 'done', status: 'completed' },
    { name: 'sys.exit()', outcome: raised('SystemExit', ''), kind: 'clean-exit' },
    { name: 'sys.exit(0)', outcome: raised('SystemExit', '0'), kind: 'clean-exit' },
    { name: 'sys.exit(None)', outcome: raised('SystemExit', 'None'), kind: 'clean-exit' },
    { name: 'sys.exit(1)', outcome: raised('SystemExit', '1'), kind: 'raised' },
    { name: 'an aborted request', outcome: { reply: { status: 'aborted' } as never, executionCount: null, timestamps: {} }, options: { allowErrors: true }, kind: 'raised' },
    { name: 'a cell timeout', outcome: stopped({ kind: 'timeout' }), options: { cellTimeoutMs: 1500 }, kind: 'stopped', status: 'timed-out', error: CellTimeoutError },
    { name: 'a cell timeout the kernel ignored', outcome: stopped({ kind: 'timeout' }, true), options: { cellTimeoutMs: 1500 }, kind: 'stopped', status: 'timed-out', error: CellTimeoutError, message: /shut down/ },
    { name: 'the run timeout', outcome: stopped({ kind: 'run-timeout' }), options: { runTimeoutMs: 9000 }, kind: 'stopped', status: 'timed-out', error: RunTimeoutError },
    { name: 'a cancel', outcome: stopped({ kind: 'cancelled' }), kind: 'stopped', status: 'cancelled', error: CancelledError, message: /^run cancelled during cell 3$/ },
    { name: 'a cancel of an evaluation', outcome: stopped({ kind: 'cancelled' }), options: { at: { cellIndex: -1, executionCount: null } }, kind: 'stopped', status: 'cancelled', error: CancelledError, message: /during an evaluation/ },
    { name: 'a dead kernel', outcome: stopped({ kind: 'kernel-died', death: { reason: 'killed', signal: 'SIGKILL', exitCode: null } }), kind: 'stopped', status: 'failed', error: KernelDiedError, message: /^kernel died while running cell 3 \(killed, signal SIGKILL\)$/ },
    { name: 'an input nobody answers', outcome: stopped({ kind: 'input-exhausted', prompt: 'name?' }), options: { inputHint: 'pass inputs' }, kind: 'stopped', status: 'failed', error: CellExecutionError, message: /^cell 3 asked for input \("name\?"\) but no answer was left: pass inputs$/ },
  ];
  it.each(cases)('$name → $kind', ({ outcome, options, kind, status, error, message }) => {
    const verdict = classifyOutcome(outcome, { at, ...options });
    expect(verdict.kind).toBe(kind);
    if (status) expect((verdict as { status: string }).status).toBe(status);
    if (verdict.kind === 'stopped') {
      expect(verdict.error).toBeInstanceOf(error as never);
      if (message) expect(verdict.error.message).toMatch(message);
      expect(verdict.output).toMatchObject({ output_type: 'error', evalue: verdict.error.message });
    }
  });
});

describe('kernelNameFor', () => {
  const nb = (kernelspec?: object) => ({ nbformat: 4, nbformat_minor: 5, metadata: kernelspec ? { kernelspec } : {}, cells: [] }) as unknown as Notebook;
  it.each([
    { name: 'the one asked for', notebook: nb({ name: 'ir' }), explicit: 'julia-1.9', expected: 'julia-1.9' },
    { name: "the notebook's", notebook: nb({ name: 'ir', display_name: 'R' }), explicit: undefined, expected: 'ir' },
    { name: 'python3 without either', notebook: nb(), explicit: undefined, expected: 'python3' },
  ])('$name', ({ notebook, explicit, expected }) => {
    expect(kernelNameFor(notebook, explicit)).toBe(expected);
  });
});
