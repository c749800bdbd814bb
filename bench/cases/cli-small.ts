/** Case 1: a six-cell notebook end to end from the command line — wall time and peak memory. */
import { join } from 'node:path';
import { commandList, compareCommands, comparisonTable, type Contender } from '../lib/compare.js';
import { codeCells, codeNotebook, expectAllExecuted, expectOutput, readNotebookFile, removeFile, streamText, writeNotebookFile } from '../lib/notebooks.js';
import { profileCommand, renderProfile, summarizeProfile } from '../lib/profile.js';
import { PYTHON, jupyterExecute, nbclientRun, nbrunCommand, nbrunRun, type CliFlavour } from '../lib/tools.js';
import type { BenchCase, BenchContext } from './types.js';

/** imports, a loop, a print, a display, a small computation, a result. */
const SOURCES = [
  'import json, math\nfrom IPython.display import HTML, display',
  'total = 0\nfor i in range(1000):\n    total += i * i',
  "print('total', total)",
  "display(HTML('<b>hello</b>'))",
  'roots = [math.sqrt(i) for i in range(100)]\nround(sum(roots), 3)',
  "json.dumps({'n': len(roots), 'total': total})",
];

function paths(ctx: BenchContext): { input: string; output: (tool: string) => string } {
  const dir = join(ctx.outDir, 'case1');
  return { input: join(dir, 'small.ipynb'), output: (tool) => join(dir, `small.${tool}.out.ipynb`) };
}

/** The executed small notebook has every cell run and the printed total. */
function verifySmall(path: string): void {
  const nb = readNotebookFile(path);
  expectAllExecuted(nb, path);
  expectOutput(streamText(codeCells(nb)[2]!.outputs) === 'total 332833500\n', `${path}: cell 2 should print 'total 332833500'`);
}

function nbrunContender(ctx: BenchContext, flavour: CliFlavour): Contender {
  const { input, output } = paths(ctx);
  const out = output(`nbrun-${flavour}`);
  return { line: nbrunRun(flavour, input, out), prepare: () => removeFile(out), verify: () => verifySmall(out) };
}

/** @example const result = await cliSmallCase.run(ctx) */
export const cliSmallCase: BenchCase = {
  id: '1',
  title: 'Small notebook end to end from the command line',
  async run(ctx) {
    const { input, output } = paths(ctx);
    writeNotebookFile(input, codeNotebook(SOURCES));
    const nbclientOut = output('nbclient');
    const contenders: Contender[] = [
      nbrunContender(ctx, ctx.cli),
      ...(ctx.alsoTsx ? [nbrunContender(ctx, 'tsx')] : []),
      { line: nbclientRun([[input, nbclientOut]]), prepare: () => removeFile(nbclientOut), verify: () => verifySmall(nbclientOut) },
      { line: jupyterExecute(input) },
    ];
    ctx.log(`case 1: ${SOURCES.length} cells, ${ctx.reps} repetitions`);
    const cmp = await compareCommands(contenders, ctx.reps, ctx.warmup, ctx.log);
    const labels = contenders.map((c) => c.line.label);
    const headline = labels[0]!;
    // The floor under every run: process start and module loading, no kernel.
    const floor: Contender[] = [
      { line: nbrunCommand(ctx.cli, ['--version']) },
      { line: { label: 'nbclient', cmd: PYTHON, args: ['-c', 'import nbformat; from nbclient import NotebookClient'] } },
    ];
    ctx.log('case 1: process start and imports only');
    const floorCmp = await compareCommands(floor, ctx.reps, 0, ctx.log);
    return {
      id: '1',
      title: this.title,
      what:
        `A notebook of ${SOURCES.length} code cells (imports, a loop, a print, an HTML display, a small computation, a result), ` +
        'run by each tool as a fresh process from the command line, kernel start and shutdown included. ' +
        '`jupyter execute` does not save the executed notebook; the others write it (and the harness checks it).',
      commands: [...commandList(contenders), ...commandList(floor).map((c) => c.replace(/^# /, '# start-up floor: '))],
      tables: [
        comparisonTable(cmp, labels, 'jupyter execute'),
        { ...comparisonTable(floorCmp, floor.map((c) => c.line.label), 'nbclient'), caption: 'For reference: process start and imports only (`nbrun --version` vs `import nbformat, nbclient`), no kernel' },
      ],
      targets: [
        { label: `${headline} ≤ 0.8 × jupyter execute (wall)`, measured: cmp.wallRatio(headline, 'jupyter execute'), limit: 0.8, comparison: '<=', unit: 'ratio' },
      ],
      notes: [
        `Also: ${headline} ÷ nbclient = ${cmp.wallRatio(headline, 'nbclient').toFixed(2)}× (wall); ` +
          `peak RSS of the main process ${(cmp.mainPeak(headline).median / cmp.mainPeak('nbclient').median).toFixed(2)}× nbclient's.`,
      ],
    };
  },
  async profile(ctx) {
    const { input, output } = paths(ctx);
    const { profile, command, wallMs } = await profileCommand(nbrunRun(ctx.cli, input, output('profile')), join(ctx.outDir, 'profiles', 'case1'));
    return renderProfile(summarizeProfile(profile), `\`${command}\` (${(wallMs / 1000).toFixed(2)} s wall)`);
  },
};
