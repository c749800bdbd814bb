/**
 * Semantic checks and defaults: what a schedule or one-off run is stored as. Every failure
 * is a SchedulerError 400 naming the field.
 */
import { NbrunError, parseNotebook, type ErrorHint } from '@nbrun/core';
import { driverNames, validateDriverOptions } from '@nbrun/drivers';
import { fireTimes } from './fire-times.js';
import { SCHEDULE_DEFAULTS, type Catchup, type ConcurrencyPolicy, type OneOffRun, type ScheduleCreate, type Trigger } from './model.js';
import { SchedulerError, type Snapshot } from './service.js';

/** What a schedule runs and when: stored as JSON in the schedule's row. */
export interface ScheduleSpec {
  parameters: Record<string, unknown>;
  kernel: string | null;
  driver: { name: string; options: Record<string, unknown>; image?: string };
  cellTimeoutSeconds: number | null;
  runTimeoutSeconds: number | null;
  trigger: Trigger | null;
  startAt: string | null;
  endAt: string | null;
  catchup: Catchup;
  startingDeadlineSeconds: number;
  concurrencyPolicy: ConcurrencyPolicy;
  maxConcurrency: number | null;
  retries: { max: number; backoffSeconds: number };
  retention: { maxRuns: number };
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw SchedulerError.invalid(field, `${field}: must be an object`);
  try {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  } catch (err) {
    throw SchedulerError.invalid(field, `${field}: must be JSON`, err);
  }
}

function positive(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw SchedulerError.invalid(field, `${field}: must be a number of seconds above 0`);
  return value;
}

function integer(value: unknown, field: string, min: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw SchedulerError.invalid(field, `${field}: must be a whole number, at least ${min}`);
  return value;
}

function time(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw SchedulerError.invalid(field, `${field}: '${String(value)}' is not an ISO date-time (e.g. 2026-01-31T06:00:00Z)`);
  return new Date(ms).toISOString();
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (!allowed.includes(value as T)) throw SchedulerError.invalid(field, `${field}: '${String(value)}' is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** A driver selection checked against the driver's option schema. */
export function checkDriver(driver: unknown): { name: string; options: Record<string, unknown>; image?: string } {
  if (driver === undefined || driver === null) return { name: SCHEDULE_DEFAULTS.driver, options: {} };
  const d = driver as { name?: unknown; options?: unknown; image?: unknown };
  const name = typeof d.name === 'string' ? d.name : '';
  if (!driverNames().some((n) => n.name === name)) {
    throw SchedulerError.invalid('driver.name', `driver.name: unknown driver '${name}' (available: ${driverNames().map((n) => n.name).join(', ')})`);
  }
  let image: string | undefined;
  if (d.image !== undefined && d.image !== null) {
    if (typeof d.image !== 'string' || !/^\S+$/.test(d.image)) throw SchedulerError.invalid('driver.image', 'driver.image: must be an image reference without spaces');
    if (name === 'local' || name === 'ffdl') throw SchedulerError.invalid('driver.image', `driver.image: the ${name} driver runs no container image`);
    image = d.image;
  }
  try {
    return { name, options: validateDriverOptions(name, d.options ?? {}), ...(image ? { image } : {}) };
  } catch (err) {
    const hint = (err as { hint?: ErrorHint }).hint;
    const field = hint ? `driver.options.${hint.option}` : 'driver.options';
    throw SchedulerError.invalid(field, `${field}: ${(err as Error).message}`, err);
  }
}

/** A trigger checked (cron parses, zone exists, interval ≥ 1 s); null for on demand. */
export function checkTrigger(trigger: unknown): Trigger | null {
  if (trigger === undefined || trigger === null) return null;
  const t = trigger as Record<string, unknown>;
  if (typeof t !== 'object') throw SchedulerError.invalid('trigger', 'trigger: must be { cron, timezone } or { intervalSeconds }');
  if ('cron' in t) {
    if (typeof t.cron !== 'string') throw SchedulerError.invalid('trigger.cron', 'trigger.cron: must be a string');
    if (t.timezone !== undefined && typeof t.timezone !== 'string') throw SchedulerError.invalid('trigger.timezone', 'trigger.timezone: must be a string');
    const out: Trigger = { cron: t.cron.trim(), timezone: (t.timezone as string | undefined) ?? SCHEDULE_DEFAULTS.timezone };
    fireTimes(out);
    return out;
  }
  if ('intervalSeconds' in t) {
    const out: Trigger = { intervalSeconds: t.intervalSeconds as number };
    fireTimes(out);
    return out;
  }
  throw SchedulerError.invalid('trigger', 'trigger: must be { cron, timezone } or { intervalSeconds }');
}

/** Checks the notebook bytes of a snapshot (JSON, nbformat). */
export function checkSnapshot(snapshot: Snapshot): void {
  const name = snapshot.notebookName;
  if (!name || name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
    throw SchedulerError.invalid('notebook', `notebook: '${name}' is not a file name`);
  }
  try {
    parseNotebook(snapshot.notebook.toString('utf8'), name);
  } catch (err) {
    const code = err instanceof NbrunError && (err.code === 'E_NOTEBOOK_JSON' || err.code === 'E_NOTEBOOK_INVALID') ? err.code : 'E_INVALID';
    throw new SchedulerError(400, code, `notebook: ${(err as Error).message}`, { field: 'notebook', cause: err });
  }
}

/** The stored form of a schedule's fields (create, or current + patch). */
export function normalizeSchedule(input: Partial<ScheduleCreate>): { name: string; tags: string[]; paused: boolean; spec: ScheduleSpec } {
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 200) {
    throw SchedulerError.invalid('name', 'name: must be a non-empty string of at most 200 characters');
  }
  const tags = input.tags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t === '')) throw SchedulerError.invalid('tags', 'tags: must be a list of non-empty strings');
  const spec: ScheduleSpec = {
    parameters: plainObject(input.parameters, 'parameters'),
    kernel: typeof input.kernel === 'string' && input.kernel !== '' ? input.kernel : null,
    driver: checkDriver(input.driver),
    cellTimeoutSeconds: positive(input.cellTimeoutSeconds, 'cellTimeoutSeconds'),
    runTimeoutSeconds: positive(input.runTimeoutSeconds, 'runTimeoutSeconds'),
    trigger: checkTrigger(input.trigger),
    startAt: time(input.startAt, 'startAt'),
    endAt: time(input.endAt, 'endAt'),
    catchup: oneOf(input.catchup, 'catchup', ['latest', 'all', 'none'] as const, SCHEDULE_DEFAULTS.catchup),
    startingDeadlineSeconds: integer(input.startingDeadlineSeconds, 'startingDeadlineSeconds', 0, SCHEDULE_DEFAULTS.startingDeadlineSeconds),
    concurrencyPolicy: oneOf(input.concurrencyPolicy, 'concurrencyPolicy', ['forbid', 'allow', 'queue', 'replace'] as const, SCHEDULE_DEFAULTS.concurrencyPolicy),
    maxConcurrency: input.maxConcurrency === undefined || input.maxConcurrency === null ? null : integer(input.maxConcurrency, 'maxConcurrency', 1, 1),
    retries: {
      max: integer(input.retries?.max, 'retries.max', 0, 0),
      backoffSeconds: input.retries?.backoffSeconds === undefined ? SCHEDULE_DEFAULTS.retriesBackoffSeconds : (positive(input.retries.backoffSeconds, 'retries.backoffSeconds') ?? 0),
    },
    retention: { maxRuns: integer(input.retention?.maxRuns, 'retention.maxRuns', 1, SCHEDULE_DEFAULTS.maxRuns) },
  };
  if (spec.startAt && spec.endAt && Date.parse(spec.endAt) <= Date.parse(spec.startAt)) throw SchedulerError.invalid('endAt', 'endAt: must be after startAt');
  return { name: input.name.trim(), tags: [...new Set(tags)], paused: input.paused === true, spec };
}

/** The stored form of a one-off run's fields. */
export function normalizeOneOff(input: OneOffRun): ScheduleSpec & { name: string | null } {
  const { spec } = normalizeSchedule({ ...input, name: input.name ?? 'one-off run' });
  return { ...spec, name: input.name ?? null };
}
