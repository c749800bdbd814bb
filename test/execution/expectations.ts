/**
 * What each output fixture must produce, checked on the executed notebook. Shared by
 * the API tests (outputs.test.ts) and the CLI tests (cli.test.ts), on both gateways.
 * Every value is what the kernel really emits for the fixture's source (cross-checked
 * with nbclient in test/differential), so a check fails when nbrun drops, reorders,
 * merges wrongly or rewrites an output.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Notebook, Output } from '@nbrun/core';
import {
  cellById, countOf, fixturePath, joined, joinMultiline, outputsOf, readNotebookJson, sourceOf, streamText, summarize,
} from '../helpers/notebooks.js';

/** The 2x1 PNG (red, blue) whose base64 the rich-display fixture decodes and displays. */
export const FIXTURE_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR42mP4zwAE/wEHAAH/PX2MSQAAAABJRU5ErkJggg==';

export interface OutputCase {
  fixture: string;
  check(nb: Notebook): void;
}

const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';

/** The saved widget models (metadata.widgets), checked to be in the version 2.0 format. */
function widgetState(nb: Notebook): Record<string, Record<string, unknown>> {
  const saved = (nb.metadata as { widgets?: Record<string, { version_major: number; version_minor: number; state: Record<string, Record<string, unknown>> }> })
    .widgets?.['application/vnd.jupyter.widget-state+json'];
  expect(saved, 'metadata.widgets holds the widget state').toMatchObject({ version_major: 2, version_minor: 0 });
  return saved!.state;
}

function data(o: Output | undefined): Record<string, unknown> {
  return ((o as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>;
}

function metadata(o: Output | undefined): Record<string, unknown> {
  return ((o as { metadata?: Record<string, unknown> } | undefined)?.metadata ?? {}) as Record<string, unknown>;
}

/** Every code cell of the fixture ran, in order, with counts 1..n (cells listed by id). */
function expectCounts(nb: Notebook, ids: string[], counts: (number | null)[]): void {
  expect(ids.map((id) => countOf(nb, id))).toEqual(counts);
}

function expectNoErrors(nb: Notebook): void {
  const errors = nb.cells.flatMap((c) => (c.cell_type === 'code' ? ((c.outputs ?? []) as Output[]) : []))
    .filter((o) => o.output_type === 'error');
  expect(errors).toEqual([]);
}

/** Cells that are not code, and metadata of other tools, are exactly those of the input. */
function expectPassThrough(nb: Notebook, fixture: string): void {
  const input = joinMultiline(readNotebookJson(fixturePath(fixture)));
  for (const cell of input.cells) {
    const out = cellById(nb, cell.id as string);
    if (cell.cell_type === 'code') {
      expect(sourceOf(out)).toBe(sourceOf(cell));
      // Every metadata key of the input survives (nbrun adds its own `nbrun`/`execution`).
      for (const [k, v] of Object.entries(cell.metadata)) expect((out.metadata as Record<string, unknown>)[k], k).toEqual(v);
      continue;
    }
    expect(out).toEqual(cell);
  }
  for (const [k, v] of Object.entries(input.metadata)) {
    // language_info is refreshed from the kernel, as nbclient does.
    if (k === 'language_info') continue;
    expect((nb.metadata as Record<string, unknown>)[k], `notebook metadata ${k}`).toEqual(v);
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export const OUTPUT_CASES: OutputCase[] = [
  {
    fixture: 'basics.ipynb',
    check(nb) {
      expectCounts(nb, range(5).map((i) => `basics-${i + 1}`), [1, 2, 3, 4, 5]);
      expect(summarize(outputsOf(nb, 'basics-1'))).toEqual(['stream:stdout:hello from nbrun\n']);
      expect(outputsOf(nb, 'basics-2')).toEqual([
        { output_type: 'execute_result', execution_count: 2, data: { 'text/plain': '2' }, metadata: {} },
      ]);
      expect(outputsOf(nb, 'basics-3')).toEqual([]);
      expect(summarize(outputsOf(nb, 'basics-4'))).toEqual(['execute_result:44']);
      // Three prints, one merged stream output (as JupyterLab stores them).
      expect(summarize(outputsOf(nb, 'basics-5'))).toEqual(['stream:stdout:0\n1\n2\n']);
      expectPassThrough(nb, 'basics.ipynb');
    },
  },
  {
    fixture: 'magics.ipynb',
    check(nb) {
      expectNoErrors(nb);
      expectCounts(nb, range(20).map((i) => `magics-${i + 1}`), range(20).map((i) => i + 1));
      const out = (i: number) => streamText(nb, `magics-${i}`);
      expect(out(2)).toMatch(/^\/.*nbrun-magics-[\w]+\n$/); // %cd prints the new folder
      expect(out(3)).toBe('True\n');
      expect(out(4)).toMatch(/^CPU times: .+\nWall time: .+\n$/);
      expect(out(5)).toMatch(/^144\nCPU times: .+\nWall time: .+\n$/);
      expect(out(6)).toBe('env: NBRUN_MAGIC_VAR=from-env-magic\n');
      expect(summarize(outputsOf(nb, 'magics-7'))).toEqual(["execute_result:'from-env-magic'"]);
      expect(out(8)).toBe('Writing nbrun-written.txt\n');
      expect(summarize(outputsOf(nb, 'magics-9'))).toEqual(['stream:stdout:bash sees from-env-magic\nwritten by writefile\n']);
      // `!cmd` runs under a pty, whose line endings are \r\n: kept verbatim.
      expect(out(10)).toBe('shell escape\r\nnbrun-written.txt\r\n');
      expect(summarize(outputsOf(nb, 'magics-11'))).toEqual(["execute_result:['nbrun-written.txt']"]);
      expect(outputsOf(nb, 'magics-12')).toEqual([]);
      expect(out(13)).toBe('captured, not shown\n');
      expect(out(14)).toMatch(/^pip \d+\.\d+(\.\d+)? from .+\(python 3\.\d+\)\r?\n/);
      expect(data(outputsOf(nb, 'magics-15')[0])).toEqual({
        'text/html': '<b>bold from %%html</b>\n', 'text/plain': '<IPython.core.display.HTML object>',
      });
      expect(data(outputsOf(nb, 'magics-16')[0])['application/javascript']).toBe('console.log("from %%javascript")\n');
      expect(data(outputsOf(nb, 'magics-17')[0])['text/latex']).toBe('\\begin{equation}\\alpha^2 + \\beta^2\\end{equation}\n');
      expect(data(outputsOf(nb, 'magics-18')[0])['text/markdown']).toBe('**bold from %%markdown**\n');
      expect(summarize(outputsOf(nb, 'magics-19'))).toEqual(["execute_result:['workdir']"]);
      expect(outputsOf(nb, 'magics-20')).toEqual([]);
    },
  },
  {
    fixture: 'rich-display.ipynb',
    check(nb) {
      expectNoErrors(nb);
      const o = (i: number) => outputsOf(nb, `rich-display-${i}`);
      expect(o(1)).toEqual([{ output_type: 'display_data', data: { 'text/html': '<i>italic html</i>', 'text/plain': '<IPython.core.display.HTML object>' }, metadata: {} }]);
      expect(data(o(2)[0])['text/markdown']).toBe('**bold markdown**');
      expect(data(o(3)[0])['text/latex']).toBe('$\\alpha + \\beta$');
      expect(data(o(4)[0])['application/json']).toEqual({ numbers: [1, 2, 3], nested: { ok: true, none: null } });
      expect(metadata(o(4)[0])).toEqual({ 'application/json': { expanded: false, root: 'root' } });
      // The PNG arrives byte for byte, with its width/height metadata.
      const png = joined(data(o(5)[0])['image/png']).trim();
      expect(png).toBe(FIXTURE_PNG_BASE64);
      const bytes = Buffer.from(png, 'base64');
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([2, 1]);
      expect(metadata(o(5)[0])).toEqual({ 'image/png': { width: 20, height: 10 } });
      expect(o(6)).toHaveLength(1);
      expect(o(6)[0]!.output_type).toBe('execute_result');
      expect(joined(data(o(6)[0])['image/svg+xml'])).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg".*<circle .*<\/svg>$/);
      expect(o(7)).toEqual([{
        output_type: 'display_data',
        data: { 'application/vnd.nbrun.test+json': { answer: 42 }, 'text/plain': 'custom bundle' },
        metadata: { 'application/vnd.nbrun.test+json': { source: 'fixture' } },
      }]);
      expect(data(o(8)[0])['text/html']).toBe("<div class='card'>card</div>");
      expect(data(o(8)[0])['text/plain']).toMatch(/^<__main__\.Card at 0x[0-9a-f]+>$/);
      expect(data(o(9)[0])).toEqual({ 'text/plain': 'bundle as text', 'text/html': '<p>bundle as html</p>' });
      expect(summarize(o(10))).toEqual([
        'display_data:1', "display_data:'two'", 'display_data:<IPython.core.display.HTML object>',
        'display_data:<IPython.core.display.Markdown object>',
      ]);
    },
  },
  {
    fixture: 'display-update.ipynb',
    check(nb) {
      expectNoErrors(nb);
      // The update made in cell 3 shows in the earlier cell 1; cell 3 itself stays empty.
      expect(outputsOf(nb, 'display-update-1')).toEqual([{
        output_type: 'display_data',
        data: { 'text/markdown': 'version 2', 'text/plain': '<IPython.core.display.Markdown object>' },
        metadata: {},
      }]);
      expect(streamText(nb, 'display-update-2')).toBe('a cell in between\n');
      expect(outputsOf(nb, 'display-update-3')).toEqual([]);
      // One display id shown in two cells: update_display reaches both.
      expect(summarize(outputsOf(nb, 'display-update-4'))).toEqual(["display_data:'updated everywhere'"]);
      expect(summarize(outputsOf(nb, 'display-update-5'))).toEqual(["display_data:'updated everywhere'"]);
      expect(outputsOf(nb, 'display-update-6')).toEqual([]);
      expect(summarize(outputsOf(nb, 'display-update-7'))).toEqual(["display_data:'after update'"]);
      expect(outputsOf(nb, 'display-update-8')).toEqual([]);
      // transient display ids are not part of nbformat outputs.
      expect(JSON.stringify(nb.cells)).not.toContain('transient');
    },
  },
  {
    fixture: 'clear-output.ipynb',
    check(nb) {
      expectNoErrors(nb);
      const s = (i: number) => summarize(outputsOf(nb, `clear-output-${i}`));
      expect(s(1)).toEqual(['stream:stdout:kept\n']);
      expect(s(2)).toEqual(['stream:stdout:new\n']); // wait=True: cleared when "new" arrived
      expect(s(3)).toEqual(['stream:stdout:stays\n']); // wait=True and nothing after: nothing cleared
      expect(s(4)).toEqual(['stream:stdout:step 2\n']);
      expect(s(5)).toEqual(["display_data:'displayed after wait'"]);
      expect(s(6)).toEqual([]); // an update after clear_output does not resurrect the display
      expect(s(7)).toEqual(['stream:stdout:earlier cell output\n']); // clear_output never reaches other cells
      expect(s(8)).toEqual([]);
    },
  },
  {
    fixture: 'stdout-stderr-interleaved.ipynb',
    check(nb) {
      const s = (i: number) => summarize(outputsOf(nb, `stdout-stderr-interleaved-${i}`));
      expect(s(1)).toEqual(['stream:stdout:out 1\n', 'stream:stderr:err 1\n', 'stream:stdout:out 2\n', 'stream:stderr:err 2\n']);
      expect(s(2)).toEqual(['stream:stdout:a\nb\nc\n']);
      expect(s(3)).toEqual(['stream:stdout:line 0\nline 1\nline 2\n']); // three messages, merged
      expect(s(4)).toEqual(['stream:stderr:only stderr\n', 'execute_result:12']);
      expect(s(5)).toEqual(['stream:stdout:no newline at end continued\n']);
    },
  },
  {
    fixture: 'progress-carriage-return.ipynb',
    check(nb) {
      const s = (i: number) => summarize(outputsOf(nb, `progress-carriage-return-${i}`));
      // \r and \b are kept verbatim, as nbclient and nbformat store them.
      expect(s(1)).toEqual(['stream:stdout:\rprogress   0%\rprogress  25%\rprogress  50%\rprogress  75%\rprogress 100%\n']);
      expect(s(2)).toEqual(['stream:stdout:abc\b\bXY\n']);
      expect(s(3)).toEqual(['stream:stdout:overwrite me\rdone        \n']);
      expect(s(4)).toEqual(['stream:stdout:windows line\r\nnext\n']);
    },
  },
  {
    fixture: 'skip-execution-tag.ipynb',
    check(nb) {
      expectCounts(nb, range(4).map((i) => `skip-execution-tag-${i}`), [null, 1, null, 2]);
      expect(outputsOf(nb, 'skip-execution-tag-0')).toEqual([]);
      expect(outputsOf(nb, 'skip-execution-tag-2')).toEqual([]);
      expect(streamText(nb, 'skip-execution-tag-1')).toBe('runs despite the skipped cell\n');
      expect(streamText(nb, 'skip-execution-tag-3')).toBe('last\n');
    },
  },
  {
    fixture: 'unicode.ipynb',
    check(nb) {
      const o = (i: number) => outputsOf(nb, `unicode-${i}`);
      expect(streamText(nb, 'unicode-1')).toBe('héllo wörld — 日本語 — 🚀🐍 — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n');
      expect(summarize(o(2))).toEqual(["execute_result:'🎉🎉🎉'"]);
      expect(summarize(o(3))).toEqual(['execute_result:(1, 2)']);
      expect(streamText(nb, 'unicode-4')).toBe('NAÏVE\n');
      expect(data(o(5)[0])['text/markdown']).toBe('**emoji in markdown 🧪**');
      expect(streamText(nb, 'unicode-6', 'stderr')).toBe('stderr 🦀 ünïcode\n');
      expect(o(7).map((x) => [x.output_type, (x as { evalue?: string }).evalue])).toEqual([['error', 'unicode error 💥 ß']]);
      expect(streamText(nb, 'unicode-8')).toBe('😀 via escape\n');
      expectPassThrough(nb, 'unicode.ipynb');
    },
  },
  {
    fixture: 'widgets-comm.ipynb',
    check(nb) {
      expectNoErrors(nb);
      const view = outputsOf(nb, 'widgets-comm-0').find((o) => 'application/vnd.jupyter.widget-view+json' in data(o));
      expect(view, 'the slider is displayed as a widget view').toBeDefined();
      expect(data(view)['application/vnd.jupyter.widget-view+json']).toMatchObject({ model_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect(streamText(nb, 'widgets-comm-1')).toBe('7\n');
      expect(streamText(nb, 'widgets-comm-2')).toBe('comm done\n');
    },
  },
  {
    fixture: 'widgets-output.ipynb',
    check(nb) {
      // ipywidgets 6 (Debian's): Output widgets take what is printed inside `with out:`,
      // their clear_output clears them, not the cell; the cell keeps its own outputs.
      expectNoErrors(nb);
      const state = widgetState(nb);
      expect(Object.keys(state)).not.toContain('stale-model');
      const viewOf = (id: string, i = 0) => (data(outputsOf(nb, id).filter((o) => o.output_type === 'display_data')[i])[WIDGET_VIEW] as { model_id: string }).model_id;
      const outputsOfModel = (modelId: string) => (state[modelId]?.state as { outputs?: Output[] }).outputs;
      // (ipywidgets 6 also prints "Widget Javascript not detected" on stderr when it displays a widget.)
      expect(summarize(outputsOf(nb, 'widgets-output-1'))).toEqual(['stream:stdout:cell result\n']);
      expect(outputsOf(nb, 'widgets-output-2')).toEqual([]);
      const out = outputsOfModel(viewOf('widgets-output-0'));
      expect(out?.map((o) => o.output_type)).toEqual(['display_data', 'error']);
      expect(out?.[1]).toMatchObject({ ename: 'ValueError', evalue: 'caught by the widget' });
      expect(streamText(nb, 'widgets-output-3')).toBe('hi2\n');
      expect(outputsOfModel(viewOf('widgets-output-3'))).toEqual([{ output_type: 'stream', name: 'stdout', text: 'world\nkept in out2\n' }]);
      expect(streamText(nb, 'widgets-output-4')).toBe('back in the cell\n');
      expect(outputsOfModel(viewOf('widgets-output-4', 0))).toEqual([{ output_type: 'stream', name: 'stdout', text: 'in inner\nalso in inner\n' }]);
      expect(outputsOfModel(viewOf('widgets-output-4', 1))).toEqual([{ output_type: 'stream', name: 'stdout', text: 'in outer\n' }]);
      expect(outputsOf(nb, 'widgets-output-5')).toEqual([]);
      expect(state[viewOf('widgets-output-6')]).toMatchObject({ model_name: 'IntSliderModel', state: { value: 7, description: 'n' } });
    },
  },
  {
    fixture: 'widgets-v8-protocol.ipynb',
    check(nb) {
      // ipywidgets 8's messages: state under `state`, binary buffers saved base64 with their paths.
      const state = widgetState(nb);
      expect(Object.keys(state)).not.toContain('stale-model');
      expect(summarize(outputsOf(nb, 'widgets-v8-2'))).toEqual(['stream:stdout:cell result\n']);
      expect((state['w8-out-1']?.state as { outputs: Output[] }).outputs[0]).toEqual({ output_type: 'stream', name: 'stdout', text: 'after clear\n' });
      expect(state['w8-image']).toMatchObject({
        model_name: 'ImageModel', model_module: '@jupyter-widgets/controls', model_module_version: '2.0.0',
        state: { width: '40', format: 'png' },
        buffers: [{ path: ['value'], encoding: 'base64', data: Buffer.from('\x89PNG\r\n\x1a\n-second', 'latin1').toString('base64') }],
      });
      expect(state['w8-image']?.state).not.toHaveProperty('value');
    },
  },
  {
    fixture: 'markdown-raw-passthrough.ipynb',
    check(nb) {
      expectPassThrough(nb, 'markdown-raw-passthrough.ipynb');
      expect(streamText(nb, 'markdown-raw-passthrough-2')).toBe('code between\n');
      // Attachments survive byte for byte.
      const input = readFileSync(fixturePath('markdown-raw-passthrough.ipynb'), 'utf8');
      expect(input).toContain(FIXTURE_PNG_BASE64);
      expect((cellById(nb, 'markdown-raw-passthrough-0') as { attachments?: unknown }).attachments)
        .toEqual({ 'dot.png': { 'image/png': FIXTURE_PNG_BASE64 } });
    },
  },
  {
    fixture: 'other-tools-metadata.ipynb',
    check(nb) {
      expectPassThrough(nb, 'other-tools-metadata.ipynb');
      expect(streamText(nb, 'other-tools-metadata-1')).toBe('cell with metadata\n');
      expect(summarize(outputsOf(nb, 'other-tools-metadata-2'))).toEqual(['execute_result:42']);
    },
  },
  {
    fixture: 'empty-code-cells.ipynb',
    check(nb) {
      // Empty and blank cells are not sent (as nbclient): no count, no outputs.
      expectCounts(nb, range(4).map((i) => `empty-code-cells-${i}`), [null, null, 1, 2]);
      expect(outputsOf(nb, 'empty-code-cells-0')).toEqual([]);
      expect(outputsOf(nb, 'empty-code-cells-1')).toEqual([]);
      expect(streamText(nb, 'empty-code-cells-2')).toBe('after empty cells\n');
      expect(outputsOf(nb, 'empty-code-cells-3')).toEqual([]);
    },
  },
  {
    fixture: 'exit-builtin.ipynb',
    check(nb) {
      // ipykernel ignores exit() (it only asks the frontend to close): the run goes on, as with nbclient.
      expectCounts(nb, ['exit-builtin-0', 'exit-builtin-1', 'exit-builtin-2'], [1, 2, 3]);
      expect(outputsOf(nb, 'exit-builtin-1')).toEqual([]);
      expect(streamText(nb, 'exit-builtin-2')).toBe('after exit()\n');
    },
  },
  {
    fixture: 'thread-late-output.ipynb',
    check(nb) {
      // A thread printing after its cell ended: ipykernel 6 stamps the output with the
      // parent of the cell running then, so it lands in the next cell (as in nbclient;
      // the README says so). The thread prints while cell 2 waits for it: no timing.
      expect(summarize(outputsOf(nb, 'thread-late-output-1'))).toEqual(['stream:stdout:cell 1 ends\n']);
      expect(summarize(outputsOf(nb, 'thread-late-output-2'))).toEqual(['stream:stdout:printed by the thread\ncell 2 ends\n']);
    },
  },
];

/**
 * A notebook of `n` code cells that each record their index, and a last cell that checks
 * they ran in order. Generated rather than committed (keeps the repo small).
 * @example writeFileSync(path, JSON.stringify(manyCellsNotebook(300)))
 */
export function manyCellsNotebook(n: number): Notebook {
  const cells: Notebook['cells'] = [
    { cell_type: 'code', id: 'many-init', metadata: {}, execution_count: null, outputs: [], source: 'order = []' },
  ];
  for (let i = 0; i < n; i++) {
    cells.push({
      cell_type: 'code', id: `many-${i}`, metadata: {}, execution_count: null, outputs: [],
      source: `order.append(${i})\nprint(${i})`,
    });
  }
  cells.push({
    cell_type: 'code', id: 'many-check', metadata: {}, execution_count: null, outputs: [],
    source: `print(order == list(range(${n})))`,
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
    cells,
  };
}
