/**
 * Case 9: what `import('@nbrun/drivers')` costs a fresh Node process (issue 13: ≤ 150 ms).
 * The main entry lists the drivers and their option schemas without loading any driver; a
 * driver's module and SDK load on first use — measured too, for reference (docker: nbrun's own
 * Engine API client, no SDK).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { formatMs, formatSummary, summarize, type Summary } from '../lib/stats.js';
import { ROOT } from '../lib/tools.js';
import type { BenchCase, BenchContext, TargetCheck } from './types.js';

/** One import, timed inside a fresh node process with performance.now(). */
interface ImportLine {
  label: string;
  /** Imported first, not timed. */
  before?: string[];
  /** Module specifiers (file URLs) imported one after another; the time is their sum. */
  modules: string[];
}

function entry(ctx: BenchContext, name: string): string {
  const dist = `${ROOT}packages/drivers/dist/${name}.js`;
  if (ctx.coreFlavour === 'dist' && existsSync(dist)) return pathToFileURL(dist).href;
  return pathToFileURL(`${ROOT}packages/drivers/src/${name === 'index' ? 'index' : `public/${name}`}.ts`).href;
}

function script(line: ImportLine): string {
  const before = line.before?.length ? `for (const m of ${JSON.stringify(line.before)}) await import(m); ` : '';
  return `${before}const t0 = performance.now(); for (const m of ${JSON.stringify(line.modules)}) await import(m); process.stdout.write(String(performance.now() - t0));`;
}

function coreEntry(ctx: BenchContext): string {
  return pathToFileURL(`${ROOT}packages/core/${ctx.coreFlavour === 'dist' ? 'dist/index.js' : 'src/index.ts'}`).href;
}

function timeOnce(line: ImportLine, tsx: boolean): number {
  const args = [...(tsx ? ['--import', 'tsx'] : []), '--input-type=module', '-e', script(line)];
  const res = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${line.label}: node exited ${String(res.status)}: ${res.stderr.split('\n').slice(0, 3).join(' / ')}`);
  return Number(res.stdout.trim());
}

/** @example const result = await importDriversCase.run(ctx) */
export const importDriversCase: BenchCase = {
  id: '9',
  title: "Importing @nbrun/drivers (the main entry, and a driver's SDK on first use)",
  async run(ctx) {
    const tsx = !(ctx.coreFlavour === 'dist' && existsSync(`${ROOT}packages/drivers/dist/index.js`));
    const lines: ImportLine[] = [
      { label: "import('@nbrun/drivers')", modules: [entry(ctx, 'index')] },
      { label: "@nbrun/drivers' own share (@nbrun/core imported before, not timed)", before: [coreEntry(ctx)], modules: [entry(ctx, 'index')] },
      { label: "the main entry, then the docker driver: import('@nbrun/drivers/docker')", modules: [entry(ctx, 'index'), entry(ctx, 'docker')] },
      { label: "the main entry, then the cluster drivers (@kubernetes/client-node, AWS SDK): import('@nbrun/drivers/kubernetes')", modules: [entry(ctx, 'index'), entry(ctx, 'kubernetes')] },
    ];
    const reps = ctx.quick ? 1 : Math.max(ctx.reps, 5);
    const results = new Map<string, Summary>();
    for (const line of lines) {
      for (let i = 0; i < ctx.warmup; i++) timeOnce(line, tsx);
      const samples = Array.from({ length: reps }, () => timeOnce(line, tsx));
      results.set(line.label, summarize(samples));
      ctx.log(`case 9: ${line.label}: ${formatMs(results.get(line.label)!.median)}`);
    }
    const main = results.get(lines[0]!.label)!;
    const targets: TargetCheck[] = [{ label: "import('@nbrun/drivers') ≤ 150 ms", measured: main.median, limit: 150, comparison: '<=', unit: 'ms' }];
    return {
      id: '9',
      title: this.title,
      what:
        `Each line is a fresh \`node\` process that imports the entry (${tsx ? 'TypeScript sources through tsx' : 'the built `packages/drivers/dist`'}) ` +
        `and prints \`performance.now()\` around the import(s): module loading only, process start excluded; ${reps} processes per line. ` +
        '@nbrun/core is loaded as part of it (drivers import its errors).',
      commands: lines.map((l) => `node --input-type=module -e "${script(l).replaceAll(pathToFileURL(ROOT).href, '')}"`),
      tables: [{ headers: ['import', 'time (median, min–max)'], rows: lines.map((l) => [l.label, formatSummary(results.get(l.label)!, formatMs)]) }],
      targets,
      notes: [
        'Before issue 13 the main entry loaded every driver and its SDK: about 1.1 s on this machine (the issue\'s measurement). ' +
          "The first line includes @nbrun/core, whose own import time is issue 13's other target (≤ 60 ms).",
      ],
    };
  },
};
