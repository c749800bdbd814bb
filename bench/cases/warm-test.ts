/**
 * Case 6 (issue 8): 20 small notebooks, `nbrun test` against nbclient one after another.
 * Runs only when the CLI has a `test` command; otherwise the report carries a TODO.
 */
import { spawnSync } from 'node:child_process';
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
      // TODO(issue 8): measure once `nbrun test` lands in packages/cli (the harness below is ready for it).
      return { ...base, commands: [], tables: [], targets: [], notes: ['**TODO**: `nbrun test` does not exist yet in this checkout; this case was not measured.'] };
    }
    const dir = join(ctx.outDir, 'case6', 'suite');
    const pairs = Array.from({ length: NOTEBOOKS }, (_, k): [string, string] => {
      const input = writeNotebookFile(join(dir, `small-${String(k).padStart(2, '0')}.ipynb`), smallNotebook(k));
      return [input, join(ctx.outDir, 'case6', 'nbclient', `small-${k}.out.ipynb`)];
    });
    const contenders: Contender[] = [
      { line: nbrunCommand(ctx.cli, ['test', 'bench/out/case6/suite']) },
      {
        line: nbclientRun(pairs),
        prepare: () => pairs.forEach(([, out]) => removeFile(out)),
        verify: () => pairs.forEach(([, out]) => expectAllExecuted(readNotebookFile(out), out)),
      },
    ];
    ctx.log(`case 6: ${NOTEBOOKS} notebooks, ${ctx.heavyReps} repetitions`);
    const cmp = await compareCommands(contenders, ctx.heavyReps, 0, ctx.log);
    const nbrun = contenders[0]!.line.label;
    return {
      ...base,
      commands: commandList(contenders),
      tables: [comparisonTable(cmp, contenders.map((c) => c.line.label), 'nbclient', { count: NOTEBOOKS, unit: 'notebook' })],
      targets: [{ label: `nbrun test ≥ 2 × faster than nbclient one after another`, measured: 1 / cmp.wallRatio(nbrun, 'nbclient'), limit: 2, comparison: '>=', unit: 'ratio' }],
      notes: ['`nbrun test` exits 0 only when every notebook passed, so a completed measurement means all 20 passed.'],
    };
  },
};
