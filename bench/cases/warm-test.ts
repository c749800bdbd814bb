/**
 * Case 6 (issue 8): 20 small notebooks, `nbrun test` against nbclient one after another.
 * Runs only when the CLI has a `test` command; otherwise the report carries a TODO.
 * nbrun is measured in four kernel modes (default warm pool, --reuse-kernels, --no-prestart, -j 1).
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { commandList, compareCommands, comparisonTable, type Contender } from '../lib/compare.js';
import { codeNotebook, expectAllExecuted, readNotebookFile, removeFile, writeNotebookFile } from '../lib/notebooks.js';
import { ROOT, nbclientRun, nbrunCommand } from '../lib/tools.js';
import type { BenchCase, BenchContext, CaseResult } from './types.js';

const NOTEBOOKS = 20;

function smallNotebook(k: number) {
  return codeNotebook([`a = ${k}`, 'def double(x):\n    return 2 * x', `assert double(a) == ${2 * k}\nprint(double(a))`]);
}

/** Whether `nbrun test --help` exists in the CLI under test. */
function hasTestCommand(ctx: BenchContext): boolean {
  const line = nbrunCommand(ctx.cli, ['test', '--help']);
  return spawnSync(line.cmd, line.args, { cwd: ROOT, stdio: 'ignore', timeout: 60_000 }).status === 0;
}

/** @example const result = await warmTestCase.run(ctx) */
export const warmTestCase: BenchCase = {
  id: '6',
  title: '`nbrun test` on 20 small notebooks (issue 8)',
  async run(ctx): Promise<CaseResult> {
    const base: Omit<CaseResult, 'commands' | 'tables' | 'targets' | 'notes'> = {
      id: '6',
      title: this.title,
      what:
        `${NOTEBOOKS} notebooks of three small cells (define, call, assert), as a test suite: \`nbrun test DIR\` (one process, its own ` +
        'concurrency and kernel reuse) against nbclient executing them one after another in one Python process (a fresh kernel each).',
    };
    if (!hasTestCommand(ctx)) {
      return { ...base, commands: [], tables: [], targets: [], notes: ['**TODO**: `nbrun test` does not exist in this checkout; this case was not measured.'] };
    }
    const dir = join(ctx.outDir, 'case6', 'suite');
    const pairs = Array.from({ length: NOTEBOOKS }, (_, k): [string, string] => {
      const input = writeNotebookFile(join(dir, `small-${String(k).padStart(2, '0')}.ipynb`), smallNotebook(k));
      return [input, join(ctx.outDir, 'case6', 'nbclient', `small-${k}.out.ipynb`)];
    });
    // Kernel modes of `nbrun test`: the default (fresh kernel per notebook, the next ones pre-started),
    // kernels restarted and reused, no pre-start at all, and one notebook at a time.
    const suite = 'bench/out/case6/suite';
    const nbrunTest = (label: string, flags: string[]): Contender => ({
      line: { ...nbrunCommand(ctx.cli, ['test', suite, ...flags]), label },
    });
    const contenders: Contender[] = [
      nbrunTest('nbrun test', []),
      nbrunTest('nbrun test --reuse-kernels', ['--reuse-kernels']),
      nbrunTest('nbrun test --no-prestart', ['--no-prestart']),
      nbrunTest('nbrun test -j 1', ['-j', '1']),
      {
        line: nbclientRun(pairs),
        prepare: () => pairs.forEach(([, out]) => removeFile(out)),
        verify: () => pairs.forEach(([, out]) => expectAllExecuted(readNotebookFile(out), out)),
      },
    ];
    ctx.log(`case 6: ${NOTEBOOKS} notebooks, ${ctx.heavyReps} repetitions`);
    const cmp = await compareCommands(contenders, ctx.heavyReps, 0, ctx.log);
    const nbrun = contenders[0]!.line.label;
    const ratio = (label: string) => (1 / cmp.wallRatio(label, 'nbclient')).toFixed(2);
    return {
      ...base,
      commands: commandList(contenders),
      tables: [comparisonTable(cmp, contenders.map((c) => c.line.label), 'nbclient', { count: NOTEBOOKS, unit: 'notebook' })],
      targets: [{ label: `nbrun test ≥ 2 × faster than nbclient one after another`, measured: 1 / cmp.wallRatio(nbrun, 'nbclient'), limit: 2, comparison: '>=', unit: 'ratio' }],
      notes: [
        '`nbrun test` exits 0 only when every notebook passed, so a completed measurement means all 20 passed.',
        `Speed-up over nbclient (wall): default ${ratio(nbrun)}×, --reuse-kernels ${ratio('nbrun test --reuse-kernels')}×, ` +
          `--no-prestart ${ratio('nbrun test --no-prestart')}×, -j 1 ${ratio('nbrun test -j 1')}×. ` +
          `The default runs as many notebooks at once as there are CPUs (${availableParallelism()} here) and starts the next kernels while notebooks run; ` +
          '--reuse-kernels restarts a kernel between notebooks (a restart relaunches the kernel process, so it costs about a start).',
      ],
    };
  },
};
