/**
 * `nbrun serve --store s3://…` on several machines: two `nbrun serve` processes with their own
 * state dirs (two machines) share one real PostgreSQL and one S3 store (s3rver, the helper the
 * runner, driver and platform tests use). A schedule created through A runs on B with A
 * stopped; B serves its output and log; A, back, serves them from the store. The store down:
 * creating is a 503 naming the store and stores nothing, a run that ends meanwhile waits and
 * its results arrive when the store is back; a service cannot start without it (exit 8).
 * Retention and delete remove the objects, a delete while the store is down once it is back.
 * S3 keys appear in no answer and no server log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startS3Server, type S3TestServer } from '../../runner/test/helpers/s3-server.js';
import { freshDatabase } from '../../scheduler/test/helpers/pg.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const BIN = join(ROOT, 'packages/cli/src/bin.ts');
const TOKEN = 'serve-s3-test-token';
const BUCKET = 'nbrun';
// s3rver's access key and secret: never in an answer or a log line.
const SECRET = 'S3RVER';

let dir: string;
let s3: S3TestServer;
let database: string;
const servers = new Set<ChildProcess>();

interface Instance {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

function spawnServe(name: string): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'serve', '--port', '0', '--state-dir', join(dir, name, 'service'), '--token', TOKEN, '--database', database, '--store', `s3://${BUCKET}/team`],
    {
      cwd: ROOT,
      // Another machine: its own state (local jobs, job registry, cache); the same database and store.
      env: { PATH: process.env.PATH, HOME: join(dir, name), NBRUN_STATE_DIR: join(dir, name), ...s3.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  servers.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => (servers.delete(child), done(code))));
  return { child, stderr: () => err, exited };
}

async function startServe(name: string): Promise<Instance> {
  const { child, stderr, exited } = spawnServe(name);
  const url = await new Promise<string>((done, fail) => {
    const look = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(stderr());
      if (m) done(m[1]!);
    };
    child.stderr!.on('data', look);
    void exited.then((code) => fail(new Error(`nbrun serve exited (${code}): ${stderr()}`)));
  });
  return {
    url,
    child,
    stderr,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What the test reads of an answer: a schedule, a run, a page, a problem. */
interface Answer {
  id: string;
  state: string;
  code?: string;
  detail?: string;
  items?: { id: string }[];
}

async function api(i: Instance, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: () => Answer }> {
  const res = await fetch(`${i.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  return { status: res.status, text, json: () => JSON.parse(text) as Answer };
}

async function waitRun(i: Instance, id: string, state: string, timeout = 90_000): Promise<Answer> {
  let run: Answer | undefined;
  await expect
    .poll(async () => ((run = (await api(i, 'GET', `/runs/${id}`)).json()), run.state), { timeout, interval: 250 })
    .toBe(state);
  return run!;
}

function notebook(...sources: string[]): unknown {
  return {
    cells: [
      { cell_type: 'code', id: 'params', metadata: { tags: ['parameters'] }, source: 'n = 1', outputs: [], execution_count: null },
      ...sources.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null })),
    ],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nbrun-serve-s3-'));
  s3 = await startS3Server([BUCKET]);
  database = await freshDatabase();
});

afterAll(async () => {
  for (const child of servers) child.kill('SIGKILL');
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('two machines, one PostgreSQL, one S3 store: created on A, run on B (A stopped), served by both; the store down loses nothing', async () => {
  // ── A creates a schedule (notebook + a file), then stops.
  let a = await startServe('machine-a');
  expect(a.stderr()).toContain(`store s3://${BUCKET}/team`);
  const created = await api(a, 'POST', '/schedules', {
    name: 'report',
    notebook: notebook('import helper\nprint("factor", n * helper.FACTOR)'),
    files: { 'helper.py': Buffer.from('FACTOR = 7\n').toString('base64') },
    parameters: { n: 6 },
    driver: { name: 'local' },
  });
  expect(created.status, created.text).toBe(201);
  const schedule = created.json();
  const snapshotKeys = await s3.list(BUCKET, `team/snapshots/${schedule.id}/`);
  expect(snapshotKeys.map((k) => k.split('/').pop()).sort()).toEqual(['helper.py', 'report.ipynb']);
  await a.stop();

  // ── B (another machine: no copy of the snapshot) runs it and serves output, log, status.
  const b = await startServe('machine-b');
  expect(existsSync(join(dir, 'machine-b', 'service', 'artifacts', 'snapshots', schedule.id))).toBe(false);
  const r1 = (await api(b, 'POST', `/schedules/${schedule.id}/runs`)).json();
  await waitRun(b, r1.id, 'succeeded');
  const out1 = await api(b, 'GET', `/runs/${r1.id}/output`);
  expect(out1.status).toBe(200);
  expect(out1.text).toContain('factor 42');
  expect((await api(b, 'GET', `/runs/${r1.id}/log`)).text).toContain('factor 42');
  expect((await api(b, 'GET', `/runs/${r1.id}/status`)).json().state).toBe('completed');
  expect(await s3.list(BUCKET, `team/runs/${r1.id}/`)).toEqual(expect.arrayContaining([`team/runs/${r1.id}/run.log`, `team/runs/${r1.id}/results/status.json`]));
  expect(existsSync(join(dir, 'machine-a', 'service', 'artifacts', 'runs', r1.id))).toBe(false);

  // ── The store goes down.
  await s3.down();
  const refused = await api(b, 'POST', '/schedules', { name: 'second', notebook: notebook('print(1)'), driver: { name: 'local' } });
  expect(refused.status).toBe(503);
  expect(refused.json()).toMatchObject({ code: 'E_UNAVAILABLE' });
  expect(refused.json().detail).toMatch(new RegExp(`^the artifact store s3://${BUCKET}/team is unavailable: cannot store the snapshot`));
  expect((await api(b, 'GET', '/schedules')).json().items?.map((s) => s.id)).toEqual([schedule.id]);
  // A third machine cannot start without the store: one line, exit 8.
  const c = spawnServe('machine-c');
  expect(await c.exited).toBe(8);
  expect(c.stderr().trim().split('\n').at(-1)).toMatch(new RegExp(`the artifact store s3://${BUCKET}/team is unavailable`));
  // Keep one run: when the next ends, the first one's objects go.
  expect((await api(b, 'PATCH', `/schedules/${schedule.id}`, { retention: { maxRuns: 1 } })).status).toBe(200);
  // A run that ends while the store is away stays active until its results are stored.
  const r2 = (await api(b, 'POST', `/schedules/${schedule.id}/runs`, { parameters: { n: 10 } })).json();
  await expect.poll(() => existsSync(join(dir, 'machine-b', 'service', 'artifacts', 'runs', r2.id, 'results', 'status.json')), { timeout: 90_000 }).toBe(true);
  await new Promise((r) => setTimeout(r, 1000));
  expect((await api(b, 'GET', `/runs/${r2.id}`)).json().state).toBe('running');
  await s3.up();
  await waitRun(b, r2.id, 'succeeded', 30_000);
  await expect.poll(async () => (await s3.list(BUCKET, 'team/runs/')).filter((k) => !k.startsWith(`team/runs/${r2.id}/`))).toEqual([]);
  await b.stop();
  expect(b.stderr()).not.toContain(SECRET);

  // ── A again: the run B followed comes from the store (output, log, status).
  a = await startServe('machine-a');
  expect((await api(a, 'GET', `/runs/${r2.id}/output`)).text).toContain('factor 70');
  expect((await api(a, 'GET', `/runs/${r2.id}/log`)).text).toContain('factor 70');
  expect((await api(a, 'GET', `/runs/${r2.id}/status`)).json().state).toBe('completed');
  expect((await api(a, 'GET', `/runs/${r1.id}`)).status).toBe(404);
  // Deleting the schedule while the store is down: its snapshots and runs in the store go once it is back (A's loop).
  await s3.down();
  expect((await api(a, 'DELETE', `/schedules/${schedule.id}`)).status).toBe(204);
  await s3.up();
  await expect.poll(() => s3.list(BUCKET, 'team/'), { timeout: 60_000, interval: 500 }).toEqual([]);
  await a.stop();
  expect(a.stderr()).not.toContain(SECRET);
  // Five `nbrun serve` starts (tsx compiles each) and two kernel runs, one after the other: 90 s at load 17, 180 s at load 22.
}, 300_000);
