/**
 * The scheduler with an S3 artifact store (s3rver, the runner tests' helper), two instances
 * with their own state dirs on one database: what one wrote, the other fetches; the store
 * down delays a run, loses none; a log read there is read from where the reader left off;
 * objects retention and DELETE give up while the store is down are deleted once it is back
 * (pending deletions in the database, shared by two instances on PostgreSQL). The end-to-end
 * case (two `nbrun serve` processes, a real PostgreSQL, real kernels) is
 * packages/cli/test/serve-s3.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStore } from '@nbrun/drivers/store';
import { ManualClock, openScheduler, type Scheduler } from '@nbrun/scheduler';
import { RUN_LOG } from '../src/artifacts.js';
import { startS3Server, type S3TestServer } from '../../runner/test/helpers/s3-server.js';
import { FakeBackend } from './helpers/fake-driver.js';
import { NOTEBOOK, snapshot, until } from './helpers/harness.js';
import { freshDatabase } from './helpers/pg.js';
import { startS3Proxy, type S3Proxy } from './helpers/s3-proxy.js';

const DAY_MS = 86_400_000;
let s3: S3TestServer | undefined;
let proxy: S3Proxy | undefined;
const proxies: S3Proxy[] = [];
let dir: string | undefined;
const opened: Scheduler[] = [];

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  await proxy?.stop();
  proxy = undefined;
  for (const p of proxies.splice(0)) await p.stop();
  await s3?.stop();
  s3 = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const lines = async (log: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const line of log) out.push(line);
  return out;
};

it('a run whose snapshot another instance wrote waits in the queue while the store is down, then runs from the fetched copy; the other serves its log while it runs, its output and status after', async () => {
  s3 = await startS3Server(['nbrun']);
  dir = await mkdtemp(join(tmpdir(), 'nbrun-sched-s3-'));
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const backend = new FakeBackend();
  const open = async (name: string) => {
    const s = await openScheduler({
      stateDir: join(dir!, name),
      database: join(dir!, 'shared.db'),
      store: 's3://nbrun/team',
      env: { ...s3!.env },
      clock,
      drivers: backend.registry(),
      loop: false,
      instanceId: name,
    });
    opened.push(s);
    await s.start();
    return s;
  };

  const a = await open('a');
  const sch = await a.createSchedule({ name: 'report' }, snapshot(NOTEBOOK, { 'lib/helper.py': 'X = 1\n' }));
  // A stays open but never ticks: B takes the work.

  const b = await open('b');
  await s3.down();
  const run = await b.runNow(sch.id);
  await b.tick();
  await b.whenSubmitted();
  expect(backend.submitted).toEqual([]);
  expect((await b.getRun(run.id)).state).toBe('queued');
  await expect(b.runStatus(run.id)).rejects.toMatchObject({ status: 503, code: 'E_UNAVAILABLE', message: expect.stringMatching(/^the artifact store s3:\/\/nbrun\/team is unavailable/) });

  await s3.up();
  await b.tick();
  expect(backend.submitted).toEqual([]); // it waits a few seconds before the next try
  clock.advance(5000);
  await b.tick();
  await b.whenSubmitted();
  expect(backend.submitted).toEqual([run.id]);
  const input = dirname(backend.jobs.get(run.id)!.request.notebook);
  expect(input.startsWith(join(dir, 'b', 'artifacts', 'snapshots'))).toBe(true);
  expect(await readFile(join(input, 'lib', 'helper.py'), 'utf8')).toBe('X = 1\n');
  // The log reaches the store while the run runs: A, which does not follow it, reads it there.
  await until(async () => (await lines(a.runLog(run.id))).includes(`fake log of ${run.id}`), "the running run's log on A");
  expect((await a.getRun(run.id)).state).toBe('running');
  backend.end(run.id, 'succeeded');
  await until(async () => (await b.getRun(run.id)).state === 'succeeded', 'the run');
  const output = await a.runOutput(run.id);
  expect(output?.path.startsWith(join(dir, 'a', 'artifacts', 'runs', run.id))).toBe(true);
  expect(await readFile(output!.path, 'utf8')).toBe('{}');
  expect(await a.runStatus(run.id)).toMatchObject({ state: 'completed' });
  expect(await s3.list('nbrun', `team/runs/${run.id}/`)).toEqual(
    ['results/output.ipynb', 'results/status.json', 'run.log'].map((k) => `team/runs/${run.id}/${k}`),
  );

  // Each instance's copies are a cache. A copy in use stays: A's, read just now, though dated back two days…
  const aged = (path: string, ms: number) => utimes(path, new Date(Date.now() - ms), new Date(Date.now() - ms));
  const [aRun, bRun] = [join(dir, 'a', 'artifacts', 'runs', run.id), join(dir, 'b', 'artifacts', 'runs', run.id)];
  await aged(aRun, 2 * DAY_MS);
  await a.runOutput(run.id);
  expect(await a.sweepCache()).toBe(0);
  // …as does one of a run that still has its row (B's, two minutes old).
  await aged(bRun, 120_000);
  expect(await b.sweepCache()).toBe(0);
  expect([existsSync(aRun), existsSync(bRun), existsSync(input)]).toEqual([true, true, true]);
  // A deletes the schedule, its run and its snapshot (from the store and its own copies); B is not told.
  await a.deleteSchedule(sch.id);
  await until(async () => (await s3!.list('nbrun', 'team/')).length === 0, 'the deletions from the store');
  expect(existsSync(aRun)).toBe(false);
  // B's next sweep removes its copy of the deleted run; its snapshot's copy stays while used in the last day…
  expect(await b.sweepCache()).toBe(1);
  expect([existsSync(bRun), existsSync(input)]).toEqual([false, true]);
  // …and for an hour after B handed it out to a run (whose bundle may be being made from it), whatever its time says.
  await aged(input, 2 * DAY_MS);
  expect(await b.sweepCache()).toBe(0);
  // B restarted (nothing handed out): the copy unused for a day goes.
  await b.close();
  const b2 = await open('b');
  expect(await b2.sweepCache()).toBe(1);
  expect(existsSync(input)).toBe(false);
});

it('an instance that does not follow a run reads only the new bytes of its growing log at each look (ranged reads from the store)', async () => {
  const store = (s3 = await startS3Server(['nbrun']));
  const counted = (proxy = await startS3Proxy(store.endpoint));
  dir = await mkdtemp(join(tmpdir(), 'nbrun-sched-s3-'));
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const backend = new FakeBackend();
  const open = async (name: string, env: Record<string, string>) => {
    const s = await openScheduler({
      stateDir: join(dir!, name), database: join(dir!, 'shared.db'), store: 's3://nbrun/team', env, clock, drivers: backend.registry(), loop: false, instanceId: name,
    });
    opened.push(s);
    await s.start();
    return s;
  };
  // A follows the run and uploads its log; B reads it through the counting proxy.
  const a = await open('a', { ...store.env });
  const b = await open('b', { ...store.env, NBRUN_S3_ENDPOINT: counted.endpoint });
  const sch = await a.createSchedule({ name: 'report' }, snapshot());
  const run = await a.runNow(sch.id);
  await a.tick();
  await a.whenSubmitted();
  const key = `team/runs/${run.id}/${RUN_LOG}`;
  await until(async () => (await store.list('nbrun', key)).length === 1, 'the first upload of the log');

  const got: string[] = [];
  const abort = new AbortController();
  const reading = (async () => {
    for await (const line of b.runLog(run.id, { follow: true, signal: abort.signal })) got.push(line);
  })();
  await until(() => got.includes(`fake log of ${run.id}`), "the log's first line on B", 20_000);
  for (let i = 0; i < 4; i++) {
    clock.advance(2000); // A uploads the log again at its next line
    const line = String(i).repeat(8000);
    backend.log(run.id, line);
    await until(() => got.includes(line), `line ${i} on B`, 20_000);
  }
  abort.abort();
  await reading;
  const size = Buffer.byteLength(await store.get('nbrun', key));
  expect(size).toBeGreaterThan(32_000);
  const reads = counted.requests.filter((r) => r.method === 'GET' && r.path === `/nbrun/${key}`);
  const answered = reads.filter((r) => r.status === 200 || r.status === 206);
  // Each byte came once: 5 reads with data (the first line, then each 8 KB line), every later look a ranged one.
  expect(answered.reduce((n, r) => n + r.bytes, 0)).toBe(size);
  expect(answered.length).toBe(5);
  expect(reads.slice(1).every((r) => r.range?.startsWith('bytes='))).toBe(true);
  backend.end(run.id, 'succeeded');
  await until(async () => (await a.getRun(run.id)).state === 'succeeded', 'the run');
});

/** The pending deletions in the database: prefix and failed tries. */
const pending = (s: Scheduler) => s.db.all<{ prefix: string; attempts: number; not_before: number }>('SELECT prefix, attempts, not_before FROM pending_deletions ORDER BY prefix');

/** The warnings the process emits from now on. */
function captureWarnings(): string[] {
  const seen: string[] = [];
  const listener = (w: Error) => seen.push(w.message);
  process.on('warning', listener);
  stopCapture.push(() => process.off('warning', listener));
  return seen;
}
const stopCapture: (() => void)[] = [];
afterEach(() => {
  for (const stop of stopCapture.splice(0)) stop();
});

it('retention and DELETE while the store is down leak no object: the deletions wait in the database and are done, with backoff, once it is back', async () => {
  const store = (s3 = await startS3Server(['nbrun']));
  dir = await mkdtemp(join(tmpdir(), 'nbrun-sched-s3-'));
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const backend = new FakeBackend();
  const warnings = captureWarnings();
  const a = await openScheduler({ stateDir: join(dir, 'a'), store: 's3://nbrun/team', env: { ...store.env }, clock, drivers: backend.registry(), loop: false });
  opened.push(a);
  await a.start();
  const sch = await a.createSchedule({ name: 'report', retention: { maxRuns: 1 } }, snapshot());
  const r1 = await a.runNow(sch.id);
  await a.tick();
  await a.whenSubmitted();
  backend.end(r1.id, 'succeeded');
  await until(async () => (await a.getRun(r1.id)).state === 'succeeded', 'run 1');
  expect(await store.list('nbrun', `team/runs/${r1.id}/`)).toHaveLength(3);

  // The store goes down; run 2 fails before its job starts (its snapshot is in A's cache): retention drops run 1.
  await store.down();
  backend.failSubmit = new Error('no such cluster');
  const r2 = await a.runNow(sch.id);
  await a.tick();
  await a.whenSubmitted();
  await until(async () => (await pending(a)).some((p) => p.attempts === 1), 'the failed first try');
  await expect(a.getRun(r1.id)).rejects.toMatchObject({ status: 404 });
  expect((await a.getRun(r2.id)).state).toBe('failed');
  expect((await pending(a)).map((p) => [p.prefix, p.attempts, p.not_before - clock.now().getTime()])).toEqual([[`runs/${r1.id}`, 1, 5000]]);

  await store.up();
  await a.tick(); // not due yet: the objects stay until the backoff is over
  expect(await store.list('nbrun', `team/runs/${r1.id}/`)).toHaveLength(3);
  clock.advance(5000);
  await a.tick();
  await until(async () => (await pending(a)).length === 0, 'the deletion');
  expect(await store.list('nbrun', 'team/runs/')).toEqual([]);

  // DELETE of the schedule with the store down: its snapshot and its runs wait; the wait doubles per failed try.
  await store.down();
  await a.deleteSchedule(sch.id);
  expect((await pending(a)).map((p) => [p.prefix, p.attempts])).toEqual([[`runs/${r2.id}`, 1], [`snapshots/${sch.id}`, 1]]);
  clock.advance(5000);
  await a.tick();
  await until(async () => (await pending(a)).every((p) => p.attempts === 2), 'the second failed try');
  expect((await pending(a)).map((p) => p.not_before - clock.now().getTime())).toEqual([10_000, 10_000]);
  await store.up();
  clock.advance(10_000);
  await a.tick();
  await until(async () => (await pending(a)).length === 0, 'the deletions');
  expect(await store.list('nbrun', 'team/')).toEqual([]);
  // One line per outage, naming the store, never its keys.
  const lines = warnings.filter((w) => /cannot delete/.test(w));
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^nbrun scheduler: the artifact store s3:\/\/nbrun\/team is unavailable: cannot delete runs\/run-\w+ \(.*\); 1 deletion\(s\) from the store wait, retried with backoff$/);
  expect(warnings.join('\n')).not.toContain('S3RVER');
});

it('two instances on one PostgreSQL share the pending deletions: each prefix deleted by one of them, once, none failing; one already gone is done as well', async () => {
  const database = await freshDatabase();
  const store = (s3 = await startS3Server(['nbrun']));
  const viaA = await startS3Proxy(store.endpoint);
  const viaB = await startS3Proxy(store.endpoint);
  proxies.push(viaA, viaB);
  dir = await mkdtemp(join(tmpdir(), 'nbrun-sched-s3-'));
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const backend = new FakeBackend();
  backend.autoEnd = 'succeeded';
  const open = async (name: string, via: S3Proxy) => {
    const s = await openScheduler({
      stateDir: join(dir!, name), database, store: 's3://nbrun/team', env: { ...store.env, NBRUN_S3_ENDPOINT: via.endpoint }, clock, drivers: backend.registry(), loop: false, instanceId: name,
    });
    opened.push(s);
    await s.start();
    return s;
  };
  const a = await open('a', viaA);
  const b = await open('b', viaB);
  const sch = await a.createSchedule({ name: 'many', concurrencyPolicy: 'allow' }, snapshot());
  const runs: string[] = [];
  for (let i = 0; i < 12; i++) runs.push((await a.runNow(sch.id)).id);
  await until(async () => {
    await a.tick();
    return (await a.listRuns({ state: 'succeeded' })).items.length === 12;
  }, 'the 12 runs', 60_000);
  expect(await store.list('nbrun', 'team/runs/')).toHaveLength(36);

  await store.down();
  const warnings = captureWarnings();
  await a.deleteSchedule(sch.id);
  const prefixes = [...runs.map((id) => `runs/${id}`), `snapshots/${sch.id}`].sort();
  expect((await pending(b)).map((p) => p.prefix)).toEqual(prefixes);
  expect(warnings.filter((w) => /cannot delete/.test(w))).toHaveLength(1);
  await store.up();
  // One run's objects are already gone (an instance deleted them, then died before its row went).
  const direct = openStore('s3://nbrun/team', { endpoint: store.endpoint, env: store.env });
  expect(await direct.delete(`runs/${runs[0]}`)).toBe(3);
  direct.close();

  viaA.requests.length = 0;
  viaB.requests.length = 0;
  clock.advance(5000);
  await Promise.all([a.tick(), b.tick()]);
  await until(async () => (await pending(a)).length === 0, 'the deletions');
  expect(await store.list('nbrun', 'team/')).toEqual([]);
  // Each prefix listed (then deleted) by one instance, once; no failure reported once the store was back.
  const listed = (p: S3Proxy) => p.requests.filter((r) => r.method === 'GET' && r.query.get('list-type') === '2' && r.status === 200).map((r) => r.query.get('prefix'));
  expect([...listed(viaA), ...listed(viaB)].sort()).toEqual(prefixes.map((p) => `team/${p}`));
  expect(warnings.filter((w) => /cannot delete/.test(w))).toHaveLength(1);
});

it('a run one instance follows when another deletes its schedule: what it stores at its end is deleted too', async () => {
  const store = (s3 = await startS3Server(['nbrun']));
  dir = await mkdtemp(join(tmpdir(), 'nbrun-sched-s3-'));
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const backend = new FakeBackend();
  const open = async (name: string) => {
    const s = await openScheduler({
      stateDir: join(dir!, name), database: join(dir!, 'shared.db'), store: 's3://nbrun/team', env: { ...store.env }, clock, drivers: backend.registry(), loop: false, instanceId: name,
    });
    opened.push(s);
    await s.start();
    return s;
  };
  const a = await open('a');
  const b = await open('b');
  const sch = await a.createSchedule({ name: 'report' }, snapshot());
  const run = await a.runNow(sch.id);
  await b.tick();
  await b.whenSubmitted();
  await until(async () => (await store.list('nbrun', `team/runs/${run.id}/`)).length === 1, 'the log in the store');
  await a.deleteSchedule(sch.id);
  expect(await store.list('nbrun', 'team/')).toEqual([]);
  // B learns of it only when the job ends: its results and log reach the store, then go.
  backend.end(run.id, 'succeeded');
  await b.whenFinished();
  expect(await store.list('nbrun', 'team/')).toEqual([]);
  expect(await pending(a)).toEqual([]);
});
