/**
 * Case 8: one cell printing 1,000,000 and 3,000,000 lines (`print(i, 'loss=0.123456')`,
 * 32 and 98 MB of notebook) — peak memory must not grow with the output (issue 12 §2).
 */
import { join } from 'node:path';
import { commandList, compareCommands, comparisonTable, type Contender } from '../lib/compare.js';
import { codeCells, codeNotebook, expectAllExecuted, expectOutput, readNotebookFile, removeFile, streamText, writeNotebookFile } from '../lib/notebooks.js';
import { nbclientRun, nbrunRun } from '../lib/tools.js';
import type { BenchCase, Table, TargetCheck } from './types.js';

const LIMIT_MIB = 200;

/** Every line there, in order (checked by count and the last line, without building the expected text). */
function verifyPrinted(path: string, lines: number): void {
  const nb = readNotebookFile(path);
  expectAllExecuted(nb, path);
  const text = streamText(codeCells(nb)[0]!.outputs);
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  const last = `${lines - 1} loss=0.123456\n`;
  expectOutput(count === lines && text.startsWith('0 loss=0.123456\n') && text.endsWith(last), `${path}: the stream output is not the ${lines} printed lines (${count} lines)`);
}

/** @example const result = await hugeOutputCase.run(ctx) */
export const hugeOutputCase: BenchCase = {
  id: '8',
  title: 'Memory with huge output',
  async run(ctx) {
    const sizes = ctx.quick ? [100_000] : [1_000_000, 3_000_000];
    const reps = ctx.quick ? 1 : Math.max(1, Math.ceil(ctx.reps / 3));
    const tables: Table[] = [];
    const targets: TargetCheck[] = [];
    const commands: string[] = [];
    for (const lines of sizes) {
      const input = writeNotebookFile(join(ctx.outDir, 'case8', `print-${lines}.ipynb`), codeNotebook([`for i in range(${lines}):\n    print(i, 'loss=0.123456')`]));
      const outs = { nbrun: input.replace(/\.ipynb$/, '.nbrun.out.ipynb'), nbclient: input.replace(/\.ipynb$/, '.nbclient.out.ipynb') };
      const contenders: Contender[] = [
        { line: nbrunRun(ctx.cli, input, outs.nbrun), prepare: () => removeFile(outs.nbrun), verify: () => verifyPrinted(outs.nbrun, lines) },
        { line: nbclientRun([[input, outs.nbclient]]), prepare: () => removeFile(outs.nbclient), verify: () => verifyPrinted(outs.nbclient, lines) },
      ];
      ctx.log(`case 8: ${lines} lines, ${reps} repetition(s)`);
      const cmp = await compareCommands(contenders, reps, 0, ctx.log);
      const nbrun = contenders[0]!.line.label;
      tables.push({ ...comparisonTable(cmp, contenders.map((c) => c.line.label), 'nbclient'), caption: `${lines.toLocaleString('en-US')} lines` });
      commands.push(...commandList(contenders));
      const n = lines.toLocaleString('en-US');
      targets.push(
        { label: `${n} lines: ${nbrun} peak memory (main process) ≤ ${LIMIT_MIB} MiB`, measured: cmp.mainPeak(nbrun).median / 1024, limit: LIMIT_MIB, comparison: '<=', unit: 'MiB' },
        { label: `${n} lines: ${nbrun} time ≤ 1.0 × nbclient`, measured: cmp.wallRatio(nbrun, 'nbclient'), limit: 1.0, comparison: '<=', unit: 'ratio' },
      );
    }
    return {
      id: '8',
      title: this.title,
      what:
        "One cell, `for i in range(N): print(i, 'loss=0.123456')`, N = 1,000,000 and 3,000,000, run from the command line to a file. " +
        "Peak memory of the main process (nbrun's node vs nbclient's python; the kernel is the same ipykernel) must stay under 200 MiB whatever N is. " +
        'The harness checks every line is in the output.',
      commands,
      tables,
      targets,
      notes: [],
    };
  },
};
