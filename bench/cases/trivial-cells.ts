/** Case 2: notebooks of 300 and 1000 trivial cells (`x = 1`) — total time and time per cell. */
import { join } from 'node:path';
import { commandList, compareCommands, comparisonTable, type Comparison, type Contender } from '../lib/compare.js';
import { codeCells, codeNotebook, expectAllExecuted, expectOutput, readNotebookFile, removeFile, writeNotebookFile } from '../lib/notebooks.js';
import { profileCommand, renderProfile, summarizeProfile } from '../lib/profile.js';
import { memoryHistoryIpythonDir } from '../lib/ipython.js';
import { formatMs } from '../lib/stats.js';
import { nbclientRun, nbrunRun } from '../lib/tools.js';
import type { BenchCase, BenchContext, TargetCheck } from './types.js';

function sizes(ctx: BenchContext): number[] {
  return ctx.quick ? [50, 150] : [300, 1000];
}

function inputPath(ctx: BenchContext, cells: number): string {
  return join(ctx.outDir, 'case2', `trivial-${cells}.ipynb`);
}

function verifyTrivial(path: string, cells: number): void {
  const nb = readNotebookFile(path);
  expectAllExecuted(nb, path);
  const code = codeCells(nb);
  expectOutput(code.length === cells && code[cells - 1]!.execution_count === cells, `${path}: expected ${cells} cells, the last with execution_count ${cells}`);
}

/** @example const result = await trivialCellsCase.run(ctx) */
export const trivialCellsCase: BenchCase = {
  id: '2',
  title: 'Many trivial cells',
  async run(ctx) {
    const results: { cells: number; cmp: Comparison; contenders: Contender[] }[] = [];
    for (const cells of sizes(ctx)) {
      const input = writeNotebookFile(inputPath(ctx, cells), codeNotebook(Array.from({ length: cells }, () => 'x = 1')));
      const out = (tool: string): string => input.replace(/\.ipynb$/, `.${tool}.out.ipynb`);
      const outs = { nbrun: out('nbrun'), nbrunMemory: out('nbrun-memory-history'), nbclient: out('nbclient') };
      const memoryHistory = { ...process.env, IPYTHONDIR: memoryHistoryIpythonDir(ctx.outDir) };
      const contenders: Contender[] = [
        { line: nbrunRun(ctx.cli, input, outs.nbrun), prepare: () => removeFile(outs.nbrun), verify: () => verifyTrivial(outs.nbrun, cells) },
        {
          // Not the headline: shows what the kernel's on-disk history costs (nbclient's kernels keep it in memory).
          line: { ...nbrunRun(ctx.cli, input, outs.nbrunMemory), label: `${ctx.cli === 'built' ? 'nbrun (built)' : 'nbrun (tsx)'}, kernel history in memory` },
          env: memoryHistory,
          prepare: () => removeFile(outs.nbrunMemory),
          verify: () => verifyTrivial(outs.nbrunMemory, cells),
        },
        { line: nbclientRun([[input, outs.nbclient]]), prepare: () => removeFile(outs.nbclient), verify: () => verifyTrivial(outs.nbclient, cells) },
      ];
      ctx.log(`case 2: ${cells} cells, ${ctx.reps} repetitions`);
      results.push({ cells, cmp: await compareCommands(contenders, ctx.reps, 0, ctx.log), contenders });
    }
    const nbrun = results[0]!.contenders[0]!.line.label;
    const targets: TargetCheck[] = results.map(({ cells, cmp }) => ({
      label: `${cells} cells: ${nbrun} ≤ 1.0 × nbclient (wall)`,
      measured: cmp.wallRatio(nbrun, 'nbclient'),
      limit: 1.0,
      comparison: '<=',
      unit: 'ratio',
    }));
    const [small, large] = results;
    // The difference between the two sizes removes the fixed costs (process start, kernel start).
    const marginal = (label: string): number => (large!.cmp.wall(label).median - small!.cmp.wall(label).median) / (large!.cells - small!.cells);
    return {
      id: '2',
      title: this.title,
      what:
        'Notebooks whose cells are all `x = 1`, run from the command line as in case 1 (fresh process, kernel start included). ' +
        '"per cell" is the whole wall time divided by the number of cells; the marginal cost per cell below subtracts the two sizes, ' +
        'which removes process and kernel start. nbclient starts its kernels with `--HistoryManager.hist_file=:memory:`; nbrun (as of this run) ' +
        'lets ipykernel write each cell to its SQLite history on disk, so a third row runs nbrun with an IPython profile that keeps the history ' +
        'in memory (IPYTHONDIR with `c.HistoryManager.hist_file = \':memory:\'`) to show what that costs. The target uses the plain nbrun row.',
      commands: results.flatMap((r) => commandList(r.contenders)),
      tables: results.map(({ cells, cmp, contenders }) => ({
        ...comparisonTable(cmp, contenders.map((c) => c.line.label), 'nbclient', { count: cells, unit: 'cell' }),
        caption: `${cells} cells`,
      })),
      targets,
      notes: [
        `Marginal cost per cell ((t${large!.cells} − t${small!.cells}) / ${large!.cells - small!.cells}): ` +
          `${nbrun} ${formatMs(marginal(nbrun))}, ${results[0]!.contenders[1]!.line.label} ${formatMs(marginal(results[0]!.contenders[1]!.line.label))}, ` +
          `nbclient ${formatMs(marginal('nbclient'))}.`,
      ],
    };
  },
  async profile(ctx) {
    const cells = sizes(ctx)[1]!;
    const input = inputPath(ctx, cells);
    const { profile, command, wallMs } = await profileCommand(
      nbrunRun(ctx.cli, input, input.replace(/\.ipynb$/, '.profile.out.ipynb')),
      join(ctx.outDir, 'profiles', 'case2'),
    );
    return renderProfile(summarizeProfile(profile), `\`${command}\` (${(wallMs / 1000).toFixed(2)} s wall)`);
  },
};
