/**
 * Fire times of triggers. croner finds the wall-clock times a cron expression matches (it is
 * never asked to run anything); this module turns wall-clock times into instants in the
 * schedule's zone, with the DST rules of the README:
 * - a repeated hour (fall back) fires once, at its first occurrence;
 * - a time skipped by spring forward fires a fixed-time schedule (minute and hour fields
 *   without `*`) at the first valid instant after the gap, as cronie does; a wildcard
 *   schedule (`*\/15 * * * *`, `30 * * * *`) has no tick in the gap.
 * Interval triggers tick every `intervalSeconds` of elapsed time from their anchor.
 */
import { Cron } from 'croner';
import type { Trigger } from './model.js';
import { SchedulerError } from './service.js';

/** The next tick strictly after `after`, or undefined when there is none. */
export interface FireTimes {
  next(after: Date): Date | undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS = [
  { name: 'minute', min: 0, max: 59, names: [] as string[] },
  { name: 'hour', min: 0, max: 23, names: [] as string[] },
  { name: 'day-of-month', min: 1, max: 31, names: [] as string[] },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS },
];

/**
 * Checks an IANA zone name; SchedulerError 400 naming `field` when it is unknown.
 * @example checkTimezone('Europe/Berlin')
 */
export function checkTimezone(zone: string, field = 'trigger.timezone'): string {
  if (validZones.has(zone)) return zone;
  let ok = !/^[+-]\d/.test(zone) && zone.trim() === zone && zone !== '';
  if (ok) {
    try {
      formatter(zone);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw SchedulerError.invalid(field, `${field}: '${zone}' is not an IANA time zone (e.g. 'Europe/Berlin', 'UTC')`);
  validZones.add(zone);
  return zone;
}

/** Zones found valid: a new Intl.DateTimeFormat per fire-time computation was ~1.6 ms of each schedule created at load. */
const validZones = new Set<string>();

function fieldValue(token: string, f: (typeof FIELDS)[number], expr: string): number {
  const named = f.names.indexOf(token.toLowerCase());
  const n = named >= 0 ? named + (f.name === 'month' ? 1 : 0) : /^\d+$/.test(token) ? Number(token) : NaN;
  if (!(n >= f.min && n <= f.max)) {
    throw SchedulerError.invalid('trigger.cron', `trigger.cron: '${token}' is not a valid ${f.name} (${f.min}-${f.max}) in '${expr}'`);
  }
  return n;
}

/**
 * Checks a 5-field cron expression (Vixie syntax: numbers, names, `*`, `,`, `-`, `/`);
 * returns its fields. SchedulerError 400 on `trigger.cron` otherwise.
 */
export function parseCronFields(expr: string): string[] {
  const trimmed = expr.trim();
  if (/^(CRON_)?TZ\s*=/i.test(trimmed)) {
    throw SchedulerError.invalid('trigger.cron', 'trigger.cron: a TZ=/CRON_TZ= prefix is not accepted; give the zone in trigger.timezone');
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5 || trimmed === '') {
    throw SchedulerError.invalid(
      'trigger.cron',
      `trigger.cron: '${expr}' has ${trimmed === '' ? 0 : fields.length} field(s); a cron expression has 5 (minute hour day-of-month month day-of-week)`,
    );
  }
  fields.forEach((field, i) => {
    const f = FIELDS[i]!;
    for (const part of field.split(',')) {
      const m = /^(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:\/(\d+))?$/i.exec(part);
      if (!m || (m[1] === '*' && m[2] !== undefined)) {
        throw SchedulerError.invalid('trigger.cron', `trigger.cron: '${part}' is not a valid ${f.name} in '${expr}'`);
      }
      if (m[1] !== '*') {
        const lo = fieldValue(m[1]!, f, expr);
        if (m[2] !== undefined && fieldValue(m[2], f, expr) < lo) {
          throw SchedulerError.invalid('trigger.cron', `trigger.cron: the range '${part}' runs backwards in '${expr}'`);
        }
      }
      if (m[3] !== undefined && Number(m[3]) < 1) {
        throw SchedulerError.invalid('trigger.cron', `trigger.cron: the step in '${part}' must be at least 1 in '${expr}'`);
      }
    }
  });
  return fields;
}

// ── wall clock ↔ instants ──

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's UTC offset at instant `t` (ms), read from Intl. */
function formattedOffset(t: number, zone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - (t - (((t % 1000) + 1000) % 1000));
}

const DAY_MS = 86_400_000;
/** Per zone: the offset of each UTC day with one offset all day (no zone changes twice in a day). */
const dayOffsets = new Map<string, Map<number, number>>();

/**
 * The zone's UTC offset at instant `t`, in ms. Intl's formatToParts is slow (a list of 50
 * schedules asks it thousands of times): a day whose offset is the same at its start and end
 * is remembered; a day with a change is read at the instant.
 */
function offsetAt(t: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  let days = dayOffsets.get(zone);
  if (!days) dayOffsets.set(zone, (days = new Map()));
  const day = Math.floor(t / DAY_MS);
  const known = days.get(day);
  if (known !== undefined) return known;
  const start = formattedOffset(day * DAY_MS, zone);
  if (start !== formattedOffset(day * DAY_MS + DAY_MS - 1000, zone)) return formattedOffset(t, zone);
  if (days.size > 20_000) days.clear();
  days.set(day, start);
  return start;
}

/** The zone's wall-clock time at instant `t`, encoded as if it were UTC (ms). */
export function wallClock(t: number, zone: string): number {
  return t + offsetAt(t, zone);
}

/** The instants at which the zone's clocks show the wall time `wall`: 0 (in a gap), 1, or 2 (repeated hour), sorted. */
export function instantsOf(wall: number, zone: string): number[] {
  const DAY = 86_400_000;
  const offsets = new Set([offsetAt(wall - DAY, zone), offsetAt(wall, zone), offsetAt(wall + DAY, zone)]);
  const out = new Set<number>();
  for (const o of offsets) if (offsetAt(wall - o, zone) === o) out.add(wall - o);
  return [...out].sort((a, b) => a - b);
}

/** The first instant at which the zone's clocks show a time after `wall` (a time in a gap). */
function endOfGap(wall: number, zone: string): number {
  const before = offsetAt(wall - 86_400_000, zone);
  // Clocks jumped forward: at lo the old offset holds, at hi the new one; the transition is between.
  let lo = wall - before - 86_400_000;
  let hi = wall - before;
  while (offsetAt(hi, zone) === before) hi += 3_600_000;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (offsetAt(mid, zone) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

class CronFireTimes implements FireTimes {
  readonly #cron: Cron;
  readonly #zone: string;
  readonly #fixedTime: boolean;

  constructor(expr: string, zone: string) {
    const fields = parseCronFields(expr);
    const [minute, hour, dom, dow] = [fields[0]!, fields[1]!, fields[2]!, fields[4]!];
    this.#zone = checkTimezone(zone);
    this.#fixedTime = !minute.startsWith('*') && !hour.startsWith('*');
    // Vixie cron: day-of-month and day-of-week are OR-ed when both are restricted, AND-ed
    // when either starts with '*' (croner's legacyMode OR-s whenever neither is exactly '*').
    const legacyMode = !(dom.startsWith('*') || dow.startsWith('*'));
    try {
      // Wall-clock arithmetic only: croner sees local times encoded as UTC; no callback, so no timer.
      // utcOffset 0, not timezone 'UTC': croner converts through Intl for a timezone (~3 ms a tick at load; 0.005 ms so).
      this.#cron = new Cron(fields.join(' '), { utcOffset: 0, legacyMode, paused: true });
    } catch (err) {
      throw SchedulerError.invalid('trigger.cron', `trigger.cron: '${expr}' is not a valid cron expression (${(err as Error).message})`, err);
    }
  }

  next(after: Date): Date | undefined {
    const a = after.getTime();
    // Near a DST change, start three hours back in wall time, so a tick whose wall time
    // repeats or lands in a gap is seen (and then filtered by its instant).
    const nearChange = offsetAt(a - 86_400_000, this.#zone) !== offsetAt(a + 86_400_000, this.#zone);
    let wall = wallClock(a, this.#zone) - (nearChange ? 3 * 3_600_000 : 0) - 1;
    for (let i = 0; i < 10_000; i++) {
      const next = this.#cron.nextRun(new Date(wall));
      if (!next) return undefined;
      wall = next.getTime();
      const instants = instantsOf(wall, this.#zone);
      let t: number | undefined;
      if (instants.length > 0) t = instants[0];
      else if (this.#fixedTime) t = endOfGap(wall, this.#zone);
      if (t !== undefined && t > a) return new Date(t);
    }
    return undefined;
  }
}

class IntervalFireTimes implements FireTimes {
  constructor(
    readonly ms: number,
    readonly anchor: number,
  ) {}

  next(after: Date): Date | undefined {
    const a = after.getTime();
    if (a < this.anchor) return new Date(this.anchor);
    const k = Math.floor((a - this.anchor) / this.ms) + 1;
    return new Date(this.anchor + k * this.ms);
  }
}

/**
 * The fire times of a trigger. Interval ticks are `anchor + k × intervalSeconds` (default
 * anchor: the epoch). SchedulerError 400 for a bad cron expression or zone.
 *
 * @example fireTimes({ cron: '0 6 * * *', timezone: 'Europe/Berlin' }).next(new Date())
 */
export function fireTimes(trigger: Trigger, anchor?: Date): FireTimes {
  if ('cron' in trigger) return new CronFireTimes(trigger.cron, trigger.timezone ?? 'UTC');
  const s = trigger.intervalSeconds;
  if (!Number.isInteger(s) || s < 1) throw SchedulerError.invalid('trigger.intervalSeconds', 'trigger.intervalSeconds: must be a whole number of seconds, at least 1');
  return new IntervalFireTimes(s * 1000, anchor?.getTime() ?? 0);
}

/** The next `count` ticks strictly after `after`. */
export function nextFireTimes(trigger: Trigger, count: number, after: Date, anchor?: Date): Date[] {
  const times = fireTimes(trigger, anchor);
  const out: Date[] = [];
  let t: Date | undefined = after;
  while (out.length < count && (t = times.next(t))) out.push(t);
  return out;
}
