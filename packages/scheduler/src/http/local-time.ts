/** An instant as wall-clock time in an IANA zone, ISO 8601 with the zone's offset. */
import { wallClock } from '../fire-times.js';

/**
 * @example localIso(new Date('2026-03-29T04:00:00Z'), 'Europe/Berlin') // '2026-03-29T06:00:00+02:00'
 */
export function localIso(at: Date, zone: string): string {
  const t = at.getTime();
  const wall = wallClock(t, zone);
  const offset = Math.round((wall - t) / 60_000);
  const abs = Math.abs(offset);
  const off = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return new Date(wall).toISOString().slice(0, 19) + off;
}
