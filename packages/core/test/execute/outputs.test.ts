import type { IOutput } from '@jupyterlab/nbformat';
import { describe, expect, it } from 'vitest';
import { createMessage, type JupyterMessage } from '../../src/gateway/messages.js';
import { DisplayRegistry, OutputArea } from '../../src/execute/outputs.js';

const iopub = (type: string, content: object): JupyterMessage =>
  createMessage('iopub', type, content, 's') as unknown as JupyterMessage;
const stream = (name: string, text: string) => iopub('stream', { name, text });
const display = (data: object, id?: string) =>
  iopub('display_data', { data, metadata: {}, ...(id ? { transient: { display_id: id } } : {}) });

function run(msgs: JupyterMessage[], area = new OutputArea([], new DisplayRegistry())): IOutput[] {
  for (const m of msgs) area.handle(m);
  return area.outputs;
}

describe('OutputArea', () => {
  it.each([
    {
      name: 'merges consecutive streams of the same name, keeping \\r and \\b verbatim',
      msgs: [stream('stdout', 'a\r'), stream('stdout', 'b\b\n')],
      want: [{ output_type: 'stream', name: 'stdout', text: 'a\rb\b\n' }],
    },
    {
      name: 'does not merge stdout with stderr',
      msgs: [stream('stdout', '1\n'), stream('stderr', '2\n'), stream('stdout', '3\n')],
      want: [
        { output_type: 'stream', name: 'stdout', text: '1\n' },
        { output_type: 'stream', name: 'stderr', text: '2\n' },
        { output_type: 'stream', name: 'stdout', text: '3\n' },
      ],
    },
    {
      name: 'clear_output without wait clears at once',
      msgs: [stream('stdout', 'x'), iopub('clear_output', { wait: false })],
      want: [],
    },
    {
      name: 'clear_output(wait=True) clears at the next output only',
      msgs: [stream('stdout', 'old'), iopub('clear_output', { wait: true }), stream('stdout', 'new')],
      want: [{ output_type: 'stream', name: 'stdout', text: 'new' }],
    },
    {
      name: 'clear_output(wait=True) with no later output keeps the old output',
      msgs: [stream('stdout', 'old'), iopub('clear_output', { wait: true })],
      want: [{ output_type: 'stream', name: 'stdout', text: 'old' }],
    },
    {
      name: 'error outputs keep ename, evalue and traceback',
      msgs: [iopub('error', { ename: 'E', evalue: 'v', traceback: ['t1', 't2'] })],
      want: [{ output_type: 'error', ename: 'E', evalue: 'v', traceback: ['t1', 't2'] }],
    },
    {
      name: 'execute_result keeps its execution count; transient is not stored',
      msgs: [iopub('execute_result', { execution_count: 3, data: { 'text/plain': '1' }, metadata: {}, transient: { display_id: 'd' } })],
      want: [{ output_type: 'execute_result', execution_count: 3, data: { 'text/plain': '1' }, metadata: {} }],
    },
  ])('$name', ({ msgs, want }) => {
    expect(run(msgs)).toEqual(want);
  });

  it('update_display_data reaches a display made in an earlier cell', () => {
    const displays = new DisplayRegistry();
    const first = new OutputArea([], displays);
    const second = new OutputArea([], displays);
    first.handle(display({ 'text/plain': 'v1' }, 'd1'));
    second.handle(iopub('update_display_data', { data: { 'text/plain': 'v2' }, metadata: { m: 1 }, transient: { display_id: 'd1' } }));
    expect(first.outputs).toEqual([{ output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: { m: 1 } }]);
    expect(second.outputs).toEqual([]);
  });

  it('a cleared display is no longer updated', () => {
    const displays = new DisplayRegistry();
    const area = new OutputArea([], displays);
    const shown = area.handle(display({ 'text/plain': 'v1' }, 'd1'));
    area.handle(iopub('clear_output', { wait: false }));
    area.handle(iopub('update_display_data', { data: { 'text/plain': 'v2' }, metadata: {}, transient: { display_id: 'd1' } }));
    expect((shown as { data: object }).data).toEqual({ 'text/plain': 'v1' });
  });

  it('showing the same display id again updates the earlier output too', () => {
    const displays = new DisplayRegistry();
    const a = new OutputArea([], displays);
    a.handle(display({ 'text/plain': 'v1' }, 'd'));
    a.handle(display({ 'text/plain': 'v2' }, 'd'));
    expect(a.outputs.map((o) => (o as unknown as { data: { 'text/plain': string } }).data['text/plain'])).toEqual(['v2', 'v2']);
  });
});

describe('OutputArea stream cap', () => {
  it('goes on in a new output of the same stream past the cap, keeping every character', () => {
    const area = new OutputArea([], new DisplayRegistry(), 10);
    run([stream('stdout', '12345'), stream('stdout', '6789'), stream('stdout', 'abc'), stream('stderr', 'e'), stream('stderr', 'x'.repeat(12)), stream('stderr', 'y')], area);
    expect(area.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: '123456789' },
      { output_type: 'stream', name: 'stdout', text: 'abc' },
      { output_type: 'stream', name: 'stderr', text: 'e' },
      { output_type: 'stream', name: 'stderr', text: 'x'.repeat(12) },
      { output_type: 'stream', name: 'stderr', text: 'y' },
    ]);
  });
});

describe('stream outputs kept as pieces', () => {
  it('read as one string, and written to a file byte for byte as the same notebook with plain strings', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { serializeNotebook, writeNotebook } = await import('../../src/notebook/index.js');
    const area = new OutputArea([], new DisplayRegistry());
    const kinds = ['step %d\r', 'done %d\r\n', 'C:\\dir\\%d "q"\n', 'é 中 %d 😀\n', 'sep %d\u2028', 'partial %d ', 'plain %d\n'];
    let expected = '';
    for (let i = 0; i < 120_000; i++) {
      const text = kinds[i % kinds.length]!.replace('%d', String(i));
      expected += text;
      area.handle(stream('stdout', text));
    }
    area.handle(stream('stderr', 'err\n'));
    const out = area.outputs[0] as { text: string };
    const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: 'c', cell_type: 'code', metadata: {}, source: 'x', execution_count: 1, outputs: area.outputs }] };
    const plain = JSON.parse(JSON.stringify(nb)) as typeof nb; // plain strings
    const dir = await mkdtemp(join(tmpdir(), 'nbrun-pieces-'));
    try {
      await writeNotebook(join(dir, 'a.ipynb'), nb as never);
      expect((await readFile(join(dir, 'a.ipynb'), 'utf8')) === serializeNotebook(plain as never)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(out.text === expected).toBe(true);
    area.handle(stream('stdout', 'never appended: stderr came between\n'));
    expect(area.outputs).toHaveLength(3);
  });
});

describe('stream outputs spilled to a file (a run writing to a file)', () => {
  const kinds = ['step %d\r', 'done %d\r\n', 'C:\\dir\\%d "q"\n', 'é 中 %d 😀\n', 'sep %d\u2028', 'partial %d ', '\n', 'plain %d\x1b[0m\n'];

  async function spilledArea(lines: number, extra: (i: number) => string = () => '') {
    const { mkdtemp, readdir } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { SpillFile } = await import('../../src/record/spill.js');
    const dir = await mkdtemp(join(tmpdir(), 'nbrun-spill-test-'));
    const spill = new SpillFile(dir);
    const area = new OutputArea([], new DisplayRegistry(), undefined, undefined, spill);
    const hash = (await import('node:crypto')).createHash('sha256');
    let chars = 0;
    for (let i = 0; i < lines; i++) {
      const text = kinds[i % kinds.length]!.replace('%d', String(i)) + extra(i);
      hash.update(text);
      chars += text.length;
      area.handle(stream('stdout', text));
    }
    area.handle(stream('stderr', 'err\n'));
    const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ id: 'c', cell_type: 'code', metadata: {}, source: 'x', execution_count: 1, outputs: area.outputs }] };
    return { dir, spill, area, nb, chars, sha: hash.digest('hex'), files: () => readdir(dir) };
  }

  it('keeps a few MB on disk, not in memory, and writes the bytes Python nbformat writes for the same notebook', async () => {
    const { readFile, rm, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { createHash } = await import('node:crypto');
    const { writeNotebook, writeNotebookSync } = await import('../../src/notebook/index.js');
    const { writeWithPythonNbformat } = await import('../notebook/python-nbformat.js');
    const { STREAM_PIECES } = await import('../../src/notebook/lines.js');
    const s = await spilledArea(400_000);
    try {
      // Unlinked at once: nothing to clean up on any exit path, and the folder stays empty.
      expect(await s.files()).toEqual([]);
      const kept = (s.area.outputs[0] as unknown as Record<symbol, { memoryChars: number; length: number; spilled?: { segments: unknown[] } }>)[STREAM_PIECES]!;
      expect(kept.length).toBe(s.chars);
      expect(kept.spilled!.segments.length).toBeGreaterThan(0);
      expect(kept.memoryChars).toBeLessThanOrEqual(1 << 20);
      expect(kept.length - kept.memoryChars).toBeGreaterThan(3 << 20);
      await writeNotebook(join(s.dir, 'nbrun.ipynb'), s.nb as never);
      writeNotebookSync(join(s.dir, 'nbrun-sync.ipynb'), s.nb as never);
      // The reference: Python's nbformat writing the same notebook read from plain JSON.
      await writeFile(join(s.dir, 'plain.json'), JSON.stringify(s.nb));
      await writeWithPythonNbformat([[join(s.dir, 'plain.json'), join(s.dir, 'python.ipynb')]]);
      const sha = async (name: string) => createHash('sha256').update(await readFile(join(s.dir, name))).digest('hex');
      const reference = await sha('python.ipynb');
      expect(await sha('nbrun.ipynb')).toBe(reference);
      expect(await sha('nbrun-sync.ipynb')).toBe(reference);
      // Reading `text` reads the spilled text back whole.
      expect(createHash('sha256').update((s.area.outputs[0] as { text: string }).text).digest('hex')).toBe(s.sha);
    } finally {
      s.spill.close();
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it('keeps lone surrogates (written as \\udXXX escapes, as from memory)', async () => {
    const { rm } = await import('node:fs/promises');
    const { serializeNotebook } = await import('../../src/notebook/index.js');
    // A pair split over two messages, then lone halves: all kept as the same UTF-16 units.
    const s = await spilledArea(150_000, (i) => (i % 5000 === 0 ? '\ud83d' : i % 5000 === 1 ? '\ude00' : i % 7001 === 0 ? 'x\udc00y' : ''));
    try {
      const plain = JSON.parse(JSON.stringify(s.nb)) as typeof s.nb;
      expect(serializeNotebook(s.nb as never) === serializeNotebook(plain as never)).toBe(true);
    } finally {
      s.spill.close();
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it('at the end of a run, reads the text back (largeOutputs: memory) or lets it go (file)', async () => {
    const { rm } = await import('node:fs/promises');
    const { createHash } = await import('node:crypto');
    const { readBackSpilled } = await import('../../src/execute/outputs.js');
    for (const keep of [true, false]) {
      const s = await spilledArea(200_000);
      try {
        readBackSpilled(s.nb as never, keep);
        s.spill.close();
        const text = (s.area.outputs[0] as { text: string }).text;
        if (keep) expect(createHash('sha256').update(text).digest('hex')).toBe(s.sha);
        else expect(text).toMatch(/^\[nbrun: this output's \d+ characters were written to the output notebook/);
        expect((s.area.outputs[1] as { text: string }).text).toBe('err\n');
      } finally {
        s.spill.close();
        await rm(s.dir, { recursive: true, force: true });
      }
    }
  });
});
