/** Case 5: 8 sleeping notebooks at once (bounded by p-queue) through one gateway vs one after another. */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import { startJupyterServer, type JupyterServerHandle } from '../../test/setup/jupyter-server.js';
import { measureProcess } from '../lib/measure.js';
import { codeCells, codeNotebook, expectOutput, streamText, writeNotebookFile } from '../lib/notebooks.js';
import { formatMs, formatRatio, formatSummary, summarize } from '../lib/stats.js';
import { ROOT, displayCommand, nbclientRun } from '../lib/tools.js';
import type { BenchCase, CoreModule } from './types.js';
import type { Gateway, Notebook, RunResult } from '@nbrun/core';

const NOTEBOOKS = 8;
const CELLS = 4;

/** Notebook k: CELLS cells, each sleeps then prints `nb<k> cell<i>` so the outputs prove which ran. */
function sleepyNotebook(k: number, sleepS: number): Notebook {
  return codeNotebook(Array.from({ length: CELLS }, (_, i) => `${i === 0 ? 'import time\n' : ''}time.sleep(${sleepS})\nprint('nb${k} cell${i}')`));
}

function checkResult(result: RunResult, k: number): void {
  expectOutput(result.status === 'completed', `case 5: notebook ${k} ended ${result.status}`);
  codeCells(result.notebook).forEach((cell, i) => {
    expectOutput(streamText(cell.outputs) === `nb${k} cell${i}\n`, `case 5: notebook ${k} cell ${i} printed ${JSON.stringify(streamText(cell.outputs))}`);
  });
}

/** Runs all notebooks one after another, then all at once through the queue; wall times in ms. */
async function timeBoth(core: CoreModule, nbs: Notebook[], gateway: Gateway, concurrency: number): Promise<{ sequentialMs: number; concurrentMs: number }> {
  let t0 = performance.now();
  for (const [k, nb] of nbs.entries()) checkResult(await core.runNotebook(nb, { gateway }), k);
  const sequentialMs = performance.now() - t0;
  const queue = new PQueue({ concurrency });
  t0 = performance.now();
  const results = await Promise.all(nbs.map((nb) => queue.add(() => core.runNotebook(nb, { gateway }), { throwOnTimeout: true })));
  const concurrentMs = performance.now() - t0;
  results.forEach((r, k) => checkResult(r, k));
  expectOutput(results.length === nbs.length, `case 5: ${results.length} of ${nbs.length} notebooks completed`);
  return { sequentialMs, concurrentMs };
}

interface Variant {
  label: string;
  open(core: CoreModule): Promise<{ gateway: Gateway; close(): Promise<void> }>;
}

const VARIANTS: Variant[] = [
  {
    label: 'remote (one Jupyter Server, one gateway)',
    async open(core) {
      const server: JupyterServerHandle = await startJupyterServer();
      const gateway = core.createRemoteGateway({ url: server.url, token: server.token });
      return {
        gateway,
        async close() {
          await gateway.dispose();
          await server.stop();
        },
      };
    },
  },
  {
    label: 'embedded (one gateway)',
    async open(core) {
      const gateway = core.createEmbeddedGateway();
      return { gateway, close: () => gateway.dispose() };
    },
  },
];

function concurrency(): number {
  return Number(process.env.NBRUN_BENCH_CONCURRENCY ?? 8);
}

/** @example const result = await concurrentCase.run(ctx) */
export const concurrentCase: BenchCase = {
  id: '5',
  title: 'Notebooks at once through one gateway',
  async run(ctx) {
    const core = await ctx.loadCore();
    const sleepS = ctx.quick ? 0.2 : 0.5;
    const limit = concurrency();
    const nbs = Array.from({ length: NOTEBOOKS }, (_, k) => sleepyNotebook(k, sleepS));
    const rows: string[][] = [];
    const ratios = new Map<string, number>();
    for (const variant of VARIANTS) {
      const { gateway, close } = await variant.open(core);
      const runs: { sequentialMs: number; concurrentMs: number }[] = [];
      try {
        ctx.log(`case 5: ${variant.label}, ${NOTEBOOKS} notebooks × ${CELLS} × sleep(${sleepS}), concurrency ${limit}, ${ctx.heavyReps} repetitions`);
        for (let rep = 0; rep < ctx.heavyReps; rep++) {
          const r = await timeBoth(core, nbs, gateway, limit);
          runs.push(r);
          ctx.log(`  rep ${rep + 1}/${ctx.heavyReps}: one after another ${formatMs(r.sequentialMs)}, at once ${formatMs(r.concurrentMs)}`);
        }
      } finally {
        await close();
      }
      const seq = summarize(runs.map((r) => r.sequentialMs));
      const conc = summarize(runs.map((r) => r.concurrentMs));
      ratios.set(variant.label, seq.median / conc.median);
      rows.push([variant.label, formatSummary(seq, formatMs), formatSummary(conc, formatMs), formatRatio(seq.median / conc.median), `${NOTEBOOKS}/${NOTEBOOKS} ✓`]);
    }
    // nbclient one after another, once, as a reference for the sequential time.
    const pairs = nbs.map((nb, k): [string, string] => {
      const input = writeNotebookFile(join(ctx.outDir, 'case5', `sleepy-${k}.ipynb`), nb);
      return [input, input.replace(/\.ipynb$/, '.nbclient.out.ipynb')];
    });
    const nbclient = nbclientRun(pairs);
    const reference = await measureProcess(nbclient.cmd, nbclient.args, { cwd: ROOT });
    ctx.log(`  nbclient one after another: ${formatMs(reference.wallMs)}`);
    rows.push(['nbclient, one after another (1 run, reference)', formatMs(reference.wallMs), '—', '—', '']);
    return {
      id: '5',
      title: this.title,
      what:
        `${NOTEBOOKS} notebooks of ${CELLS} cells that each \`time.sleep(${sleepS})\` and print which notebook and cell they are, ` +
        `run through the API with one gateway instance: first one after another, then all at once with \`p-queue\` (concurrency ${limit}). ` +
        'Each notebook gets its own kernel; wall times include kernel starts. Every output is checked (status completed, each cell printed its own marker).',
      commands: [
        `// @nbrun/core loaded from ${ctx.coreFlavour === 'dist' ? 'packages/core/dist/index.js (built)' : 'packages/core/src (tsx)'}`,
        'const gateway = createRemoteGateway({ url, token }) // or createEmbeddedGateway()',
        'for (const nb of nbs) await runNotebook(nb, { gateway }) // one after another',
        `const queue = new PQueue({ concurrency: ${limit} }); await Promise.all(nbs.map((nb) => queue.add(() => runNotebook(nb, { gateway })))) // at once`,
        `# nbclient reference\n${displayCommand(nbclient)}`,
      ],
      tables: [{ headers: ['gateway', 'one after another', `at once (concurrency ${limit})`, 'speed-up', 'completed and correct'], rows }],
      targets: VARIANTS.map((v) => ({ label: `${v.label}: at once ≥ 3 × faster`, measured: ratios.get(v.label)!, limit: 3, comparison: '>=' as const, unit: 'ratio' as const })),
      notes: [`The concurrency can be changed with NBRUN_BENCH_CONCURRENCY (the issue allows 8 or 4).`],
    };
  },
};
