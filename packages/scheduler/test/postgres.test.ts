/**
 * The scheduler on a real PostgreSQL (a throwaway cluster from the global setup): the same
 * migrations and decisions as on SQLite, a newer schema refused, and two instances sharing
 * one database for 35 ticks of an interval schedule → exactly one run per tick.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openScheduler, SchedulerError, type Scheduler } from '@nbrun/scheduler';
import { harness, rows, snapshot, type Harness } from './helpers/harness.js';
import { freshDatabase } from './helpers/pg.js';

let h: Harness;
afterEach(async () => h?.cleanup());

describe('PostgreSQL', () => {
  it('catch-up after downtime, as on SQLite', async () => {
    const database = await freshDatabase();
    h = await harness('2026-01-01T00:30:00Z');
    h.backend.autoEnd = 'succeeded';
    let s = await h.open({ database });
    const sch = await s.createSchedule({ name: 'hourly', trigger: { cron: '0 * * * *' }, tags: ['pg'] }, snapshot());
    h.clock.set('2026-01-01T01:00:00.010Z');
    await s.tick();
    await s.whenSubmitted();
    await expect.poll(async () => (await s.listRuns({ state: 'succeeded' })).items.length).toBe(1);
    await s.close();
    h.clock.set('2026-01-01T03:30:00Z');
    s = await h.open({ database });
    await s.tick();
    await s.whenSubmitted();
    await expect.poll(async () => (await rows(s, sch.id)).map((r) => r.slice(1, 3).join(' '))).toEqual(['cron succeeded', 'catchup missed', 'catchup succeeded']);
    expect((await s.listSchedules({ tag: 'pg' })).items.map((x) => x.id)).toEqual([sch.id]);
  });

  it('refuses a database from a newer version with one line', async () => {
    const database = await freshDatabase();
    h = await harness('2026-01-01T00:00:00Z');
    await (await h.open({ database })).close();
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    await client.query('UPDATE nbrun_schema SET version = 42');
    await client.end();
    const err = await h.open({ database }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchedulerError);
    expect((err as Error).message).toMatch(/^the database 127\.0\.0\.1:\d+\/nbrun_\w+ has schema version 42, newer than this nbrun knows \(3\)/);
  });

  it('two instances on one database: 35 interval ticks → exactly one run per tick', async () => {
    const database = await freshDatabase();
    h = await harness('2026-01-01T00:00:00Z');
    h.backend.autoEnd = 'succeeded';
    // Two instances: their own ids, their own pools, the same clock and backend.
    const open = (instanceId: string) => openScheduler({ stateDir: h.dir, database, clock: h.clock, drivers: h.backend.registry(), loop: false, instanceId });
    const a: Scheduler = await open('instance-a');
    const b: Scheduler = await open('instance-b');
    await Promise.all([a.start(), b.start()]);
    try {
      const sch = await a.createSchedule({ name: 'every second', trigger: { intervalSeconds: 1 }, concurrencyPolicy: 'allow' }, snapshot());
      for (let i = 0; i < 35; i++) {
        h.clock.advance(1000);
        await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      }
      await Promise.all([a.whenSubmitted(), b.whenSubmitted()]);
      await expect.poll(async () => (await b.listRuns({ scheduleId: sch.id, state: 'succeeded', limit: 500 })).items.length, { timeout: 20_000 }).toBe(35);
      const all = await rows(a, sch.id);
      expect(all).toHaveLength(35);
      expect(new Set(all.map((r) => r[0])).size).toBe(35);
      expect(all.every((r) => r[1] === 'interval' && r[3] === 1)).toBe(true);
      expect(new Set(h.backend.submitted).size).toBe(h.backend.submitted.length);
      expect(h.backend.submitted).toHaveLength(35);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
