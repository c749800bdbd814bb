/**
 * Memory that does not grow with the output (issue 12 §2): a real `nbrun run` subprocess
 * prints 4 MB and then 48 MB from one cell; the peak resident memory of the nbrun process
 * (VmHWM, the kernel's own high-water mark) may differ by far less than held text would
 * make it — the text is spilled to disk, not held. The written notebook is checked against a
 * reference computed by Python: the printed text's SHA-256, and nbformat rewriting the
 * file byte for byte the same.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnNbrun } from '../helpers/cli.js';

const PYTHON = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'nbrun-memory-'));
const spillDir = mkdtempSync(join(tmpdir(), 'nbrun-memory-tmp-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(spillDir, { recursive: true, force: true });
});

/**
 * One cell writing `mb` MB (10,000 numbered lines of 100 bytes per MB) in writes of 100 KB,
 * 20 a second: at full speed the kernel outruns any reader, and the messages queued in
 * between (in ZeroMQ, not nbrun) would be measured instead of what nbrun holds.
 */
const CHUNK_CODE = (mb: number) =>
  `import sys, time\nfor i in range(${mb}):\n    for k in range(10):\n` +
  `        sys.stdout.write(''.join(f'{i:06d} {k * 1000 + j:05d} ' + 'x' * 86 + '\\n' for j in range(1000)))\n        time.sleep(0.05)`;

function notebook(mb: number): object {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [{ id: 'print', cell_type: 'code', metadata: {}, source: CHUNK_CODE(mb), execution_count: null, outputs: [] }],
  };
}

/** Runs `nbrun run` on a notebook printing `mb` MB; resolves to the process's peak RSS in KiB. */
async function peakRss(mb: number, out: string): Promise<number> {
  const input = join(dir, `print-${mb}mb.ipynb`);
  writeFileSync(input, JSON.stringify(notebook(mb)));
  // The spill file goes to TMPDIR: a private one shows it is unlinked at once and nothing is left.
  // No autosave while the cell prints (its cost at this rate is bench case 8's): only the spill is measured.
  const p = spawnNbrun(['run', input, out, '--no-progress', '--autosave-interval', '3600'], { env: { ...process.env, TMPDIR: spillDir } });
  let hwm = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'));
      if (m) hwm = Math.max(hwm, Number(m[1]));
    } catch {
      // exited between two polls: the last reading stands
    }
  }, 50);
  const { code } = await p.exited.finally(() => clearInterval(poll));
  expect(code, p.stderr()).toBe(0);
  expect(hwm).toBeGreaterThan(0);
  return hwm;
}

/** What Python says of the written notebook: the text's hash, the expected hash, and whether nbformat rewrites it identically. */
function pythonCheck(path: string, mb: number): { got: string; expected: string; same: boolean; outputs: number } {
  const script = [
    'import hashlib, io, json, sys, nbformat',
    'path, mb = sys.argv[1], int(sys.argv[2])',
    'nb = nbformat.read(path, 4)',
    'got = hashlib.sha256(nb.cells[0].outputs[0].text.encode()).hexdigest()',
    'h = hashlib.sha256()',
    'for i in range(mb):',
    "    h.update(''.join(f'{i:06d} {j:05d} ' + 'x' * 86 + '\\n' for j in range(10000)).encode())",
    'buf = io.StringIO(); nbformat.write(nb, buf)',
    "same = buf.getvalue().encode() == open(path, 'rb').read()",
    "print(json.dumps({'got': got, 'expected': h.hexdigest(), 'same': same, 'outputs': len(nb.cells[0].outputs)}))",
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', script, path, String(mb)], { maxBuffer: 1 << 20 }).toString()) as { got: string; expected: string; same: boolean; outputs: number };
}

describe('nbrun run writing to a file', () => {
  it('peaks at about the same memory for 4 MB and 48 MB of printed output, and writes every byte', async () => {
    const small = await peakRss(4, join(dir, 'small.ipynb'));
    const large = await peakRss(48, join(dir, 'large.ipynb'));
    const growthMiB = (large - small) / 1024;
    // Held in memory, 44 MB more text peaked about 4× that higher (180 MiB); spilled, what
    // remains is the garbage V8 lets pile up between collections (about 40 MiB at load 20).
    expect(growthMiB, `peak RSS ${small} KiB at 4 MB, ${large} KiB at 48 MB`).toBeLessThan(100);
    const check = pythonCheck(join(dir, 'large.ipynb'), 48);
    expect(check).toEqual(expect.objectContaining({ same: true, outputs: 1 }));
    expect(check.got).toBe(check.expected);
    expect(readdirSync(spillDir).filter((name) => name.startsWith('nbrun-spill'))).toEqual([]);
  }, 600_000);
});
