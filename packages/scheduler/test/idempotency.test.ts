/**
 * `Idempotency-Key` kept in the database: the same key answers with the same resource after a
 * restart (SQLite) and across two instances on one PostgreSQL; the same key with another body
 * is a 422 problem; a key older than the retention (24 h) is forgotten. Real servers on
 * loopback ports over real schedulers (their loop off: runs stay queued, no kernel needed).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Run, Schedule, Scheduler } from '@nbrun/scheduler';
import { createServer } from '@nbrun/scheduler/http';
import { harness, NOTEBOOK, type Harness } from './helpers/harness.js';
import { freshDatabase } from './helpers/pg.js';

const TOKEN = 'idempotency-test-token';
let h: Harness;
const apps: FastifyInstance[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close().catch(() => undefined);
  await h?.cleanup();
});

/** A server over `service` on a random port; its base URL. */
async function serve(service: Scheduler): Promise<string> {
  const app = await createServer(service, { token: TOKEN, log: () => undefined });
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

async function post(base: string, path: string, body: unknown, key: string): Promise<Response> {
  return fetch(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
}

const runBody = (name = 'once') => ({ name, notebook: JSON.parse(NOTEBOOK) as unknown });

describe('Idempotency-Key in the database', () => {
  it('SQLite: after a restart the same key answers with the same run and schedule; another body → 422; nothing more is created', async () => {
    h = await harness('2026-03-01T00:00:00Z');
    let service = await h.open();
    let base = await serve(service);
    const first = await post(base, '/api/v1/runs', runBody(), 'run-key-1');
    expect(first.status).toBe(202);
    const run = (await first.json()) as Run;
    const created = await post(base, '/api/v1/schedules', { ...runBody('nightly'), trigger: { cron: '0 3 * * *' } }, 'schedule-key-1');
    expect(created.status).toBe(201);
    const schedule = (await created.json()) as Schedule;
    const now = await post(base, `/api/v1/schedules/${schedule.id}/runs`, { parameters: { x: 1 } }, 'now-key-1');
    expect(now.status).toBe(202);
    const manual = (await now.json()) as Run;

    // Restart: a new process would have forgotten an in-memory key.
    await apps.pop()!.close();
    await service.close();
    service = await h.open();
    base = await serve(service);

    const again = await post(base, '/api/v1/runs', runBody(), 'run-key-1');
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as Run).id).toBe(run.id);
    const scheduleAgain = await post(base, '/api/v1/schedules', { ...runBody('nightly'), trigger: { cron: '0 3 * * *' } }, 'schedule-key-1');
    expect(scheduleAgain.status).toBe(201);
    expect(((await scheduleAgain.json()) as Schedule).id).toBe(schedule.id);
    const nowAgain = await post(base, `/api/v1/schedules/${schedule.id}/runs`, { parameters: { x: 1 } }, 'now-key-1');
    expect(((await nowAgain.json()) as Run).id).toBe(manual.id);

    const other = await post(base, '/api/v1/runs', runBody('another'), 'run-key-1');
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await other.json()).toMatchObject({ status: 422, code: 'E_IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' });

    // The same key on another route is another key.
    const elsewhere = await post(base, '/api/v1/schedules', { ...runBody('other'), trigger: null }, 'run-key-1');
    expect(elsewhere.status).toBe(201);

    const runs = (await service.listRuns({ limit: 500 })).items.map((r) => r.id).sort();
    expect(runs).toEqual([run.id, manual.id].sort());
    expect((await service.listSchedules({ limit: 500 })).items).toHaveLength(2);
  });

  it('a version-1 database is migrated to keep keys', async () => {
    h = await harness('2026-03-01T00:00:00Z');
    await (await h.open()).close();
    const db = new Database(join(h.dir, 'nbrun.db'));
    // As version 1 left it: no table of migration 2 (keys) or 3 (pending deletions).
    db.exec('DROP TABLE idempotency_keys; DROP TABLE pending_deletions; UPDATE nbrun_schema SET version = 1');
    db.close();
    const base = await serve(await h.open());
    expect((await post(base, '/api/v1/runs', runBody(), 'after-upgrade')).status).toBe(202);
    const check = new Database(join(h.dir, 'nbrun.db'), { readonly: true });
    expect(check.prepare('SELECT version FROM nbrun_schema').get()).toEqual({ version: 3 });
    expect(check.prepare('SELECT idem_key, status, resource_kind FROM idempotency_keys').all()).toEqual([{ idem_key: 'after-upgrade', status: 202, resource_kind: 'run' }]);
    check.close();
  });

  it('a key older than the retention (24 h) is forgotten: it creates anew', async () => {
    h = await harness('2026-03-01T00:00:00Z');
    const service = await h.open();
    const base = await serve(service);
    const a = (await (await post(base, '/api/v1/runs', runBody(), 'old-key')).json()) as Run;
    h.clock.advance(23 * 3600_000);
    expect(((await (await post(base, '/api/v1/runs', runBody(), 'old-key')).json()) as Run).id).toBe(a.id);
    h.clock.advance(2 * 3600_000);
    const b = await post(base, '/api/v1/runs', runBody('changed too'), 'old-key');
    expect(b.status).toBe(202);
    expect(((await b.json()) as Run).id).not.toBe(a.id);
  });

  it('PostgreSQL: two instances answer the same key with one run, also when both get it at once; another body → 422', async () => {
    const database = await freshDatabase();
    h = await harness('2026-03-01T00:00:00Z');
    const a = await h.open({ database, instanceId: 'instance-a' });
    const b = await h.open({ database, instanceId: 'instance-b' });
    const [baseA, baseB] = [await serve(a), await serve(b)];

    const answers = await Promise.all([
      post(baseA, '/api/v1/runs', runBody(), 'pg-key'),
      post(baseB, '/api/v1/runs', runBody(), 'pg-key'),
      post(baseA, '/api/v1/runs', runBody(), 'pg-key'),
      post(baseB, '/api/v1/runs', runBody(), 'pg-key'),
    ]);
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as Run).id)));
    expect(ids.size).toBe(1);
    expect((await a.listRuns({ limit: 500 })).items.map((r) => r.id)).toEqual([...ids]);

    const later = await post(baseB, '/api/v1/runs', runBody(), 'pg-key');
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    const other = await post(baseB, '/api/v1/runs', runBody('another'), 'pg-key');
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ code: 'E_IDEMPOTENCY_KEY_REUSED' });
    expect((await b.listRuns({ limit: 500 })).items).toHaveLength(1);
  });
});
