/**
 * Triggers in words ("every day at 06:00 Europe/Berlin"), durations and times, for the page.
 * Pure functions (no DOM): tested in Node too.
 */

export type TriggerLike = { cron: string; timezone?: string } | { intervalSeconds: number } | null | undefined;

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MONTH_NAMES: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

const pad = (n: number) => String(n).padStart(2, '0');
const isInt = (s: string) => /^\d+$/.test(s);

/** `3` → `3rd`. */
function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

function plural(n: number, unit: string): string {
  return n === 1 ? unit : `${n} ${unit}s`;
}

/** `90` → `every 90 seconds`, `600` → `every 10 minutes`, `86400` → `every day`. */
export function describeInterval(seconds: number): string {
  const units: [number, string][] = [[86400, 'day'], [3600, 'hour'], [60, 'minute']];
  for (const [size, unit] of units) if (seconds % size === 0) return `every ${plural(seconds / size, unit)}`;
  return `every ${plural(seconds, 'second')}`;
}

function listOf(field: string, names: Record<string, number>, words: string[], offset: number): string | undefined {
  const parts = field.split(',');
  const out: string[] = [];
  for (const part of parts) {
    const range = part.split('-');
    const value = (s: string) => (isInt(s) ? Number(s) : names[s.toLowerCase()]);
    if (range.length === 1) {
      const v = value(range[0]!);
      if (v === undefined) return undefined;
      const w = words[(v - offset + words.length) % words.length];
      if (!w) return undefined;
      out.push(w);
    } else if (range.length === 2) {
      const a = value(range[0]!);
      const b = value(range[1]!);
      if (a === undefined || b === undefined) return undefined;
      const wa = words[(a - offset + words.length) % words.length];
      const wb = words[(b - offset + words.length) % words.length];
      if (!wa || !wb) return undefined;
      out.push(`${wa} to ${wb}`);
    } else return undefined;
  }
  return out.length > 1 ? `${out.slice(0, -1).join(', ')} and ${out[out.length - 1]}` : out[0];
}

/**
 * A 5-field cron expression in words, or undefined when it is not one of the common shapes
 * (the page then shows the expression itself).
 * @example describeCron('0 6 * * *') // 'every day at 06:00'
 */
export function describeCron(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return undefined;
  const [min, hour, dom, month, dow] = fields as [string, string, string, string, string];
  let when: string | undefined;
  // Time of day.
  if (isInt(min) && isInt(hour)) when = `at ${pad(Number(hour))}:${pad(Number(min))}`;
  else if (isInt(min) && hour === '*') when = Number(min) === 0 ? 'every hour' : `every hour at ${pad(Number(min))} minutes past`;
  else if (/^\*\/\d+$/.test(min) && hour === '*') when = `every ${plural(Number(min.slice(2)), 'minute')}`;
  else if (min === '*' && hour === '*') when = 'every minute';
  else if (isInt(min) && /^\*\/\d+$/.test(hour)) when = `every ${plural(Number(hour.slice(2)), 'hour')} at ${pad(Number(min))} minutes past`;
  else if (isInt(min) && /^\d+(,\d+)+$/.test(hour)) when = `at ${hour.split(',').map((h) => `${pad(Number(h))}:${pad(Number(min))}`).join(', ')}`;
  if (!when) return undefined;
  // Days.
  let days: string;
  if (dom === '*' && dow === '*') days = when.startsWith('every') ? '' : 'every day';
  else if (dom === '*') {
    if (dow === '1-5') days = 'on weekdays';
    else if (dow === '0,6' || dow === '6,0') days = 'on weekends';
    else {
      const d = listOf(dow, DAY_NAMES, DAYS, 0);
      if (!d) return undefined;
      days = `on ${d}`;
    }
  } else if (dow === '*') {
    if (!/^\d+(,\d+)*$/.test(dom)) return undefined;
    const list = dom.split(',').map((d) => ordinal(Number(d)));
    days = `on the ${list.length > 1 ? `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}` : list[0]}`;
  } else return undefined;
  let months = '';
  if (month !== '*') {
    const m = listOf(month, MONTH_NAMES, MONTHS, 1);
    if (!m) return undefined;
    months = `in ${m}`;
  } else if (dom !== '*') months = 'of every month';
  return [when.startsWith('every') ? when : '', days, months, when.startsWith('every') ? '' : when].filter(Boolean).join(' ');
}

/** A trigger in words, with its zone: `every day at 06:00 Europe/Berlin`, `every 10 minutes`, `on demand`. */
export function describeTrigger(trigger: TriggerLike): string {
  if (!trigger) return 'on demand only';
  if ('intervalSeconds' in trigger) return describeInterval(trigger.intervalSeconds);
  const zone = trigger.timezone ?? 'UTC';
  const words = describeCron(trigger.cron);
  return words ? `${words} ${zone}` : `cron ${trigger.cron} ${zone}`;
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${pad(Math.floor(s % 60))} s`;
  return `${Math.floor(m / 60)} h ${pad(m % 60)} min`;
}

/** The duration of a run from its times (to `now` while it runs). */
export function runDuration(run: { startedAt: string | null; finishedAt: string | null }, now = Date.now()): string {
  if (!run.startedAt) return '';
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return formatDuration(end - Date.parse(run.startedAt));
}

/** An instant as `2026-12-03 06:00 (Thu)` in a zone (default the browser's). */
export function formatTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', {
    ...(timeZone ? { timeZone } : {}),
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short', hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const seconds = get('second') === '00' ? '' : `:${get('second')}`;
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}${seconds} (${get('weekday')})`;
}
