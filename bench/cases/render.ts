/**
 * Case 7: an executed 1,000-cell notebook rendered to HTML — `nbrun render` against
 * `jupyter nbconvert --to html` (Debian's nbconvert, lab template), side by side.
 */
import { deflateSync } from 'node:zlib';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Notebook } from '@nbrun/core';
import { commandList, compareCommands, comparisonTable, type Contender } from '../lib/compare.js';
import { expectOutput, removeFile, writeNotebookFile } from '../lib/notebooks.js';
import { profileCommand, renderProfile, summarizeProfile } from '../lib/profile.js';
import { PYTHON, nbrunCommand, rel } from '../lib/tools.js';
import type { BenchCase, BenchContext, TargetCheck } from './types.js';

/** A small RGB gradient as PNG, base64 (the kind of figure a notebook shows). */
function gradientPng(width: number, height: number): string {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set([(x * 255) / width, (y * 255) / height, 160], y * (width * 3 + 1) + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]).toString('base64');
}

/**
 * An executed notebook as an analysis looks: a markdown cell (heading, text, inline math, a
 * table) every fifth cell; code cells of a few lines with printed lines, DataFrame-like HTML
 * tables, results, a figure now and then, coloured warnings and one traceback per hundred.
 */
function analysisNotebook(cells: number): Notebook {
  const png = gradientPng(200, 120);
  let count = 0;
  const list = Array.from({ length: cells }, (_, i) => {
    if (i % 5 === 0) {
      return {
        cell_type: 'markdown',
        id: `md-${i}`,
        metadata: {},
        source: `## Step ${i / 5 + 1}\n\nWe fit *the model* on \`batch_${i}\`, see [the docs](https://example.org/docs), with $\\alpha_{${i}} = \\frac{1}{n}\\sum_j x_j^2$.\n\n| metric | value |\n|---|---:|\n| loss | ${(1 / (i + 1)).toFixed(4)} |\n| acc | ${(i % 100) / 100} |\n`,
      };
    }
    count++;
    const outputs: unknown[] = [];
    const kind = i % 10;
    if (kind === 1 || kind === 3 || kind === 7) outputs.push({ output_type: 'stream', name: 'stdout', text: Array.from({ length: 5 }, (_, j) => `epoch ${j}: loss ${(1 / (j + 1)).toFixed(3)}\n`).join('') });
    if (kind === 2) {
      const rows = Array.from({ length: 10 }, (_, r) => `<tr><th>${r}</th><td>${(r * 1.5).toFixed(1)}</td><td>item-${r}</td><td>${r % 2 === 0}</td></tr>`).join('');
      outputs.push({
        output_type: 'execute_result',
        execution_count: count,
        metadata: {},
        data: { 'text/plain': '   a  b  c\n0 ...', 'text/html': `<div><style scoped>.dataframe tbody tr th {vertical-align: top;}</style><table border="1" class="dataframe"><thead><tr style="text-align: right;"><th></th><th>a</th><th>b</th><th>c</th></tr></thead><tbody>${rows}</tbody></table></div>` },
      });
    }
    if (kind === 4) outputs.push({ output_type: 'execute_result', execution_count: count, metadata: {}, data: { 'text/plain': `[${Array.from({ length: 20 }, (_, k) => k * i).join(', ')}]` } });
    if (kind === 6 && i % 20 === 6) outputs.push({ output_type: 'display_data', metadata: {}, data: { 'text/plain': '<Figure size 640x480 with 1 Axes>', 'image/png': png } });
    if (kind === 8) outputs.push({ output_type: 'stream', name: 'stderr', text: `\u001b[33mUserWarning\u001b[0m: batch ${i} has \u001b[1m3\u001b[0m missing values\n` });
    if (i % 100 === 99) {
      outputs.push({
        output_type: 'error',
        ename: 'ValueError',
        evalue: `bad batch ${i}`,
        traceback: ['\u001b[0;31m---------------------------------------------------------------------------\u001b[0m', '\u001b[0;31mValueError\u001b[0m                                Traceback (most recent call last)', `Cell \u001b[0;32mIn[${count}], line 3\u001b[0m`, `\u001b[0;31mValueError\u001b[0m: bad batch ${i}`],
      });
    }
    return {
      cell_type: 'code',
      id: `code-${i}`,
      metadata: { nbrun: { status: 'completed', duration: 0.01 + (i % 7) / 100 } },
      execution_count: count,
      outputs,
      source: `data_${i} = load_batch(${i}, size=128)\nfor row in data_${i}[:5]:\n    print(row)  # progress\nresult = model.fit(data_${i}, epochs=5)\nresult.summary()`,
    };
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' },
      language_info: { name: 'python' },
      nbrun: { status: 'completed', start_time: '2024-05-01T06:00:00.000Z', end_time: '2024-05-01T06:03:00.000Z', duration: 180, kernel: { name: 'python3' }, parameters: { epochs: 5 } },
    },
    cells: list,
  } as unknown as Notebook;
}

function cellCount(ctx: BenchContext): number {
  return ctx.quick ? 200 : 1000;
}

/** The page holds every cell (nbrun's markup) or is a plausible nbconvert page. */
function verifyPage(path: string, cells: number, nbrun: boolean): void {
  expectOutput(existsSync(path), `${path} was not written`);
  const html = readFileSync(path, 'utf8');
  if (nbrun) {
    const rendered = html.match(/<section class="nb-cell /g)?.length ?? 0;
    expectOutput(rendered === cells, `${path}: ${rendered} cells rendered, expected ${cells}`);
  } else {
    expectOutput(html.includes('jp-Notebook') && html.length > 100_000, `${path}: not an nbconvert lab page`);
  }
}

/** @example const result = await renderCase.run(ctx) */
export const renderCase: BenchCase = {
  id: '7',
  title: 'Rendering an executed notebook to HTML',
  async run(ctx) {
    const cells = cellCount(ctx);
    const dir = join(ctx.outDir, 'case7');
    const input = writeNotebookFile(join(dir, `analysis-${cells}.ipynb`), analysisNotebook(cells));
    const outs = { nbrun: join(dir, 'nbrun.html'), nbconvert: join(dir, 'nbconvert.html') };
    const nbrunLine = nbrunCommand(ctx.cli, ['render', rel(input), rel(outs.nbrun)]);
    const nbconvertLine = { label: 'jupyter nbconvert --to html', cmd: PYTHON, args: ['-m', 'nbconvert', '--to', 'html', rel(input), '--output-dir', rel(dir), '--output', 'nbconvert'] };
    const contenders: Contender[] = [
      { line: nbrunLine, prepare: () => removeFile(outs.nbrun), verify: () => verifyPage(outs.nbrun, cells, true) },
      { line: nbconvertLine, prepare: () => removeFile(outs.nbconvert), verify: () => verifyPage(outs.nbconvert, cells, false) },
    ];
    ctx.log(`case 7: ${cells} cells, ${ctx.reps} repetitions`);
    const cmp = await compareCommands(contenders, ctx.reps, ctx.warmup, ctx.log);
    const label = nbrunLine.label;
    const page = readFileSync(outs.nbrun, 'utf8');
    const katexStart = page.indexOf('@font-face{font-display:block;font-family:KaTeX');
    const katexBytes = katexStart < 0 ? 0 : page.indexOf('</style>', katexStart) - katexStart;
    const targets: TargetCheck[] = [
      { label: `${label} ≤ 0.5 × jupyter nbconvert --to html (wall)`, measured: cmp.wallRatio(label, nbconvertLine.label), limit: 0.5, comparison: '<=', unit: 'ratio' },
    ];
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    return {
      id: '7',
      title: this.title,
      what:
        `An executed notebook of ${cells} cells as an analysis looks (a markdown cell with a heading, inline math and a table every fifth cell; ` +
        'code cells with printed lines, DataFrame-like HTML tables in one of ten, results, a PNG figure in one of twenty, coloured warnings, ' +
        `a traceback in one of a hundred), rendered to one HTML file by each tool as a fresh process. nbrun's page is sanitized (every HTML ` +
        'output goes through parse5 + hast-util-sanitize) and typesets the math with KaTeX on the server; nbconvert leaves HTML as it is and ' +
        'math to MathJax in the browser.',
      commands: commandList(contenders),
      tables: [comparisonTable(cmp, contenders.map((c) => c.line.label), nbconvertLine.label)],
      targets,
      notes: [
        `Page size: nbrun ${kib(statSync(outs.nbrun).size)} (of which KaTeX's CSS and the ${page.match(/font-family:KaTeX_\w+;font-style/g)?.length ?? 0} font faces this math uses, inlined: ${kib(katexBytes)}), ` +
          `nbconvert ${kib(statSync(outs.nbconvert).size)} (JupyterLab's CSS inlined; MathJax and require.js referenced from the machine's /usr/share/javascript, so its page is not self-contained).`,
      ],
    };
  },
  async profile(ctx) {
    const cells = cellCount(ctx);
    const dir = join(ctx.outDir, 'case7');
    const line = nbrunCommand(ctx.cli, ['render', rel(join(dir, `analysis-${cells}.ipynb`)), rel(join(dir, 'profile.html'))]);
    const { profile, command, wallMs } = await profileCommand(line, join(ctx.outDir, 'profiles', 'case7'));
    return renderProfile(summarizeProfile(profile), `\`${command}\` (${(wallMs / 1000).toFixed(2)} s wall)`);
  },
};
