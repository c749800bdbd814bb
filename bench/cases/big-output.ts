/** Case 3: one cell printing 300,000 lines — time and peak memory. */
import { join } from 'node:path';
import { commandList, compareCommands, comparisonTable, type Contender } from '../lib/compare.js';
import { codeCells, codeNotebook, expectAllExecuted, expectOutput, readNotebookFile, removeFile, streamText, writeNotebookFile } from '../lib/notebooks.js';
import { profileCommand, renderProfile, summarizeProfile } from '../lib/profile.js';
import { nbclientRun, nbrunRun } from '../lib/tools.js';
import type { BenchCase, BenchContext } from './types.js';

function lineCount(ctx: BenchContext): number {
  return ctx.quick ? 30_000 : 300_000;
}

function inputPath(ctx: BenchContext): string {
  return join(ctx.outDir, 'case3', `print-${lineCount(ctx)}.ipynb`);
}

/** The whole output must be there, in order: every number from 0 to lines-1 on its own line. */
function verifyPrinted(path: string, lines: number): void {
  const nb = readNotebookFile(path);
  expectAllExecuted(nb, path);
  const text = streamText(codeCells(nb)[0]!.outputs);
  const expected = `${Array.from({ length: lines }, (_, i) => i).join('\n')}\n`;
  expectOutput(text === expected, `${path}: the stream output is not the ${lines} printed lines (${text.length} chars, expected ${expected.length})`);
}

/** @example const result = await bigOutputCase.run(ctx) */
export const bigOutputCase: BenchCase = {
  id: '3',
  title: 'One cell printing many lines',
  async run(ctx) {
    const lines = lineCount(ctx);
    const input = writeNotebookFile(inputPath(ctx), codeNotebook([`for i in range(${lines}):\n    print(i)`]));
    const outs = { nbrun: input.replace(/\.ipynb$/, '.nbrun.out.ipynb'), nbclient: input.replace(/\.ipynb$/, '.nbclient.out.ipynb') };
    const contenders: Contender[] = [
      { line: nbrunRun(ctx.cli, input, outs.nbrun), prepare: () => removeFile(outs.nbrun), verify: () => verifyPrinted(outs.nbrun, lines) },
      { line: nbclientRun([[input, outs.nbclient]]), prepare: () => removeFile(outs.nbclient), verify: () => verifyPrinted(outs.nbclient, lines) },
    ];
    ctx.log(`case 3: ${lines} lines, ${ctx.reps} repetitions`);
    const cmp = await compareCommands(contenders, ctx.reps, 0, ctx.log);
    const nbrun = contenders[0]!.line.label;
    return {
      id: '3',
      title: this.title,
      what:
        `One cell, \`for i in range(${lines}): print(i)\`, run from the command line. Peak memory is compared between the main ` +
        "processes (nbrun's node process vs nbclient's python process; the kernel is the same ipykernel in both); " +
        'the whole tree (main process + kernel) is shown for information. The harness checks that all lines are in the output, in order.',
      commands: commandList(contenders),
      tables: [comparisonTable(cmp, contenders.map((c) => c.line.label), 'nbclient')],
      targets: [
        { label: `${nbrun} time ≤ 1.0 × nbclient`, measured: cmp.wallRatio(nbrun, 'nbclient'), limit: 1.0, comparison: '<=', unit: 'ratio' },
        {
          label: `${nbrun} peak memory (main process) ≤ 1.5 × nbclient's`,
          measured: cmp.mainPeak(nbrun).median / cmp.mainPeak('nbclient').median,
          limit: 1.5,
          comparison: '<=',
          unit: 'ratio',
        },
      ],
      notes: [`Peak RSS of the whole tree (main + kernel): ${nbrun} ÷ nbclient = ${(cmp.treePeak(nbrun).median / cmp.treePeak('nbclient').median).toFixed(2)}×.`],
    };
  },
  async profile(ctx) {
    const input = inputPath(ctx);
    const { profile, command, wallMs } = await profileCommand(
      nbrunRun(ctx.cli, input, input.replace(/\.ipynb$/, '.profile.out.ipynb')),
      join(ctx.outDir, 'profiles', 'case3'),
    );
    return renderProfile(summarizeProfile(profile), `\`${command}\` (${(wallMs / 1000).toFixed(2)} s wall)`);
  },
};
