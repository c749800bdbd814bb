import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ManualClock, OneOffRunSchema, ScheduleCreateSchema, SchedulePatchSchema, SchedulerError } from '@nbrun/scheduler';

describe('model schemas', () => {
  it('accept the fields of a schedule and refuse unknown ones', () => {
    const ok = {
      name: 'daily report', parameters: { day: 1 }, kernel: 'python3', driver: { name: 'docker', options: { network: 'none' } },
      cellTimeoutSeconds: 60, runTimeoutSeconds: 3600, trigger: { cron: '0 6 * * *', timezone: 'Europe/Berlin' },
      startAt: '2026-01-01T00:00:00Z', endAt: null, catchup: 'all', startingDeadlineSeconds: 600, concurrencyPolicy: 'allow',
      maxConcurrency: 3, retries: { max: 2, backoffSeconds: 10 }, paused: false, retention: { maxRuns: 10 }, tags: ['x'],
    };
    expect(Value.Check(ScheduleCreateSchema, ok)).toBe(true);
    expect(Value.Check(ScheduleCreateSchema, { name: 'x', trigger: { intervalSeconds: 60 } })).toBe(true);
    expect(Value.Check(ScheduleCreateSchema, { name: 'x', trigger: null })).toBe(true);
    expect(Value.Check(ScheduleCreateSchema, { name: 'x', cron: '* * * * *' })).toBe(false);
    expect(Value.Check(ScheduleCreateSchema, { name: 'x', trigger: { intervalSeconds: 0 } })).toBe(false);
    expect(Value.Check(ScheduleCreateSchema, { name: 'x', concurrencyPolicy: 'sometimes' })).toBe(false);
    expect(Value.Check(SchedulePatchSchema, { paused: true })).toBe(true);
    expect(Value.Check(OneOffRunSchema, { parameters: { a: 1 } })).toBe(true);
    expect(Value.Check(OneOffRunSchema, { trigger: { intervalSeconds: 5 } })).toBe(false);
  });

  it('SchedulerError carries status, code and field', () => {
    const err = SchedulerError.invalid('trigger.cron', "trigger.cron: 'x' is not a 5-field cron expression");
    expect(err).toMatchObject({ status: 400, code: 'E_INVALID', field: 'trigger.cron', hint: { option: 'trigger.cron' } });
    expect(SchedulerError.notFound('run', 'r1')).toMatchObject({ status: 404, code: 'E_NOT_FOUND', message: "no run 'r1'" });
  });

  it('ManualClock wakes sleepers when time moves', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    let woke = false;
    const p = clock.sleep(1000).then(() => (woke = true));
    clock.advance(999);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await p;
    expect(woke).toBe(true);
  });
});
