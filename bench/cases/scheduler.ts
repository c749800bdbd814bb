/**
 * Case 11 (issue 14, "Measured"): the scheduler service.
 *  a. dispatch latency: a tick's due time → the driver's `submit` call, with the real engine on SQLite
 *     and PostgreSQL (a recording driver timestamps `submit`; its jobs end at once);
 *  b. 10,000 schedules loaded: the idle `nbrun serve` process's CPU, and `GET /api/v1/schedules?limit=50`;
 *  c. throughput: 20 small notebooks queued at once on `nbrun serve --max-concurrent 2` against `nbrun test -j 2`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startPostgres } from '../../test/setup/postgres.js';
import { codeNotebook, writeNotebookFile } from '../lib/notebooks.js';
import { formatMs } from '../lib/stats.js';
import { ROOT, nbrunCommand, rel } from '../lib/tools.js';
import type { BenchCase, BenchContext, CaseResult, TargetCheck } from './types.js';
import type { Driver, JobHandle, JobRecord, JobStatus, SubmitRequest } from '@nbrun/drivers';

const TOKEN = 'bench-token-0123456789abcdef';
const NOTEBOOK = codeNotebook(['x = 1', 'print(x + 1)']);

/** The p-th percentile (nearest rank) of a list. */
function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' / ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── a. dispatch latency ──

/** A driver registered as `local` that records when `submit` is called (ms after the run's due time); its jobs end at once. */
async function recordingDrivers(latencies: number[]) {
  const { DriverRegistry } = await import('@nbrun/drivers');
  const handle = (id: string): JobHandle => {
    const record: JobRecord = { id, driver: 'local', notebook: '', createdAt: new Date().toISOString(), output: 'output.ipynb', spec: {}, backend: {} };
    const status: JobStatus = { id, driver: 'local', state: 'succeeded', exitCode: 0 };
    return {
      id, driver: 'local', record,
      status: async () => status,
      async *logs() {},
      wait: async () => status,
      result: async () => {
        throw new Error('no results');
      },
      cancel: async () => undefined,
      remove: async () => undefined,
    } as unknown as JobHandle;
  };
  const driver = {
    name: 'local',
    description: 'records submit times',
    optionsSchema: { type: 'object', properties: {} },
    optionSpecs: [],
    parseOptions: () => ({}),
    async submit(request: SubmitRequest): Promise<JobHandle> {
      latencies.push(Date.now() - Date.parse(request.env!.NBRUN_SCHEDULED_FOR!));
      return handle(request.jobId!);
    },
    async attach(job: string | JobRecord): Promise<JobHandle> {
      return handle(typeof job === 'string' ? job : job.id);
    },
  } as unknown as Driver;
  return new DriverRegistry().add('local', () => driver);
}

interface LatencyResult {
  label: string;
  samples: number[];
  load: string;
}

/** `count` interval schedules due at the same instants, every `everyS` seconds, for `seconds`; the engine as `nbrun serve` runs it. */
async function measureDispatch(ctx: BenchContext, label: string, database: string | undefined, count: number, everyS: number, seconds: number): Promise<LatencyResult> {
  const { openScheduler } = await import('@nbrun/scheduler');
  const stateDir = join(ctx.outDir, 'case11', `dispatch-${Date.now()}`);
  const latencies: number[] = [];
  const service = await openScheduler({ stateDir, ...(database ? { database } : {}), maxConcurrent: 4 * count, drivers: await recordingDrivers(latencies) });
  await service.start();
  try {
    const startAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000).toISOString();
    const nb = Buffer.from(JSON.stringify(NOTEBOOK));
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push((await service.createSchedule({ name: `tick-${i}`, trigger: { intervalSeconds: everyS }, startAt }, { notebookName: 'tick.ipynb', notebook: nb, files: new Map() })).id);
    }
    await sleep(2000 + seconds * 1000 + 300);
    const samples = [...latencies];
    ctx.log(`  ${label}: ${samples.length} ticks, p50 ${formatMs(percentile(samples, 50))}, p99 ${formatMs(percentile(samples, 99))} (load ${load()})`);
    // The PostgreSQL database is shared by the scenarios: leave nothing that ticks.
    for (const id of ids) await service.deleteSchedule(id);
    return { label, samples, load: load() };
  } finally {
    await service.close();
    if (!process.env.NBRUN_BENCH_KEEP) rmSync(stateDir, { recursive: true, force: true });
  }
}

// ── a service process ──

interface Service {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `nbrun serve` on a free port; resolves once it listens. */
async function startService(ctx: BenchContext, stateDir: string, extra: string[] = []): Promise<Service> {
  const line = nbrunCommand(ctx.cli, ['serve', '--state-dir', stateDir, '--port', '0', '--token', TOKEN, ...extra]);
  const env = { ...process.env };
  // The runner as it ships (the built bundle), as the built CLI is: in a checkout it would otherwise run through tsx.
  const runner = join(ROOT, 'packages/runner/dist/nbrun-runner.mjs');
  if (ctx.cli === 'built' && existsSync(runner)) env.NBRUN_RUNNER_BIN = runner;
  const child = spawn(line.cmd, line.args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`nbrun serve exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function api<T>(svc: Service, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${svc.url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** utime + stime of a process in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

// ── b. 10,000 schedules ──

interface LoadedResult {
  schedules: number;
  createMs: number;
  idleSeconds: number;
  idleCpuPercent: number;
  firstPage: number[];
  pages: number[];
  load: string;
}

async function measureLoaded(ctx: BenchContext, schedules: number, idleSeconds: number): Promise<LoadedResult> {
  const { openScheduler } = await import('@nbrun/scheduler');
  const stateDir = join(ctx.outDir, 'case11', 'loaded');
  // env NBRUN_BENCH_SCHEDULER_KEEP=1: measure the schedules loaded by an earlier run again (creating 10,000 takes minutes).
  const keep = process.env.NBRUN_BENCH_SCHEDULER_KEEP === '1' && existsSync(join(stateDir, 'nbrun.db'));
  if (!keep) rmSync(stateDir, { recursive: true, force: true });
  // Daily cron schedules whose time is half a day away: loaded, none due while measured.
  const hour = (new Date().getUTCHours() + 12) % 24;
  const nb = Buffer.from(JSON.stringify(NOTEBOOK));
  const t0 = performance.now();
  const filler = await openScheduler({ stateDir });
  await filler.start();
  for (let i = keep ? schedules : 0; i < schedules; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, schedules - i) }, (_, k) =>
        filler.createSchedule(
          { name: `report-${i + k}`, trigger: { cron: `${(i + k) % 60} ${hour} * * *`, timezone: (i + k) % 2 ? 'Europe/Berlin' : 'UTC' }, tags: (i + k) % 10 ? ['bulk'] : ['team-a'] },
          { notebookName: 'report.ipynb', notebook: nb, files: new Map() },
        ),
      ),
    );
  }
  await filler.close();
  const createMs = keep ? Number.NaN : performance.now() - t0;
  ctx.log(`  ${schedules} schedules created in ${formatMs(createMs)}`);
  const svc = await startService(ctx, stateDir);
  try {
    await sleep(3000); // start-up work (JIT, migrations, re-attach) is not idle time
    const c0 = cpuMs(svc.child.pid!);
    const w0 = performance.now();
    await sleep(idleSeconds * 1000);
    const idleCpuPercent = ((cpuMs(svc.child.pid!) - c0) / (performance.now() - w0)) * 100;
    ctx.log(`  idle CPU over ${idleSeconds} s: ${idleCpuPercent.toFixed(2)} % of a core (load ${load()})`);
    const firstPage: number[] = [];
    const pages: number[] = [];
    for (let i = 0; i < 20; i++) await api(svc, '/api/v1/schedules?limit=50'); // warm-up
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      const page = await api<{ items: unknown[] }>(svc, '/api/v1/schedules?limit=50');
      firstPage.push(performance.now() - t);
      if (page.items.length !== 50) throw new Error(`case 11: a page had ${page.items.length} schedules`);
    }
    let cursor: string | undefined;
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      const page: { items: unknown[]; nextCursor?: string } = await api(svc, `/api/v1/schedules?limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(performance.now() - t);
      cursor = page.nextCursor;
    }
    ctx.log(`  GET /schedules?limit=50: p50 ${formatMs(percentile(firstPage, 50))}, p99 ${formatMs(percentile(firstPage, 99))}; paging p99 ${formatMs(percentile(pages, 99))} (load ${load()})`);
    return { schedules, createMs, idleSeconds, idleCpuPercent, firstPage, pages, load: load() };
  } finally {
    await svc.stop();
  }
}

// ── c. throughput ──

interface Run {
  id: string;
  state: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Where a service run's time went (ms, medians over the runs), from the run rows and the runners' status.json. */
export interface ThroughputBreakdown {
  /** Service `startedAt` (driver submit returned) → the runner's own `startedAt` (process start, module load). */
  runnerStart: number;
  /** The runner's `startedAt` → `endedAt` (kernel start, cells, output written). */
  runner: number;
  /** The runner's `endedAt` → the service's `finishedAt` (runner exit, wait wake-up, results copy, the row). */
  afterRunner: number;
  /** A run's `finishedAt` → the next run's `startedAt` on the freed slot (claim, snapshot bundle, spawn). */
  slotGap: number;
  /** A standby's release → its kernel ready (0 when the kernel started ahead was ready; the rest of its start otherwise). */
  releaseToKernel: number;
  /** A run's last cell ended → the runner's final status (`endedAt`). */
  lastCellToEnd: number;
  /** How many runs were released as standbys (the others were submitted on their slot). */
  standbys: number;
  /** CPU of the `nbrun serve` process per run (utime + stime over the batch ÷ runs). */
  serviceCpu: number;
}

const med = (v: number[]) => percentile(v, 50);

async function breakdown(svc: Service, runs: Run[]): Promise<ThroughputBreakdown> {
  const rows = [];
  const releaseToKernel: number[] = [];
  const lastCellToEnd: number[] = [];
  for (const r of runs) {
    const status = await api<{ startedAt?: string; endedAt?: string }>(svc, `/api/v1/runs/${r.id}/status`);
    rows.push({ started: Date.parse(r.startedAt!), finished: Date.parse(r.finishedAt!), rStart: Date.parse(status.startedAt!), rEnd: Date.parse(status.endedAt!) });
    // The runner's log lines start with their ISO time.
    const res = await fetch(`${svc.url}/api/v1/runs/${r.id}/log`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const lines = (await res.text()).split('\n');
    const at = (re: RegExp) => {
      const line = lines.filter((l) => re.test(l)).at(-1);
      return line ? Date.parse(line.slice(0, 24)) : Number.NaN;
    };
    const released = at(/ released: /);
    if (!Number.isNaN(released)) releaseToKernel.push(at(/ kernel \S+ ready /) - released);
    lastCellToEnd.push(Date.parse(status.endedAt!) - at(/ cell \d+ \[\d+\] \w+ in /));
  }
  // Each start after the first two took the slot freed by the earliest finish not yet reused.
  const starts = rows.map((r) => r.started).sort((a, b) => a - b);
  const ends = rows.map((r) => r.finished).sort((a, b) => a - b);
  const gaps = starts.slice(2).map((s, i) => s - ends[i]!);
  return {
    serviceCpu: Number.NaN,
    runnerStart: med(rows.map((r) => r.rStart - r.started)),
    runner: med(rows.map((r) => r.rEnd - r.rStart)),
    afterRunner: med(rows.map((r) => r.finished - r.rEnd)),
    slotGap: med(gaps),
    releaseToKernel: releaseToKernel.length ? med(releaseToKernel) : Number.NaN,
    lastCellToEnd: med(lastCellToEnd),
    standbys: releaseToKernel.length,
  };
}

/** 20 notebooks POSTed at once to a fresh `nbrun serve --max-concurrent 2`; ms from the first POST to the last run's end. */
async function serviceThroughput(ctx: BenchContext, notebooks: ReturnType<typeof codeNotebook>[]): Promise<{ ms: number; parts: ThroughputBreakdown }> {
  const stateDir = join(ctx.outDir, 'case11', `throughput-${Date.now()}`);
  const svc = await startService(ctx, stateDir, ['--max-concurrent', '2']);
  try {
    const cpu0 = cpuMs(svc.child.pid!);
    const t0 = Date.now();
    const runs = await Promise.all(
      notebooks.map((nb, k) => api<Run>(svc, '/api/v1/runs', { method: 'POST', body: JSON.stringify({ name: `small-${k}`, notebook: nb }) })),
    );
    const ids = new Set(runs.map((r) => r.id));
    for (;;) {
      const page = await api<{ items: Run[] }>(svc, '/api/v1/runs?limit=100');
      const mine = page.items.filter((r) => ids.has(r.id));
      if (mine.every((r) => !['queued', 'running'].includes(r.state))) {
        const bad = mine.filter((r) => r.state !== 'succeeded');
        if (bad.length) throw new Error(`case 11: ${bad.length} runs did not succeed (${bad[0]!.id}: ${bad[0]!.state})`);
        const ms = Math.max(...mine.map((r) => Date.parse(r.finishedAt!))) - t0;
        const serviceCpu = (cpuMs(svc.child.pid!) - cpu0) / mine.length;
        return { ms, parts: { ...(await breakdown(svc, mine)), serviceCpu } };
      }
      await sleep(100);
    }
  } finally {
    await svc.stop();
    if (!process.env.NBRUN_BENCH_KEEP) rmSync(stateDir, { recursive: true, force: true });
  }
}

async function nbrunTestMs(ctx: BenchContext, dir: string): Promise<number> {
  const line = nbrunCommand(ctx.cli, ['test', rel(dir), '-j', '2']);
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve) => spawn(line.cmd, line.args, { cwd: ROOT, stdio: 'ignore' }).on('exit', resolve));
  if (code !== 0) throw new Error(`case 11: nbrun test exited ${code}`);
  return performance.now() - t0;
}

// ── the case ──

const stats = (v: number[]) => [formatMs(percentile(v, 50)), formatMs(percentile(v, 99)), formatMs(Math.max(...v)), String(v.length)];

/** @example const result = await schedulerCase.run(ctx) */
export const schedulerCase: BenchCase = {
  id: '11',
  title: 'The scheduler service (issue 14)',
  async run(ctx): Promise<CaseResult> {
    mkdirSync(join(ctx.outDir, 'case11'), { recursive: true });
    const seconds = ctx.quick ? 8 : 30;
    const targets: TargetCheck[] = [];
    const tables: CaseResult['tables'] = [];
    // Parts to measure (env NBRUN_BENCH_SCHEDULER_PARTS=a,b,c; default all).
    const parts = (process.env.NBRUN_BENCH_SCHEDULER_PARTS ?? 'a,b,c').split(',');

    if (parts.includes('a')) {
      const dispatch: LatencyResult[] = [];
      const pg = await startPostgres().catch((err: Error) => {
        ctx.log(`case 11: no PostgreSQL (${err.message}); SQLite only`);
        return undefined;
      });
      try {
        for (const [db, url] of [['SQLite', undefined], ...(pg ? [['PostgreSQL', pg.url]] : [])] as [string, string | undefined][]) {
          dispatch.push(await measureDispatch(ctx, `${db}, 1 schedule every 1 s`, url, 1, 1, seconds));
          dispatch.push(await measureDispatch(ctx, `${db}, 10 schedules due together every 2 s`, url, 10, 2, seconds));
        }
      } finally {
        await pg?.stop();
      }
      const all = dispatch.flatMap((d) => d.samples);
      targets.push({ label: 'dispatch latency p50 (all ticks)', measured: percentile(all, 50), limit: 50, comparison: '<=', unit: 'ms' });
      targets.push({ label: 'dispatch latency p99 (all ticks)', measured: percentile(all, 99), limit: 200, comparison: '<=', unit: 'ms' });
      tables.push({ caption: 'a. Dispatch latency (due time → driver submit)', headers: ['scenario', 'p50', 'p99', 'max', 'ticks', 'load (1/5/15)'], rows: dispatch.map((d) => [d.label, ...stats(d.samples), d.load]) });
    }

    if (parts.includes('b')) {
      const loaded = await measureLoaded(ctx, ctx.quick ? 2000 : 10_000, seconds);
      targets.push({ label: `idle CPU with ${loaded.schedules} schedules (% of a core)`, measured: loaded.idleCpuPercent, limit: 1, comparison: '<=', unit: '%' });
      targets.push({ label: 'GET /api/v1/schedules?limit=50 p99', measured: percentile(loaded.firstPage, 99), limit: 20, comparison: '<=', unit: 'ms' });
      tables.push({
        caption: `b. ${loaded.schedules} schedules loaded`,
        headers: ['measure', 'value', 'load (1/5/15)'],
        rows: [
          ['create (in-process service API, 50 at a time)', formatMs(loaded.createMs), ''],
          [`idle CPU of nbrun serve over ${loaded.idleSeconds} s`, `${loaded.idleCpuPercent.toFixed(2)} % of a core`, loaded.load],
          ['GET /api/v1/schedules?limit=50 p50 / p99 / max', stats(loaded.firstPage).slice(0, 3).join(' / '), loaded.load],
          ['…following nextCursor, 200 pages: p50 / p99 / max', stats(loaded.pages).slice(0, 3).join(' / '), loaded.load],
        ],
      });
    }

    if (parts.includes('c')) {
      const dir = join(ctx.outDir, 'case11', 'suite');
      const notebooks = Array.from({ length: 20 }, (_, k) => codeNotebook([`a = ${k}`, 'def double(x):\n    return 2 * x', `assert double(a) == ${2 * k}\nprint(double(a))`]));
      notebooks.forEach((nb, k) => writeNotebookFile(join(dir, `small-${String(k).padStart(2, '0')}.ipynb`), nb));
      const serviceMs: number[] = [];
      const testMs: number[] = [];
      const parts: ThroughputBreakdown[] = [];
      for (let rep = 0; rep < ctx.heavyReps; rep++) {
        testMs.push(await nbrunTestMs(ctx, dir));
        const svc = await serviceThroughput(ctx, notebooks);
        serviceMs.push(svc.ms);
        parts.push(svc.parts);
        const p = svc.parts;
        ctx.log(
          `  rep ${rep + 1}: nbrun test -j 2 ${formatMs(testMs.at(-1)!)}, service ${formatMs(svc.ms)} (load ${load()}); ` +
            `per run (medians): runner start ${formatMs(p.runnerStart)}, runner ${formatMs(p.runner)}, after the runner ${formatMs(p.afterRunner)}, slot gap ${formatMs(p.slotGap)}, ` +
            `release → kernel ready ${formatMs(p.releaseToKernel)} (${p.standbys} standbys), last cell → final status ${formatMs(p.lastCellToEnd)}, ` +
            `nbrun serve CPU per run ${formatMs(p.serviceCpu)}`,
        );
      }
      const median = (v: number[]) => percentile(v, 50);
      targets.push({ label: '20 notebooks on the service (--max-concurrent 2) ≤ 1.3 × nbrun test -j 2', measured: median(serviceMs) / median(testMs), limit: 1.3, comparison: '<=', unit: 'ratio' });
      tables.push({
        caption: 'c. Throughput, 20 small notebooks',
        headers: ['contender', 'median', 'all', 'load at the end (1/5/15)'],
        rows: [
          ['nbrun test -j 2', formatMs(median(testMs)), testMs.map(formatMs).join(', '), ''],
          ['nbrun serve --max-concurrent 2, 20 × POST /runs', formatMs(median(serviceMs)), serviceMs.map(formatMs).join(', '), load()],
        ],
      });
      const row = (label: string, k: keyof ThroughputBreakdown) => [label, formatMs(median(parts.map((p) => p[k]))), parts.map((p) => formatMs(p[k])).join(', ')];
      tables.push({
        caption: 'c. Where a service run\'s time goes (median over the 20 runs of a repetition)',
        headers: ['part', 'median', 'all repetitions'],
        rows: [
          row('run started (slot taken) → runner started (process, modules; negative: started ahead as a standby)', 'runnerStart'),
          row('runner: kernel start, cells, output written (a standby\'s wait for its slot included)', 'runner'),
          row('runner ended → run finished (exit, wake-up, results copy, row)', 'afterRunner'),
          row('run finished → next run submitted on that slot (negative: the slot freed before the run was final)', 'slotGap'),
          row('standby released → its kernel ready (standbys only)', 'releaseToKernel'),
          row('last cell ended → final status written', 'lastCellToEnd'),
          row('CPU of the nbrun serve process per run', 'serviceCpu'),
        ],
      });
    }

    return {
      id: '11',
      title: this.title,
      what:
        'a. Dispatch latency: interval schedules in the real engine (`openScheduler`, the loop as `nbrun serve` runs it) on SQLite and on a throwaway PostgreSQL; ' +
        'a driver registered as `local` records `Date.now() − scheduledFor` when its `submit` is called (its jobs end at once, so only the engine is measured). ' +
        `b. 10,000 (quick: 2,000) daily cron schedules (none due during the measurement) created through the service API, then \`nbrun serve\` started on them: ` +
        'its CPU (utime+stime from /proc) over an idle window, then `GET /api/v1/schedules?limit=50` over HTTP (200 requests after 20 warm-up, and 200 pages followed by cursor). ' +
        'c. The 20 notebooks of case 6 POSTed at once to a fresh `nbrun serve --max-concurrent 2` (local driver, the built runner in its shared runner host, started by the first run, as `nbrun serve` runs it), from the first POST to the last run\'s `finishedAt`, ' +
        'against `nbrun test DIR -j 2` (process wall time), interleaved.',
      commands: [
        "openScheduler({ stateDir, drivers: <recording 'local'> }); createSchedule({ trigger: { intervalSeconds }, startAt }) × N",
        `${ctx.cli === 'built' ? 'node packages/cli/dist/bin.js' : 'nbrun (tsx)'} serve --state-dir bench/out/case11/loaded --port 0 --token …`,
        'GET /api/v1/schedules?limit=50',
        'nbrun serve --max-concurrent 2; POST /api/v1/runs × 20',
        `nbrun test bench/out/case11/suite -j 2`,
      ],
      tables,
      targets,
      notes: [`Load average at the end: ${load()} (2 cores shared with other work).`],
    };
  },
};
