/**
 * `pnpm bench`: nbrun side by side with nbclient and `jupyter execute`; writes bench/BENCHMARKS.md.
 * Usage is in USAGE below (`pnpm bench --help`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bigOutputCase } from './cases/big-output.js';
import { cliSmallCase } from './cases/cli-small.js';
import { hugeOutputCase } from './cases/huge-output.js';
import { concurrentCase } from './cases/concurrent.js';
import { importDriversCase } from './cases/import-drivers.js';
import { jobsCase } from './cases/jobs.js';
import { remotePerCellCase } from './cases/remote-per-cell.js';
import { renderCase } from './cases/render.js';
import { schedulerCase } from './cases/scheduler.js';
import { trivialCellsCase } from './cases/trivial-cells.js';
import { isMet, type BenchCase, type BenchContext, type CaseResult, type CoreModule } from './cases/types.js';
import { warmTestCase } from './cases/warm-test.js';
import { describeEnvironment } from './lib/environment.js';
import { privateIpythonDir } from './lib/ipython.js';
import { renderReport, type ReportInput } from './lib/report.js';
import { ROOT, hasBuiltCli } from './lib/tools.js';

const CASES: BenchCase[] = [
  cliSmallCase, trivialCellsCase, bigOutputCase, remotePerCellCase, concurrentCase, warmTestCase, renderCase, hugeOutputCase, importDriversCase, jobsCase, schedulerCase,
];

const USAGE = `pnpm bench [options]          (node --import tsx bench/run.ts)

  --reps N        recorded repetitions per contender (default 5; env NBRUN_BENCH_REPS);
                  the slow cases 5 and 6 use ceil(N/2)
  --quick         smoke run: small sizes, 1 repetition, no warm-up, no profiles,
                  written to bench/out/BENCHMARKS.quick.md (env NBRUN_BENCH_QUICK=1)
  --cases 1,3     only these cases (default all: ${CASES.map((c) => c.id).join(',')}; env NBRUN_BENCH_CASES)
  --no-build      do not run 'pnpm -r --filter ./packages/* run build' first
                  (nbrun then runs from packages/*/dist if present, else through tsx)
  --no-tsx        do not also measure the CLI through tsx in case 1
  --no-profile    do not CPU-profile the nbrun side of cases that miss a target
  --out FILE      report path (default bench/BENCHMARKS.md)
  --render        only re-render the report from the last run's results
                  (bench/out/last-run.json), e.g. after editing bench/ANALYSIS.md
  env NBRUN_BENCH_CONCURRENCY   p-queue concurrency of case 5 (default 8)
  env NBRUN_BENCH_PYTHON        the Python with nbclient (default /usr/bin/python3)`;

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Builds the packages so the CLI runs as it ships (dist/bin.js); false when the build fails. */
function buildPackages(notes: string[]): boolean {
  log('building packages (pnpm -r --filter ./packages/* run build)');
  const res = spawnSync('pnpm', ['-r', '--filter', './packages/*', 'run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (res.status === 0) return true;
  const why = `${res.stderr ?? ''}${res.stdout ?? ''}`.split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' / ');
  notes.push(`The build failed (${why || `exit ${String(res.status)}`}): nbrun was measured from its TypeScript sources through tsx.`);
  log(`build failed: ${why}`);
  return false;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string' },
      quick: { type: 'boolean' },
      cases: { type: 'string' },
      'no-build': { type: 'boolean' },
      'no-tsx': { type: 'boolean' },
      'no-profile': { type: 'boolean' },
      out: { type: 'string' },
      render: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const quick = values.quick ?? process.env.NBRUN_BENCH_QUICK === '1';
  const reps = Number(values.reps ?? process.env.NBRUN_BENCH_REPS ?? (quick ? 1 : 5));
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer (got '${values.reps ?? process.env.NBRUN_BENCH_REPS}')`);
  const wanted = (values.cases ?? process.env.NBRUN_BENCH_CASES)?.split(',').map((s) => s.trim());
  const unknown = wanted?.filter((id) => !CASES.some((c) => c.id === id));
  if (unknown?.length) throw new Error(`--cases: unknown case '${unknown[0]}' (known: ${CASES.map((c) => c.id).join(', ')})`);
  const selected = CASES.filter((c) => !wanted || wanted.includes(c.id));
  const outPath = values.out ?? `${ROOT}${quick ? 'bench/out/BENCHMARKS.quick.md' : 'bench/BENCHMARKS.md'}`;
  const lastRun = `${ROOT}bench/out/last-run${quick ? '.quick' : ''}.json`;
  if (values.render) {
    if (!existsSync(lastRun)) throw new Error(`--render: no previous results in ${lastRun}; run the benchmarks first`);
    writeFileSync(outPath, renderReport(JSON.parse(readFileSync(lastRun, 'utf8')) as ReportInput));
    log(`re-rendered ${outPath} from ${lastRun}`);
    return 0;
  }

  const startedAt = new Date();
  const t0 = performance.now();
  const setupNotes: string[] = [];
  const built = values['no-build'] ? hasBuiltCli() : buildPackages(setupNotes) && hasBuiltCli();
  if (values['no-build']) setupNotes.push(`Run with --no-build: ${built ? 'the existing packages/*/dist was used as it was' : 'no build found, nbrun ran through tsx'}.`);
  const coreFlavour = built && existsSync(`${ROOT}packages/core/dist/index.js`) ? 'dist' : 'src';
  let core: Promise<CoreModule> | undefined;
  const ctx: BenchContext = {
    outDir: `${ROOT}bench/out`,
    reps,
    heavyReps: quick ? 1 : Math.ceil(reps / 2),
    warmup: quick ? 0 : 1,
    quick,
    profile: !quick && !values['no-profile'],
    cli: built ? 'built' : 'tsx',
    alsoTsx: built && !values['no-tsx'],
    coreFlavour,
    loadCore: () => (core ??= import(pathToFileURL(`${ROOT}packages/core/${coreFlavour === 'dist' ? 'dist/index.js' : 'src/index.ts'}`).href) as Promise<CoreModule>),
    log,
  };
  mkdirSync(ctx.outDir, { recursive: true });
  if (!process.env.IPYTHONDIR) {
    // Kernels of other programs on a shared machine must not contend for our kernels' history database.
    process.env.IPYTHONDIR = privateIpythonDir(ctx.outDir);
    setupNotes.push(
      'Every process of the run (and so every kernel) gets a private `IPYTHONDIR=bench/out/ipython`: IPython keeps its defaults ' +
        '(history written to SQLite on disk) but does not share the history database with other kernels on the machine.',
    );
  }
  setupNotes.push(
    `nbrun's CLI ran as ${ctx.cli === 'built' ? '`node packages/cli/dist/bin.js` (the tsup bundle, the headline numbers)' : '`node --import tsx packages/cli/src/bin.ts`'}; ` +
      `the API cases (4, 5) load @nbrun/core from ${coreFlavour === 'dist' ? 'packages/core/dist' : 'packages/core/src through tsx'}.`,
  );
  const environment = describeEnvironment();
  const results: CaseResult[] = [];
  const failures: { id: string; title: string; error: string }[] = [];
  for (const c of selected) {
    log(`case ${c.id}: ${c.title}`);
    try {
      const result = await c.run(ctx);
      if (ctx.profile && c.profile && result.targets.some((t) => !isMet(t))) {
        log(`case ${c.id}: a target was missed, profiling the nbrun side`);
        result.profile = await c.profile(ctx).catch((err: unknown) => `Profiling failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      results.push(result);
    } catch (err) {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`case ${c.id} failed: ${error}`);
      failures.push({ id: c.id, title: c.title, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const mode = quick ? `quick mode, ${reps} repetition(s)` : `${reps} repetitions, ${ctx.heavyReps} for cases 5–6`;
  const input: ReportInput = {
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - t0,
    mode,
    environment,
    loadAtEnd: loadavg().map((l) => l.toFixed(2)).join(' / '),
    setupNotes,
    results,
    failures,
    analysisPath: `${ROOT}bench/ANALYSIS.md`,
    usage: USAGE,
  };
  writeFileSync(lastRun, JSON.stringify(input, null, 1));
  writeFileSync(outPath, renderReport(input));
  log(`wrote ${outPath}`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
