/**
 * The REST API end to end: a real server on a random loopback port over the real scheduler
 * (SQLite in a temp state dir), runs executed through the local driver with a real kernel.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openScheduler, type Run, type Schedule, type SchedulerService } from '@nbrun/scheduler';
import { ServiceClient, ServiceError } from '@nbrun/scheduler/client';
import { createServer } from '@nbrun/scheduler/http';

const TOKEN = 'test-token-0123456789';
const BODY_LIMIT = 256 * 1024;

function notebook(...sources: string[]) {
  return {
    cells: [
      { cell_type: 'code', id: 'params', metadata: { tags: ['parameters'] }, source: 'greeting = "hi"', outputs: [], execution_count: null },
      ...sources.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null })),
    ],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

let dir: string;
let service: SchedulerService;
let app: FastifyInstance;
let base: string;
let api: ServiceClient;

const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
}

async function problemOf(res: Response): Promise<{ status: number; code: string; field?: string; detail: string }> {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const p = (await res.json()) as { status: number; code: string; field?: string; detail: string; type: string; title: string };
  expect(p.status).toBe(res.status);
  expect(typeof p.type).toBe('string');
  expect(typeof p.title).toBe('string');
  return p;
}

async function allSchedules(): Promise<Schedule[]> {
  return (await api.listSchedules({ limit: 500 })).items;
}

async function waitForEnd(id: string, ms = 90_000): Promise<Run> {
  const end = Date.now() + ms;
  for (;;) {
    const run = await api.getRun(id);
    if (!['queued', 'running'].includes(run.state)) return run;
    if (Date.now() > end) throw new Error(`run ${id} still ${run.state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nbrun-http-'));
  service = await openScheduler({ stateDir: dir, maxConcurrent: 2 });
  await service.start();
  app = await createServer(service, { token: TOKEN, bodyLimit: BODY_LIMIT });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
  api = new ServiceClient({ url: base, token: TOKEN });
});

afterAll(async () => {
  await app?.close();
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('auth and documents', () => {
  test('health needs no token; everything else answers 401 without the right one', async () => {
    const health = await fetch(`${base}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    for (const [path, headers] of [
      ['/api/v1/schedules', {}],
      ['/api/v1/runs', { authorization: 'Bearer wrong' }],
      ['/api/v1/openapi.json', { authorization: TOKEN }],
    ] as const) {
      const res = await fetch(base + path, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await problemOf(res)).code).toBe('E_UNAUTHORIZED');
    }
    const before = (await allSchedules()).length;
    const res = await fetch(`${base}/api/v1/schedules`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', notebook: notebook() }) });
    expect(res.status).toBe(401);
    expect((await allSchedules()).length).toBe(before);
  });

  test('the client says so in one line when the token is wrong or the server is gone', async () => {
    const wrong = new ServiceClient({ url: base, token: 'nope' });
    await expect(wrong.listRuns()).rejects.toThrow(/refused the request: the token was refused; set NBRUN_SERVER_TOKEN/);
    // A port nothing listens on: bound, then closed.
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const gone = new ServiceClient({ url: `http://127.0.0.1:${port}`, token: TOKEN });
    const err = await gone.listRuns().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).message).toBe(
      `cannot reach the nbrun service at http://127.0.0.1:${port} (ECONNREFUSED); start it with 'nbrun serve' or point --server / NBRUN_SERVER_URL at it`,
    );
    expect((err as ServiceError).exitCode).toBe(8);
  });

  test('OpenAPI 3 document from the validating schemas', async () => {
    const res = await fetch(`${base}/api/v1/openapi.json`, { headers: auth });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/health', '/api/v1/schedules', '/api/v1/schedules/{id}', '/api/v1/schedules/{id}/pause', '/api/v1/schedules/{id}/resume',
      '/api/v1/schedules/{id}/next', '/api/v1/schedules/{id}/runs', '/api/v1/runs', '/api/v1/runs/{id}', '/api/v1/runs/{id}/cancel',
      '/api/v1/runs/{id}/log', '/api/v1/runs/{id}/output', '/api/v1/runs/{id}/status',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const create = doc.paths['/api/v1/schedules']!.post!.requestBody!.content;
    expect(Object.keys(create).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(JSON.stringify(create['application/json']!.schema)).toMatch(/"cron"/);
  });
});

describe('schedules', () => {
  test('create (inline) → get, list by tag, next in UTC and local time, patch, pause, resume, delete', async () => {
    const res = await post('/api/v1/schedules', {
      name: 'morning report',
      notebook: notebook('print(greeting)'),
      files: { 'lib/helpers.py': Buffer.from('X = 1\n').toString('base64') },
      trigger: { cron: '0 6 * * *', timezone: 'Europe/Berlin' },
      parameters: { greeting: 'guten Morgen' },
      tags: ['reports'],
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Schedule;
    expect(created).toMatchObject({ name: 'morning report', trigger: { cron: '0 6 * * *', timezone: 'Europe/Berlin' }, paused: false });
    expect(created.snapshot.files).toEqual(['lib/helpers.py']);
    expect(created.nextRuns.length).toBeGreaterThan(0);
    expect(await api.getSchedule(created.id)).toMatchObject({ id: created.id, name: 'morning report' });
    expect((await api.listSchedules({ tag: 'reports' })).items.map((s) => s.id)).toContain(created.id);
    expect((await api.listSchedules({ tag: 'nothing-has-this' })).items).toEqual([]);

    const next = await api.nextRuns(created.id, 3);
    expect(next.timezone).toBe('Europe/Berlin');
    expect(next.items).toHaveLength(3);
    for (const t of next.items) {
      expect(t.local).toMatch(/T06:00:00\+0[12]:00$/);
      expect(Date.parse(t.local)).toBe(Date.parse(t.utc));
    }

    expect((await api.updateSchedule(created.id, { name: 'renamed' })).name).toBe('renamed');
    expect((await api.pauseSchedule(created.id)).paused).toBe(true);
    expect((await api.nextRuns(created.id)).items).toEqual([]);
    expect((await api.resumeSchedule(created.id)).paused).toBe(false);
    await api.deleteSchedule(created.id);
    const gone = await fetch(`${base}/api/v1/schedules/${created.id}`, { headers: auth });
    expect(gone.status).toBe(404);
    expect((await problemOf(gone)).code).toBe('E_NOT_FOUND');
  });

  test('create from a multipart bundle made as nbrun submit makes it', async () => {
    const form = new FormData();
    form.set('schedule', JSON.stringify({ name: 'bundled', trigger: { intervalSeconds: 3600 } }));
    const zip = zipSync({
      'train.ipynb': new TextEncoder().encode(JSON.stringify(notebook('print(1)'))),
      'nbrun-job.json': new TextEncoder().encode('{"notebook":"train.ipynb"}'),
      'utils/data.py': new TextEncoder().encode('Y = 2\n'),
    });
    form.set('bundle', new Blob([zip]), 'bundle.zip');
    const res = await fetch(`${base}/api/v1/schedules`, { method: 'POST', headers: auth, body: form });
    expect(res.status).toBe(201);
    const s = (await res.json()) as Schedule;
    expect(s.snapshot).toEqual({ notebook: 'train.ipynb', files: ['utils/data.py'] });
    await api.deleteSchedule(s.id);
  });

  const bad: [string, () => Promise<Response>, number, string, RegExp | undefined][] = [
    ['an invalid cron', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), trigger: { cron: '61 * * * *' } }), 400, 'E_INVALID', /trigger/],
    ['an unknown zone', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), trigger: { cron: '0 6 * * *', timezone: 'Mars/Olympus' } }), 400, 'E_INVALID', /timezone/],
    ['a TZ= prefix', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), trigger: { cron: 'TZ=UTC 0 6 * * *' } }), 400, 'E_INVALID', /trigger/],
    ['an unknown driver option', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), driver: { name: 'docker', options: { bogus: 1 } } }), 400, 'E_INVALID', /driver/],
    ['an image for the local driver', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), driver: { name: 'local', image: 'nbrun-runner:test' } }), 400, 'E_INVALID', /^driver\.image$/],
    ['an unknown driver', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), driver: { name: 'nomad' } }), 400, 'E_INVALID', /driver/],
    ['an unknown field', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), cronn: '* * * * *' }), 400, 'E_INVALID', /^cronn$/],
    ['a wrong type', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), retries: { max: 'three' } }), 400, 'E_INVALID', /^retries\.max$/],
    ['no notebook', () => post('/api/v1/schedules', { name: 'x' }), 400, 'E_INVALID', /^notebook$/],
    ['a zip-slip file', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), files: { '../../evil.py': 'eA==' } }), 400, 'E_BUNDLE', /evil/],
    [
      'a zip-slip bundle',
      () => {
        const form = new FormData();
        form.set('schedule', JSON.stringify({ name: 'x' }));
        form.set('bundle', new Blob([zipSync({ 'a.ipynb': new TextEncoder().encode(JSON.stringify(notebook())), '../../evil.py': new Uint8Array([1]) })]), 'b.zip');
        return fetch(`${base}/api/v1/schedules`, { method: 'POST', headers: auth, body: form });
      },
      400, 'E_BUNDLE', /^bundle$/,
    ],
    ['an oversize JSON body', () => post('/api/v1/schedules', { name: 'x', notebook: notebook(), files: { 'big.bin': 'A'.repeat(BODY_LIMIT) } }), 413, 'E_TOO_LARGE', undefined],
    [
      'an oversize bundle',
      () => {
        const form = new FormData();
        form.set('schedule', JSON.stringify({ name: 'x' }));
        form.set('bundle', new Blob([new Uint8Array(BODY_LIMIT + 1)]), 'b.zip');
        return fetch(`${base}/api/v1/schedules`, { method: 'POST', headers: auth, body: form });
      },
      413, 'E_TOO_LARGE', undefined,
    ],
  ];
  test.each(bad)('refuses %s with a problem, storing nothing', async (_what, send, status, code, field) => {
    const before = (await allSchedules()).length;
    const res = await send();
    expect(res.status).toBe(status);
    const p = await problemOf(res);
    expect(p.code).toBe(code);
    if (field) expect(p.field ?? '').toMatch(field);
    expect((await allSchedules()).length).toBe(before);
  });
});

describe('runs', () => {
  test('a one-off run: 202, log followed as server-sent events to its end, output as an attachment, status', async () => {
    const res = await post('/api/v1/runs', { name: 'once', notebook: notebook('print(greeting * 2)'), parameters: { greeting: 'yo' } });
    expect(res.status).toBe(202);
    const run = (await res.json()) as Run;
    expect(run).toMatchObject({ scheduleId: null, name: 'once', trigger: 'api' });

    const sse = await fetch(`${base}/api/v1/runs/${run.id}/log?follow=1`, { headers: auth });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await sse.text();
    expect(events).toMatch(/event: end\ndata: \{"id":"[^"]+","state":"succeeded"\}/);

    const done = await waitForEnd(run.id);
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0 });
    const log = await fetch(`${base}/api/v1/runs/${run.id}/log`, { headers: auth });
    expect(log.headers.get('content-type')).toMatch(/^text\/plain/);

    const out = await fetch(`${base}/api/v1/runs/${run.id}/output`, { headers: auth });
    expect(out.status).toBe(200);
    expect(out.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"]+\.ipynb"/);
    const executed = (await out.json()) as { cells: { outputs: { text?: string | string[] }[] }[] };
    expect(JSON.stringify(executed.cells.at(-1)!.outputs)).toContain('yoyo');

    // The runner's own status.json, as it wrote it.
    const status = await api.runStatus(run.id);
    expect(status).toMatchObject({ state: 'completed' });
  });

  test('Idempotency-Key: the same key answers with the same run and creates one', async () => {
    const body = { name: 'idem', notebook: notebook('1') };
    const key = { 'idempotency-key': `k-${Date.now()}` };
    const [a, b] = await Promise.all([post('/api/v1/runs', body, key), post('/api/v1/runs', body, key)]);
    const [ra, rb] = [(await a.json()) as Run, (await b.json()) as Run];
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(rb.id).toBe(ra.id);
    const reused = await post('/api/v1/runs', { ...body, name: 'other' }, key);
    expect(reused.status).toBe(422);
    await waitForEnd(ra.id);
    const all = (await api.listRuns({ limit: 500 })).items.filter((r) => r.id === ra.id);
    expect(all).toHaveLength(1);
  });

  test('run a schedule now with a parameter override, list its runs, cancel a long one', async () => {
    const s = await api.createSchedule({ name: 'on demand', trigger: null }, { notebook: notebook('import time; print(greeting); time.sleep(60)') });
    const key = `run-${Date.now()}`;
    const run = await api.runNow(s.id, { parameters: { greeting: 'override' }, idempotencyKey: key });
    expect(await api.runNow(s.id, { parameters: { greeting: 'override' }, idempotencyKey: key })).toMatchObject({ id: run.id });
    expect(run).toMatchObject({ scheduleId: s.id, name: 'on demand', trigger: 'manual', parameters: { greeting: 'override' } });
    expect((await api.listRuns({ schedule: s.id })).items.map((r) => [r.id, r.name])).toEqual([[run.id, 'on demand']]);
    // Wait until it prints, then cancel: the partial notebook stays fetchable.
    const end = Date.now() + 60_000;
    while (!(await api.runLog(run.id)).includes('override')) {
      if (Date.now() > end) throw new Error('the run never printed');
      await new Promise((r) => setTimeout(r, 200));
    }
    await api.cancelRun(run.id);
    const done = await waitForEnd(run.id);
    expect(done.state).toBe('cancelled');
    expect((await api.listRuns({ schedule: s.id, state: 'cancelled' })).items.map((r) => r.id)).toEqual([run.id]);
    const partial = await api.runOutput(run.id);
    expect(partial?.name).toMatch(/\.ipynb$/);
    await api.deleteSchedule(s.id);
  });

  test('unknown runs and bad queries are problems', async () => {
    for (const path of ['/api/v1/runs/nope', '/api/v1/runs/nope/log', '/api/v1/runs/nope/output', '/api/v1/runs/nope/status']) {
      const res = await fetch(base + path, { headers: auth });
      expect(res.status, path).toBe(404);
      await problemOf(res);
    }
    const res = await fetch(`${base}/api/v1/runs?state=exploded`, { headers: auth });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).field).toBe('state');
  });
});

test('secrets in driver options never come back', async () => {
  // kubeflow's options name their token by an env var; an option named like a secret is redacted whatever it is.
  const s = await api.createSchedule({ name: 'kfp', trigger: null, driver: { name: 'kubeflow', options: { kfpHost: 'http://kfp.example', kfpTokenEnv: 'KFP_TOKEN' } } }, { notebook: notebook() });
  expect(s.driver.options).toMatchObject({ kfpHost: 'http://kfp.example', kfpTokenEnv: 'KFP_TOKEN' });
  await api.deleteSchedule(s.id);
});
