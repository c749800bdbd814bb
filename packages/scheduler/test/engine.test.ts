/**
 * The engine's decisions on SQLite with a controllable clock and a driver whose jobs end
 * when the test says: never lose a tick (catch-up latest/all/none, deadline, no backfill,
 * paused), overlap policies, manual runs, retries with backoff, retention, re-attach, DST.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import { SchedulerError, type Scheduler } from '@nbrun/scheduler';
import { NOTEBOOK, harness, rows, snapshot, until, type Harness } from './helpers/harness.js';

let h: Harness;
afterEach(async () => h?.cleanup());


/** Advances the clock to `to` and runs one pass of the loop; waits until dispatched runs are submitted. */
async function at(s: Scheduler, to: string): Promise<void> {
  h.clock.set(to);
  await s.tick();
  await s.whenSubmitted();
}

async function settle(s: Scheduler): Promise<void> {
  await s.whenSubmitted();
}

async function finishAll(s: Scheduler, state: 'succeeded' | 'failed' = 'succeeded'): Promise<void> {
  await settle(s);
  for (const id of h.backend.running()) h.backend.end(id, state);
  await until(async () => (await s.listRuns({ state: 'running', limit: 500 })).items.length === 0, 'runs to end');
}

describe('never lose a tick', () => {
  it.each([
    ['latest', [['2026-01-01T01:00Z', 'cron', 'succeeded', 1], ['2026-01-01T02:00Z', 'catchup', 'missed', 1], ['2026-01-01T03:00Z', 'catchup', 'missed', 1], ['2026-01-01T04:00Z', 'catchup', 'missed', 1], ['2026-01-01T05:00Z', 'catchup', 'succeeded', 1]]],
    ['all', [['2026-01-01T01:00Z', 'cron', 'succeeded', 1], ['2026-01-01T02:00Z', 'catchup', 'succeeded', 1], ['2026-01-01T03:00Z', 'catchup', 'succeeded', 1], ['2026-01-01T04:00Z', 'catchup', 'succeeded', 1], ['2026-01-01T05:00Z', 'catchup', 'succeeded', 1]]],
    ['none', [['2026-01-01T01:00Z', 'cron', 'succeeded', 1], ['2026-01-01T02:00Z', 'catchup', 'missed', 1], ['2026-01-01T03:00Z', 'catchup', 'missed', 1], ['2026-01-01T04:00Z', 'catchup', 'missed', 1], ['2026-01-01T05:00Z', 'catchup', 'missed', 1]]],
  ] as const)('after downtime, catchup %s', async (catchup, expected) => {
    h = await harness('2026-01-01T00:30:00Z');
    let s = await h.open();
    const sch = await s.createSchedule({ name: 'hourly', trigger: { cron: '0 * * * *' }, catchup, concurrencyPolicy: 'allow' }, snapshot());
    expect(sch.nextRuns.slice(0, 2)).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z']);
    await at(s, '2026-01-01T01:00:00.020Z');
    await finishAll(s);
    await s.close();
    // Down from 01:10 to 05:30.
    h.clock.set('2026-01-01T05:30:00Z');
    s = await h.open();
    await s.tick();
    await finishAll(s);
    expect(await rows(s, sch.id)).toEqual(expected);
    expect((await s.getSchedule(sch.id)).nextRuns[0]).toBe('2026-01-01T06:00:00.000Z');
  });

  it('ticks older than startingDeadlineSeconds become missed rows; no backfill before creation or startAt', async () => {
    h = await harness('2026-01-01T00:30:00Z');
    const s = await h.open();
    const a = await s.createSchedule({ name: 'a', trigger: { cron: '0 * * * *' }, startingDeadlineSeconds: 7200, startAt: '2025-12-01T00:00:00Z' }, snapshot());
    const b = await s.createSchedule({ name: 'b', trigger: { intervalSeconds: 3600 }, startAt: '2026-01-01T03:00:00Z' }, snapshot());
    await at(s, '2026-01-01T05:30:00Z');
    await finishAll(s);
    const missed = (t: string) => [t, 'catchup', 'missed', 1];
    expect(await rows(s, a.id)).toEqual([missed('2026-01-01T01:00Z'), missed('2026-01-01T02:00Z'), missed('2026-01-01T03:00Z'), missed('2026-01-01T04:00Z'), ['2026-01-01T05:00Z', 'catchup', 'succeeded', 1]]);
    const run = (await s.listRuns({ scheduleId: a.id, state: 'missed' })).items.find((r) => r.scheduledFor.startsWith('2026-01-01T02'))!;
    expect(run.error?.message).toMatch(/startingDeadlineSeconds \(7200\)/);
    // Interval from startAt: 03:00, 04:00, 05:00 — the first at startAt itself.
    expect(await rows(s, b.id)).toEqual([missed('2026-01-01T03:00Z'), missed('2026-01-01T04:00Z'), ['2026-01-01T05:00Z', 'catchup', 'succeeded', 1]]);
  });

  it('ticks while paused are dropped', async () => {
    h = await harness('2026-01-01T00:30:00Z');
    const s = await h.open();
    const sch = await s.createSchedule({ name: 'p', trigger: { cron: '0 * * * *' }, catchup: 'all' }, snapshot());
    await s.pauseSchedule(sch.id);
    expect((await s.getSchedule(sch.id)).nextRuns).toEqual([]);
    await at(s, '2026-01-01T03:30:00Z');
    expect((await s.resumeSchedule(sch.id)).nextRuns[0]).toBe('2026-01-01T04:00:00.000Z');
    await at(s, '2026-01-01T04:00:01Z');
    await finishAll(s);
    expect(await rows(s, sch.id)).toEqual([['2026-01-01T04:00Z', 'cron', 'succeeded', 1]]);
  });

  it('DST in the engine: a daily 02:30 in New York across spring forward and fall back', async () => {
    h = await harness('2026-03-07T00:00:00Z');
    const s = await h.open();
    const sch = await s.createSchedule({ name: 'ny', trigger: { cron: '30 2 * * *', timezone: 'America/New_York' } }, snapshot());
    for (const t of ['2026-03-07T07:30:00.01Z', '2026-03-08T07:00:00.01Z', '2026-03-09T06:30:00.01Z']) {
      await at(s, t);
      await finishAll(s);
    }
    expect((await rows(s, sch.id)).map((r) => r[0])).toEqual(['2026-03-07T07:30Z', '2026-03-08T07:00Z', '2026-03-09T06:30Z']);
  });
});

describe('dispatch', () => {
  it('schedules due together fire in one pass; one whose row cannot be read does not hold back the others', async () => {
    h = await harness('2026-01-01T00:30:00Z');
    const s = await h.open();
    const ids: string[] = [];
    for (const name of ['a', 'broken', 'c']) ids.push((await s.createSchedule({ name, trigger: { cron: '0 * * * *' } }, snapshot())).id);
    const db = new Database(join(h.dir, 'nbrun.db'));
    db.prepare('UPDATE schedules SET spec = ? WHERE id = ?').run('{not json', ids[1]);
    db.close();
    await at(s, '2026-01-01T01:00:00.010Z');
    expect((await rows(s, ids[0]!)).map((r) => r.slice(0, 3))).toEqual([['2026-01-01T01:00Z', 'cron', 'running']]);
    expect(await rows(s, ids[1]!)).toEqual([]);
    expect((await rows(s, ids[2]!)).map((r) => r.slice(0, 3))).toEqual([['2026-01-01T01:00Z', 'cron', 'running']]);
  });

  it('scheduled_for and run_id reach the notebook as parameters only when its parameters cell (read when the snapshot is stored) defines them', async () => {
    h = await harness('2026-01-01T00:30:00Z');
    const s = await h.open();
    const withCell = (source: string) =>
      JSON.stringify({ ...JSON.parse(NOTEBOOK), cells: [{ cell_type: 'code', id: 'p', metadata: { tags: ['parameters'] }, source, outputs: [], execution_count: null }] });
    const sch = await s.createSchedule({ name: 'p', trigger: { cron: '0 * * * *' }, parameters: { x: 1 } }, snapshot(withCell('scheduled_for = ""\nrun_id = ""\nx = 0')));
    await at(s, '2026-01-01T01:00:00.010Z');
    const [first] = (await s.listRuns({ scheduleId: sch.id })).items;
    expect(h.backend.jobs.get(first!.id)!.request.parameters).toEqual({ x: 1, scheduled_for: '2026-01-01T01:00:00.000Z', run_id: first!.id });
    await finishAll(s);
    // A new notebook (PATCH) without them: the next run gets only its own parameters.
    await s.updateSchedule(sch.id, {}, snapshot(withCell('x = 0')));
    await at(s, '2026-01-01T02:00:00.010Z');
    const [second] = (await s.listRuns({ scheduleId: sch.id })).items;
    expect(second!.id).not.toBe(first!.id);
    expect(h.backend.jobs.get(second!.id)!.request.parameters).toEqual({ x: 1 });
  });
});

describe('overlap', () => {
  async function ticking(policy: 'forbid' | 'queue' | 'replace' | 'allow', maxConcurrency?: number) {
    h = await harness('2026-01-01T00:00:30Z');
    const s = await h.open();
    const sch = await s.createSchedule({ name: policy, trigger: { cron: '* * * * *' }, concurrencyPolicy: policy, ...(maxConcurrency ? { maxConcurrency } : {}) }, snapshot());
    for (let m = 1; m <= 3; m++) {
      await at(s, `2026-01-01T00:0${m}:00.010Z`);
      await settle(s);
    }
    return { s, sch };
  }

  it('forbid records the ticks as skipped', async () => {
    const { s, sch } = await ticking('forbid');
    expect(await rows(s, sch.id)).toEqual([['2026-01-01T00:01Z', 'cron', 'running', 1], ['2026-01-01T00:02Z', 'cron', 'skipped', 1], ['2026-01-01T00:03Z', 'cron', 'skipped', 1]]);
  });

  it('queue keeps one waiting run, which starts when the running one ends', async () => {
    const { s, sch } = await ticking('queue');
    expect(await rows(s, sch.id)).toEqual([['2026-01-01T00:01Z', 'cron', 'running', 1], ['2026-01-01T00:02Z', 'cron', 'queued', 1], ['2026-01-01T00:03Z', 'cron', 'skipped', 1]]);
    h.backend.end(h.backend.running()[0]!, 'succeeded');
    await until(async () => (await rows(s, sch.id))[1]![2] === 'running' || (await s.tick(), false), 'the waiting run to start');
  });

  it('replace cancels the running run through its driver', async () => {
    const { s, sch } = await ticking('replace');
    await until(async () => (await rows(s, sch.id))[2]![2] === 'running' || (await s.tick(), await s.whenSubmitted(), false), 'cancellations');
    expect(await rows(s, sch.id)).toEqual([['2026-01-01T00:01Z', 'cron', 'cancelled', 1], ['2026-01-01T00:02Z', 'cron', 'cancelled', 1], ['2026-01-01T00:03Z', 'cron', 'running', 1]]);
  });

  it('allow runs up to maxConcurrency at once', async () => {
    const { s, sch } = await ticking('allow', 2);
    expect(await rows(s, sch.id)).toEqual([['2026-01-01T00:01Z', 'cron', 'running', 1], ['2026-01-01T00:02Z', 'cron', 'running', 1], ['2026-01-01T00:03Z', 'cron', 'queued', 1]]);
  });

  it('a manual run is never skipped: it queues', async () => {
    const { s, sch } = await ticking('forbid');
    const manual = await s.runNow(sch.id, { parameters: { x: 2 } });
    expect(manual).toMatchObject({ trigger: 'manual', state: 'queued', parameters: { x: 2 } });
    h.backend.end(h.backend.running()[0]!, 'succeeded');
    await until(async () => (await s.getRun(manual.id)).state === 'running' || (await s.tick(), false), 'the manual run to start');
  });

  it('the service-wide maxConcurrent bounds everything', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open({ maxConcurrent: 2 });
    const sch = await s.createSchedule({ name: 'm', concurrencyPolicy: 'allow' }, snapshot());
    for (let i = 0; i < 4; i++) await s.runNow(sch.id);
    await s.tick();
    await until(() => h.backend.running().length === 2, 'two runs');
    await s.tick();
    expect(h.backend.running().length).toBe(2);
    expect((await s.listRuns({ state: 'queued' })).items.length).toBe(2);
  });
});

describe('slots and leftovers', () => {
  it('a run\'s slot is freed when its job ends, before its results are copied and its row written', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open({ maxConcurrent: 1 });
    const sch = await s.createSchedule({ name: 'slot', concurrencyPolicy: 'allow' }, snapshot());
    const first = await s.runNow(sch.id);
    const second = await s.runNow(sch.id);
    await s.tick();
    await settle(s);
    expect(h.backend.submitted).toEqual([first.id]);
    let release!: () => void;
    h.backend.resultGate = new Promise<void>((r) => (release = r));
    try {
      h.backend.end(first.id, 'succeeded');
      await until(async () => {
        await s.tick();
        await settle(s);
        return h.backend.submitted.includes(second.id);
      }, 'the second run on the freed slot');
      expect((await s.getRun(first.id)).state).toBe('running'); // its results are still being fetched
    } finally {
      release();
    }
    await until(async () => (await s.getRun(first.id)).state === 'succeeded', 'the first run\'s row');
  });

  it('a finished run leaves no timer behind (the bounded wait for its log copy is cleared)', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open();
    const sch = await s.createSchedule({ name: 'timers' }, snapshot());
    // Only the timers the scheduler's own code sets are counted: the worker's other timers
    // (an earlier test's, vitest's) come and go on their own and must not decide this test.
    const pending = new Set<unknown>();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const spySet = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const mine = /[\\/]scheduler[\\/]src[\\/]/.test(new Error().stack ?? '');
      const t = realSet((...a: unknown[]) => {
        pending.delete(t);
        fn(...a);
      }, ms, ...args);
      if (mine) pending.add(t);
      return t;
    }) as typeof setTimeout);
    const spyClear = vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((t?: Parameters<typeof clearTimeout>[0]) => {
      pending.delete(t);
      realClear(t);
    }) as typeof clearTimeout);
    try {
      h.backend.autoEnd = 'succeeded';
      const run = await s.runNow(sch.id);
      await s.tick();
      await until(async () => (await s.getRun(run.id)).state === 'succeeded', 'the run');
      await s.whenFinished();
      await new Promise((r) => setImmediate(r));
      expect(spySet).toHaveBeenCalled(); // the bounded waits did set their timers
      expect(pending.size).toBe(0);
    } finally {
      spySet.mockRestore();
      spyClear.mockRestore();
    }
  });

  it('one-off runs are kept to the newest 100; an older one goes with its snapshot, which a queued retry still holds', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open({ maxConcurrent: 20 });
    const snapshots = join(h.dir, 'artifacts', 'snapshots');
    const retried = await s.createRun({ retries: { max: 1, backoffSeconds: 3600 } }, snapshot());
    await s.tick();
    await finishAll(s, 'failed'); // attempt 2 queued an hour later, on the same snapshot
    h.backend.autoEnd = 'succeeded';
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) {
      ids.push((await s.createRun({}, snapshot())).id);
      h.clock.advance(1);
      if (i % 20 === 19) await s.tick();
    }
    await until(async () => {
      await s.tick();
      await s.whenFinished();
      return (await s.listRuns({ state: 'queued', limit: 500 })).items.length === 1;
    }, 'the one-off runs to end');
    await s.whenFinished();
    const kept = (await s.listRuns({ limit: 500 })).items.filter((r) => r.scheduleId === null && r.state === 'succeeded').map((r) => r.id);
    expect(kept).toHaveLength(100); // ids[1..100]; the failed first attempt and ids[0] are the oldest two of 102
    await expect(s.getRun(retried.id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect(existsSync(join(snapshots, retried.id))).toBe(true); // the queued retry runs from it
    await expect(s.getRun(ids[0]!)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    expect(existsSync(join(snapshots, ids[0]!))).toBe(false);
    expect(existsSync(join(h.dir, 'artifacts', 'runs', ids[0]!))).toBe(false);
    expect(existsSync(join(snapshots, ids[100]!))).toBe(true);
  });
});

describe('retries, retention, re-attach', () => {
  it('retries a failed run with exponential backoff', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open();
    const sch = await s.createSchedule({ name: 'r', retries: { max: 2, backoffSeconds: 10 } }, snapshot());
    const first = await s.runNow(sch.id);
    await s.tick();
    await finishAll(s, 'failed');
    let retry = (await s.listRuns({ scheduleId: sch.id, state: 'queued' })).items[0]!;
    expect(retry).toMatchObject({ trigger: 'retry', attempt: 2, scheduledFor: first.scheduledFor });
    await at(s, '2026-01-01T00:00:09Z');
    expect(h.backend.jobs.has(retry.id)).toBe(false); // not before 10 s
    await at(s, '2026-01-01T00:00:10Z');
    await finishAll(s, 'failed');
    retry = (await s.listRuns({ scheduleId: sch.id, state: 'queued' })).items[0]!;
    expect(retry).toMatchObject({ trigger: 'retry', attempt: 3 });
    await at(s, '2026-01-01T00:00:29Z');
    expect(h.backend.jobs.has(retry.id)).toBe(false); // 20 s after the second failure
    await at(s, '2026-01-01T00:00:30Z');
    await finishAll(s, 'failed');
    expect((await s.listRuns({ scheduleId: sch.id })).items.map((r) => [r.attempt, r.state])).toEqual([[3, 'failed'], [2, 'failed'], [1, 'failed']]);
  });

  it('retention keeps the newest maxRuns runs and deletes the artifacts of the others', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open();
    const sch = await s.createSchedule({ name: 'k', retention: { maxRuns: 2 } }, snapshot());
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await s.runNow(sch.id)).id);
      h.clock.advance(1000);
      await s.tick();
      await finishAll(s);
    }
    expect((await s.listRuns({ scheduleId: sch.id })).items.map((r) => r.id)).toEqual([ids[3], ids[2]]);
    expect(existsSync(join(h.dir, 'artifacts', 'runs', ids[0]!))).toBe(false);
    expect(existsSync(join(h.dir, 'artifacts', 'runs', ids[3]!, 'results', 'output.ipynb'))).toBe(true);
  });

  it('after a restart, running runs are re-attached (no duplicate); a run whose job is gone is lost, then retried', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    let s = await h.open();
    const a = await s.createSchedule({ name: 'a' }, snapshot());
    const b = await s.createSchedule({ name: 'b', retries: { max: 1, backoffSeconds: 1 } }, snapshot());
    const ra = await s.runNow(a.id);
    const rb = await s.runNow(b.id);
    await s.tick();
    await settle(s);
    await s.close();
    h.backend.forget(rb.id);
    s = await h.open();
    await until(async () => (await s.getRun(rb.id)).state === 'lost', 'the lost run');
    h.backend.end(ra.id, 'succeeded');
    await until(async () => (await s.getRun(ra.id)).state === 'succeeded', 'the re-attached run');
    expect(h.backend.submitted.filter((id) => id === ra.id)).toHaveLength(1);
    expect((await s.listRuns({ scheduleId: b.id })).items.map((r) => [r.trigger, r.attempt, r.state])).toEqual([['retry', 2, 'queued'], ['manual', 1, 'lost']]);
  });

  it('cancelling a queued run and a running run', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open();
    const sch = await s.createSchedule({ name: 'c' }, snapshot());
    const one = await s.runNow(sch.id);
    const two = await s.runNow(sch.id);
    await s.tick();
    await settle(s);
    expect((await s.cancelRun(two.id)).state).toBe('cancelled');
    await s.cancelRun(one.id);
    await until(async () => (await s.getRun(one.id)).state === 'cancelled', 'cancel');
    expect(await s.runOutput(one.id)).toMatchObject({ name: 'report.ipynb' });
  });

  it('a cancel that comes after the notebook ran to the end (its result being copied) leaves the run succeeded, as its notebook says', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open();
    const sch = await s.createSchedule({ name: 'late-cancel' }, snapshot());
    let release!: () => void;
    h.backend.resultGate = new Promise<void>((r) => (release = r));
    const run = await s.runNow(sch.id);
    await s.tick();
    await settle(s);
    h.backend.end(run.id, 'succeeded');
    await until(async () => h.backend.jobs.get(run.id)!.state === 'succeeded', 'the job to end');
    expect((await s.cancelRun(run.id)).state).toBe('running'); // still copying its result
    release();
    await until(async () => (await s.getRun(run.id)).state !== 'running', 'the run to end');
    expect(await s.getRun(run.id)).toMatchObject({ state: 'succeeded', error: null });
  });
});

describe('storage and validation', () => {
  it('refuses a database from a newer version with one line', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open();
    await s.close();
    const db = new Database(join(h.dir, 'nbrun.db'));
    db.exec('UPDATE nbrun_schema SET version = 99');
    db.close();
    const err = await h.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchedulerError);
    expect((err as Error).message).toMatch(/schema version 99, newer than this nbrun knows \(3\)/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('bad input is refused with the field named, nothing stored', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open();
    const bad = async (input: object, snap = snapshot()) => {
      const err = await s.createSchedule({ name: 'x', ...input }, snap).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchedulerError);
      return err as SchedulerError;
    };
    expect(await bad({ trigger: { cron: '0 25 * * *' } })).toMatchObject({ status: 400, field: 'trigger.cron' });
    expect(await bad({ trigger: { cron: '0 6 * * *', timezone: 'Europe/Nowhere' } })).toMatchObject({ status: 400, field: 'trigger.timezone' });
    expect(await bad({ driver: { name: 'docker', options: { nope: 1 } } })).toMatchObject({ status: 400, field: expect.stringMatching(/^driver\.options/) });
    expect(await bad({ driver: { name: 'slurm' } })).toMatchObject({ status: 400, field: 'driver.name' });
    expect(await bad({}, snapshot('{"not": "a notebook"'))).toMatchObject({ status: 400, field: 'notebook' });
    expect(await bad({ startAt: '2026-02-01T00:00:00Z', endAt: '2026-01-01T00:00:00Z' })).toMatchObject({ field: 'endAt' });
    expect((await s.listSchedules({})).items).toEqual([]);
    expect(await s.getSchedule('sch-nope').catch((e: unknown) => e)).toMatchObject({ status: 404, code: 'E_NOT_FOUND' });
  });

  it('lists schedules by page and tag; PATCH replaces the notebook for later runs', async () => {
    h = await harness('2026-01-01T00:00:00Z');
    const s = await h.open();
    for (let i = 0; i < 5; i++) await s.createSchedule({ name: `s${i}`, tags: i % 2 ? ['odd'] : ['even'] }, snapshot());
    const p1 = await s.listSchedules({ limit: 2 });
    const p2 = await s.listSchedules({ limit: 2, cursor: p1.nextCursor! });
    const p3 = await s.listSchedules({ limit: 2, cursor: p2.nextCursor! });
    expect([...p1.items, ...p2.items, ...p3.items].map((x) => x.name)).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(p3.nextCursor).toBeUndefined();
    expect((await s.listSchedules({ tag: 'odd' })).items.map((x) => x.name)).toEqual(['s1', 's3']);
    const id = p1.items[0]!.id;
    const updated = await s.updateSchedule(id, { trigger: { intervalSeconds: 60 }, name: 'renamed' }, snapshot(undefined, { 'util.py': 'x = 1' }));
    expect(updated).toMatchObject({ name: 'renamed', trigger: { intervalSeconds: 60 }, snapshot: { notebook: 'report.ipynb', files: ['util.py'] }, nextRuns: ['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z', '2026-01-01T00:03:00.000Z', '2026-01-01T00:04:00.000Z', '2026-01-01T00:05:00.000Z'] });
    await s.deleteSchedule(id);
    expect(await s.getSchedule(id).catch((e: unknown) => e)).toMatchObject({ status: 404 });
  });
});
