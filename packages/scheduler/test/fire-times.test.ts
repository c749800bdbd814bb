/**
 * Golden fire times: DST in America/New_York, Europe/Berlin, Australia/Sydney (southern
 * hemisphere), Asia/Kolkata (no DST, half-hour offset); Vixie day-of-month/day-of-week OR;
 * bad expressions and zones refused with the field named.
 */
import { describe, expect, it } from 'vitest';
import { fireTimes, nextFireTimes } from '../src/fire-times.js';
import { SchedulerError, type Trigger } from '@nbrun/scheduler';

const iso = (d: Date[]) => d.map((t) => t.toISOString().replace('.000Z', 'Z'));
const next = (trigger: Trigger, after: string, count: number) => iso(nextFireTimes(trigger, count, new Date(after)));

describe('cron fire times across DST', () => {
  it('America/New_York: the skipped 02:30 fires at 03:00 EDT; the repeated 01:30 fires once, at its first occurrence', () => {
    const tz = 'America/New_York';
    expect(next({ cron: '30 2 * * *', timezone: tz }, '2026-03-06T12:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00Z', // 02:30 EST
      '2026-03-08T07:00:00Z', // 02:30 does not exist: 03:00 EDT, the first instant after the gap
      '2026-03-09T06:30:00Z', // 02:30 EDT
    ]);
    expect(next({ cron: '30 1 * * *', timezone: tz }, '2026-10-30T12:00:00Z', 3)).toEqual([
      '2026-10-31T05:30:00Z', // 01:30 EDT
      '2026-11-01T05:30:00Z', // 01:30 EDT (first occurrence); 01:30 EST (06:30Z) does not fire
      '2026-11-02T06:30:00Z', // 01:30 EST
    ]);
  });

  it('America/New_York: wildcard schedules have no tick in the gap and none in the second pass of the repeated hour', () => {
    const tz = 'America/New_York';
    expect(next({ cron: '*/30 * * * *', timezone: tz }, '2026-03-08T06:10:00Z', 4)).toEqual([
      '2026-03-08T06:30:00Z', // 01:30 EST
      '2026-03-08T07:00:00Z', // 03:00 EDT (02:00 and 02:30 do not exist)
      '2026-03-08T07:30:00Z',
      '2026-03-08T08:00:00Z',
    ]);
    expect(next({ cron: '*/30 * * * *', timezone: tz }, '2026-11-01T04:50:00Z', 4)).toEqual([
      '2026-11-01T05:00:00Z', // 01:00 EDT
      '2026-11-01T05:30:00Z', // 01:30 EDT
      '2026-11-01T07:00:00Z', // 02:00 EST (01:00 and 01:30 EST are repeats)
      '2026-11-01T07:30:00Z',
    ]);
    // Asked from inside the second pass of the repeated hour: the repeats stay silent.
    expect(next({ cron: '*/30 * * * *', timezone: tz }, '2026-11-01T06:10:00Z', 1)).toEqual(['2026-11-01T07:00:00Z']);
  });

  it('several fixed times in one gap fire once, and the tick after the gap is not repeated', () => {
    const t: Trigger = { cron: '0,30 2 * * *', timezone: 'America/New_York' };
    expect(next(t, '2026-03-08T06:00:00Z', 2)).toEqual(['2026-03-08T07:00:00Z', '2026-03-09T06:00:00Z']);
    expect(next(t, '2026-03-08T07:00:00Z', 1)).toEqual(['2026-03-09T06:00:00Z']);
  });

  it('Europe/Berlin: spring forward on the last Sunday of March, fall back on the last Sunday of October', () => {
    const tz = 'Europe/Berlin';
    expect(next({ cron: '30 2 * * *', timezone: tz }, '2026-03-27T12:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00Z', // 02:30 CET
      '2026-03-29T01:00:00Z', // 03:00 CEST
      '2026-03-30T00:30:00Z', // 02:30 CEST
    ]);
    expect(next({ cron: '30 2 * * *', timezone: tz }, '2026-10-23T12:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00Z', // 02:30 CEST
      '2026-10-25T00:30:00Z', // 02:30 CEST, first occurrence
      '2026-10-26T01:30:00Z', // 02:30 CET
    ]);
    expect(next({ cron: '0 6 * * *', timezone: tz }, '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T05:00:00Z', '2026-03-29T04:00:00Z', '2026-03-30T04:00:00Z',
    ]);
  });

  it('Australia/Sydney: clocks go forward in October and back in April', () => {
    const tz = 'Australia/Sydney';
    expect(next({ cron: '30 2 * * *', timezone: tz }, '2026-10-02T00:00:00Z', 3)).toEqual([
      '2026-10-02T16:30:00Z', // Oct 3, 02:30 AEST
      '2026-10-03T16:00:00Z', // Oct 4, 03:00 AEDT (02:30 does not exist)
      '2026-10-04T15:30:00Z', // Oct 5, 02:30 AEDT
    ]);
    expect(next({ cron: '30 2 * * *', timezone: tz }, '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T15:30:00Z', // Apr 4, 02:30 AEDT
      '2026-04-04T15:30:00Z', // Apr 5, 02:30 AEDT (first occurrence)
      '2026-04-05T16:30:00Z', // Apr 6, 02:30 AEST
    ]);
  });

  it('Asia/Kolkata: no DST, a half-hour offset', () => {
    expect(next({ cron: '0 6 * * 1-5', timezone: 'Asia/Kolkata' }, '2026-03-06T00:00:00Z', 3)).toEqual([
      '2026-03-06T00:30:00Z', // Friday 06:00 IST
      '2026-03-09T00:30:00Z', // Monday
      '2026-03-10T00:30:00Z',
    ]);
  });

  it('intervals count elapsed time, unaffected by DST', () => {
    const anchor = new Date('2026-03-08T05:00:00Z');
    expect(iso(nextFireTimes({ intervalSeconds: 3600 }, 3, new Date('2026-03-08T05:30:00Z'), anchor))).toEqual([
      '2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z',
    ]);
    expect(fireTimes({ intervalSeconds: 90 }, anchor).next(new Date('2026-03-08T04:00:00Z'))?.toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });
});

describe('cron day-of-month / day-of-week (Vixie)', () => {
  it('are OR-ed when both are restricted', () => {
    // The 13th, or any Friday: Fri 6, Fri 13, Fri 20 of March 2026, and Mon 13 April.
    expect(next({ cron: '0 0 13 * 5' }, '2026-03-01T00:00:00Z', 5)).toEqual([
      '2026-03-06T00:00:00Z', '2026-03-13T00:00:00Z', '2026-03-20T00:00:00Z', '2026-03-27T00:00:00Z', '2026-04-03T00:00:00Z',
    ]);
    expect(next({ cron: '0 0 13 4 5' }, '2026-03-01T00:00:00Z', 3)).toEqual(['2026-04-03T00:00:00Z', '2026-04-10T00:00:00Z', '2026-04-13T00:00:00Z']);
  });

  it('are AND-ed when one starts with *', () => {
    // Odd days of the month that are Mondays.
    expect(next({ cron: '0 0 */2 * mon' }, '2026-03-01T00:00:00Z', 3)).toEqual(['2026-03-09T00:00:00Z', '2026-03-23T00:00:00Z', '2026-04-13T00:00:00Z']);
  });
});

describe('bad triggers', () => {
  const refused = (t: Trigger): SchedulerError => {
    try {
      fireTimes(t);
    } catch (err) {
      expect(err).toBeInstanceOf(SchedulerError);
      return err as SchedulerError;
    }
    throw new Error(`accepted: ${JSON.stringify(t)}`);
  };

  it.each([
    ['TZ=Europe/Berlin 0 6 * * *', /TZ=\/CRON_TZ= prefix/],
    ['CRON_TZ=UTC 0 6 * * *', /TZ=\/CRON_TZ= prefix/],
    ['0 0 6 * * *', /has 6 field\(s\)/],
    ['@daily', /has 1 field\(s\)/],
    ['61 * * * *', /'61' is not a valid minute/],
    ['* 24 * * *', /'24' is not a valid hour/],
    ['0 0 L * *', /'L' is not a valid day-of-month/],
    ['0 0 * * 5#2', /'5#2' is not a valid day-of-week/],
    ['0 0 10-5 * *', /runs backwards/],
    ['*/0 * * * *', /step/],
  ])('%s', (cron, message) => {
    const err = refused({ cron });
    expect(err).toMatchObject({ status: 400, code: 'E_INVALID', field: 'trigger.cron' });
    expect(err.message).toMatch(message);
  });

  it('unknown zones and offsets', () => {
    expect(refused({ cron: '0 6 * * *', timezone: 'Mars/Olympus' })).toMatchObject({ field: 'trigger.timezone' });
    expect(refused({ cron: '0 6 * * *', timezone: '+02:00' }).message).toMatch(/not an IANA time zone/);
  });
});
