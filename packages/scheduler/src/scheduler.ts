/**
 * The scheduler: the {@link SchedulerService} over a database, the drivers and the artifacts
 * directory. Time is computed, state is stored: every decision (fire, skip, miss, catch up,
 * retry) is a row written in a transaction, claimed with an atomic `UPDATE … WHERE`, so a
 * restart or a second instance on the same PostgreSQL never loses or duplicates a run.
 *
 * The loop of each instance: fire due schedules (advance each one's cursor over the ticks
 * up to now, write one row per tick), dispatch queued runs (claim, submit through the driver,
 * follow to the end), heartbeat the leases of the runs it follows, and take over runs whose
 * lease expired (re-attached through their driver; `lost` if the backend no longer knows them).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import { inspectParameters, NbrunError, parseNotebook } from '@nbrun/core';
import {
  createDriverRegistry, JobNotFoundError, JobRegistry, validateDriverOptions, type DriverContext, type DriverRegistry, type JobHandle, type JobRecord,
  type JobStatus, type RunnerStatus,
} from '@nbrun/drivers';
import { Artifacts, RUN_LOG, type SnapshotRef } from './artifacts.js';
import { systemClock, type Clock } from './clock.js';
import { fireTimes, nextFireTimes as computeNextFireTimes } from './fire-times.js';
import {
  FINAL_RUN_STATES, SCHEDULE_DEFAULTS, type OneOffRun, type Run, type RunState, type RunTrigger, type Schedule, type ScheduleCreate,
  type SchedulePatch, type Trigger,
} from './model.js';
import { checkSnapshot, normalizeOneOff, normalizeSchedule, type ScheduleSpec } from './normalize.js';
import {
  SchedulerError, type ListRunsQuery, type ListSchedulesQuery, type OpenSchedulerOptions, type Page, type SchedulerService, type Snapshot,
} from './service.js';
import { openDatabase, type Database, type Queryable, type SqlValue } from './store/db.js';
import { SqlIdempotencyStore } from './store/idempotency.js';

/** How long a run waits for the shared store to come back before the next try. */
const STORE_RETRY_MS = 5000;
/** How often a followed run's log goes up to the shared store. */
const LOG_UPLOAD_MS = 2000;
/** How often the loop looks for deletions from the shared store that are due. */
const DELETION_LOOK_MS = 5000;
/** With a shared store: how often this instance sweeps its cache, and how long an unused copy stays. */
const CACHE_SWEEP_MS = 600_000;
const CACHE_MAX_AGE_MS = 86_400_000;
/** How long the follow of an ended run waits for its job's processes (a kernel's shutdown grace is 2 × 3 s). */
const SETTLE_WAIT_MS = 10_000;
/** How long a claimed deletion is this instance's before another instance may take it over. */
const DELETION_CLAIM_MS = 60_000;
/** The longest wait between two tries of a deletion (the backoff doubles from STORE_RETRY_MS). */
const DELETION_BACKOFF_MAX_MS = 5 * 60_000;

/** Tuning knobs (tests shorten them). */
export interface EngineTuning {
  /** Longest sleep of the loop between looks at the database. Default 1000 ms. */
  pollMs?: number;
  /** Lease of a followed run; renewed every third of it. Default 30 s. */
  leaseMs?: number;
  /** A tick at most this late is on time (trigger cron/interval); later ones are catch-up. Default 60 s. */
  onTimeMs?: number;
  /** Run the loop (default true); tests drive {@link Scheduler.tick} themselves. */
  loop?: boolean;
  /**
   * At most this many runs started ahead as standbys while every slot is taken. Default: one
   * per slot, two per slot (at most 4) where the machine has cores the slots leave free.
   */
  standbys?: number;
  /** Driver registry (tests may add drivers). */
  drivers?: DriverRegistry;
}

/** A run's frozen copy of what it executes. */
interface RunSpec {
  snapshot: SnapshotRef;
  driver: { name: string; options: Record<string, unknown>; image?: string };
  kernel: string | null;
  cellTimeoutSeconds: number | null;
  runTimeoutSeconds: number | null;
  retries: { max: number; backoffSeconds: number };
  name: string | null;
}

interface ScheduleRow {
  id: string;
  name: string;
  spec: string;
  tags: string;
  paused: number | boolean;
  snapshot: string;
  created_at: number;
  updated_at: number;
  cursor_at: number;
  next_due: number | null;
}

interface RunRow {
  id: string;
  schedule_id: string | null;
  trigger: RunTrigger;
  scheduled_for: number;
  attempt: number;
  state: RunState;
  spec: string;
  parameters: string;
  not_before: number;
  job_id: string | null;
  job_record: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  error: string | null;
  failed_cell: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  cancel_requested: number | boolean;
}

const ACTIVE = "('queued', 'running')";
const MAX_MISSED_ROWS = 100;
const iso = (ms: number | null): string | null => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());
const json = <T>(text: string | null): T | null => (text === null || text === undefined ? null : (JSON.parse(text) as T));

let lastIdMs = 0;
/** Ids sortable by creation (real time, strictly increasing in a process, then random): lowercase letters and digits, valid as job ids. */
function newId(prefix: string): string {
  lastIdMs = Math.max(Date.now(), lastIdMs + 1);
  return `${prefix}-${lastIdMs.toString(36).padStart(9, '0')}${randomBytes(5).toString('hex')}`;
}

/** The names a notebook's parameters cell defines; none when nbrun cannot read it (the values then reach the run through its environment only). */
function parameterNames(text: string, path: string): string[] {
  try {
    return inspectParameters(parseNotebook(text, path)).map((p) => p.name);
  } catch {
    return [];
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Scheduler implements SchedulerService {
  readonly db: Database;
  readonly artifacts: Artifacts;
  readonly clock: Clock;
  readonly instanceId: string;
  /** `Idempotency-Key`s of the REST API, in the database. */
  readonly idempotency: SqlIdempotencyStore;
  readonly #env: NodeJS.ProcessEnv;
  readonly #drivers: DriverRegistry;
  readonly #jobs: JobRegistry;
  /** What each driver is made with: the job registry, the environment, whether local runs share a runner. */
  readonly #driverContext: DriverContext;
  readonly #queue: PQueue;
  readonly #maxConcurrent: number;
  readonly #pollMs: number;
  readonly #leaseMs: number;
  readonly #onTimeMs: number;
  readonly #loopEnabled: boolean;
  /** Runs this instance follows: their handle (once submitted) and the abort of the follow. */
  readonly #following = new Map<string, { handle?: JobHandle; abort: AbortController }>();
  readonly #closing = new AbortController();
  #wake = new AbortController();
  #loop?: Promise<void>;
  #started = false;
  #lastHeartbeat = 0;
  #lastRecover = 0;
  #lastDeletionLook = 0;
  /** The loop's pass over the pending deletions, while one runs (in the background: store requests never delay a tick). */
  #deleting?: Promise<void>;
  /** Wall-clock time of the last cache sweep (files age in real time, whatever the engine's clock). */
  #lastSweep = 0;
  #sweeping?: Promise<void>;
  /** A failed deletion was reported; the next success says nothing until another failure. */
  #deletionWarned = false;
  #ticking?: Promise<void>;
  /** Claimed runs on their way to the driver's submit. */
  readonly #submitting = new Set<Promise<unknown>>();
  /** Runs followed to their end (log, results, row): their slot is free once the job ended. */
  readonly #executing = new Set<Promise<void>>();
  /**
   * Runs started ahead as standbys while every slot is taken: one per slot, and two per slot (at
   * most 4) where the machine has cores the running slots leave free. A standby needs its runner
   * process before its kernel, so with spare cores one per slot left released runs waiting for
   * their kernel; where the slots already fill the cores, the second one's kernel start only
   * competes with them for CPU (20 runs at 2 on 2 cores: 14.9 s with 2, 16.1 s with 4; bench
   * case 11 c).
   */
  readonly #standbyMax: number;
  readonly #driverHolds = new Map<string, boolean>();

  constructor(opts: OpenSchedulerOptions & EngineTuning) {
    this.clock = opts.clock ?? systemClock;
    this.#env = { ...(opts.env ?? process.env) };
    // Local jobs and the job registry live in the state dir, beside the database.
    this.#env.NBRUN_STATE_DIR = opts.stateDir;
    this.db = openDatabase(opts.database ?? join(opts.stateDir, 'nbrun.db'));
    this.idempotency = new SqlIdempotencyStore(this.db, this.clock);
    const store = opts.store;
    if (typeof store === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(store)) {
      throw SchedulerError.invalid('store', `store: '${store}' — a directory, or s3://bucket/prefix through openScheduler`);
    }
    // With an object store every instance shares, the state dir keeps only a cache.
    this.artifacts =
      typeof store === 'object' ? new Artifacts(join(opts.stateDir, 'artifacts'), store) : new Artifacts(store ?? join(opts.stateDir, 'artifacts'));
    this.instanceId = opts.instanceId ?? `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
    this.#drivers = opts.drivers ?? createDriverRegistry();
    this.#jobs = new JobRegistry(join(opts.stateDir, 'jobs'));
    this.#driverContext = { jobs: this.#jobs, env: this.#env, sharedRunner: opts.sharedRunner ?? this.#env.NBRUN_SHARED_RUNNER !== '0' };
    this.#maxConcurrent = opts.maxConcurrent ?? 4;
    if (!Number.isInteger(this.#maxConcurrent) || this.#maxConcurrent < 1) throw SchedulerError.invalid('maxConcurrent', 'maxConcurrent: must be a whole number, at least 1');
    this.#queue = new PQueue({ concurrency: this.#maxConcurrent });
    const spareCores = Math.max(0, availableParallelism() - this.#maxConcurrent);
    this.#standbyMax = opts.standbys ?? Math.min(2 * this.#maxConcurrent, 4, Math.max(this.#maxConcurrent, spareCores));
    if (!Number.isInteger(this.#standbyMax) || this.#standbyMax < 0) throw SchedulerError.invalid('standbys', 'standbys: must be a whole number, at least 0');
    // A freed slot wakes the loop at once: the next queued run is claimed without waiting for a poll.
    this.#queue.on('next', () => this.#poke());
    this.#pollMs = opts.pollMs ?? 1000;
    this.#leaseMs = opts.leaseMs ?? 30_000;
    this.#onTimeMs = opts.onTimeMs ?? 60_000;
    this.#loopEnabled = opts.loop ?? true;
  }

  #now(): number {
    return this.clock.now().getTime();
  }

  // ── lifecycle ──

  async start(): Promise<void> {
    if (this.#started) return;
    await this.db.migrate();
    await this.artifacts.check();
    this.#started = true;
    await this.#recover(true);
    if (this.#loopEnabled) this.#loop = this.#runLoop();
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    this.#wake.abort();
    await this.#loop?.catch(() => undefined);
    await this.#ticking?.catch(() => undefined);
    await this.#deleting;
    await this.#sweeping;
    for (const f of this.#following.values()) f.abort.abort();
    await this.#queue.onIdle().catch(() => undefined);
    await this.whenFinished();
    // Runs still on their backend: let the next start (or another instance) re-attach at once.
    if (this.#started) await this.db.run(`UPDATE runs SET lease_until = 0 WHERE lease_owner = ? AND state IN ${ACTIVE}`, [this.instanceId]).catch(() => undefined);
    await this.db.close();
    this.artifacts.close();
  }

  /** Wakes the loop (new work). */
  #poke(): void {
    this.#wake.abort();
  }

  async #runLoop(): Promise<void> {
    while (!this.#closing.signal.aborted) {
      try {
        await this.tick();
      } catch (err) {
        if (this.#closing.signal.aborted) break;
        process.emitWarning(`nbrun scheduler: ${(err as Error).message}`);
      }
      if (this.#closing.signal.aborted) break;
      let wait = this.#pollMs;
      try {
        const next = (await this.db.all<{ due: number | null }>('SELECT MIN(next_due) AS due FROM schedules WHERE paused = 0 AND next_due IS NOT NULL'))[0]?.due;
        if (next !== null && next !== undefined) wait = Math.min(wait, Number(next) - this.#now());
      } catch {
        // The database is away: look again after the poll interval.
      }
      if (this.#wake.signal.aborted) this.#wake = new AbortController();
      if (wait > 0) await this.clock.sleep(wait, this.#wake.signal);
    }
  }

  /** One pass of the loop: fire due schedules, dispatch, cancel what was asked, heartbeat, take over expired leases. */
  tick(): Promise<void> {
    const run = async () => {
      const now = this.#now();
      await this.#fireDue(now);
      // Right after firing: the new runs go to their driver before the housekeeping below.
      await this.#dispatch();
      await this.#handleCancelRequests();
      if (now - this.#lastHeartbeat >= this.#leaseMs / 3) {
        this.#lastHeartbeat = now;
        await this.db.run(`UPDATE runs SET lease_until = ? WHERE lease_owner = ? AND state IN ${ACTIVE}`, [now + this.#leaseMs, this.instanceId]);
      }
      if (now - this.#lastRecover >= Math.min(5000, this.#leaseMs / 3)) {
        this.#lastRecover = now;
        await this.#recover(false);
      }
      if (this.artifacts.remote && !this.#deleting && now - this.#lastDeletionLook >= DELETION_LOOK_MS) {
        this.#lastDeletionLook = now;
        const p = this.#deleteDue(now)
          .catch((err) => process.emitWarning(`nbrun scheduler: pending deletions: ${(err as Error).message}`))
          .finally(() => (this.#deleting = undefined));
        this.#deleting = p;
      }
      if (this.artifacts.remote && !this.#sweeping && Date.now() - this.#lastSweep >= CACHE_SWEEP_MS) {
        const p = this.sweepCache()
          .then(() => undefined, (err) => process.emitWarning(`nbrun scheduler: cache sweep: ${(err as Error).message}`))
          .finally(() => (this.#sweeping = undefined));
        this.#sweeping = p;
      }
    };
    const p = (this.#ticking ?? Promise.resolve()).catch(() => undefined).then(run);
    this.#ticking = p;
    return p;
  }

  /** Resolves when the runs dispatched so far have been submitted (or failed to be): for tests and benchmarks. */
  async whenSubmitted(): Promise<void> {
    while (this.#submitting.size > 0) await Promise.all([...this.#submitting]);
  }

  /** Resolves when the runs this instance dispatched have been followed to their end (row written): for tests and close(). */
  async whenFinished(): Promise<void> {
    while (this.#executing.size > 0) await Promise.all([...this.#executing].map((p) => p.catch(() => undefined)));
  }

  // ── schedules ──

  nextFireTimes(trigger: Trigger, count: number, after?: Date): Date[] {
    const n = Math.max(0, Math.min(1000, Math.floor(count)));
    const from = after ?? this.clock.now();
    return computeNextFireTimes(trigger, n, from, 'intervalSeconds' in trigger ? from : undefined);
  }

  async createSchedule(input: ScheduleCreate, snapshot: Snapshot): Promise<Schedule> {
    const { name, tags, paused, spec } = normalizeSchedule(input);
    checkSnapshot(snapshot);
    const now = this.#now();
    const id = newId('sch');
    const ref = await this.#writeSnapshot(id, snapshot);
    const cursor = spec.startAt ? Math.max(now, Date.parse(spec.startAt) - 1) : now;
    await this.db.run(
      'INSERT INTO schedules (id, name, spec, tags, paused, snapshot, created_at, updated_at, cursor_at, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [id, name, JSON.stringify(spec), JSON.stringify(tags), paused ? 1 : 0, JSON.stringify(ref), now, now, cursor, this.#nextDue(spec, id, now, cursor)],
    );
    this.#poke();
    return this.getSchedule(id);
  }

  /** Writes a snapshot of a schedule or one-off run, with the names its parameters cell defines (read once here, not per run). */
  #writeSnapshot(ownerId: string, snapshot: Snapshot): Promise<SnapshotRef> {
    return this.artifacts.writeSnapshot(join(ownerId, newId('snap')), snapshot, parameterNames(snapshot.notebook.toString('utf8'), snapshot.notebookName));
  }

  /** The next tick after `cursor` within startAt/endAt, or null. */
  #nextDue(spec: ScheduleSpec, _id: string, createdAt: number, cursor: number): number | null {
    if (!spec.trigger) return null;
    const next = fireTimes(spec.trigger, this.#anchor(spec, createdAt)).next(new Date(cursor));
    if (!next) return null;
    if (spec.endAt && next.getTime() > Date.parse(spec.endAt)) return null;
    return next.getTime();
  }

  #anchor(spec: ScheduleSpec, createdAt: number): Date {
    return new Date(spec.startAt ? Date.parse(spec.startAt) : createdAt);
  }

  async #scheduleRow(id: string, q: Queryable = this.db): Promise<ScheduleRow> {
    const row = (await q.all<ScheduleRow>('SELECT * FROM schedules WHERE id = ?', [id]))[0];
    if (!row) throw SchedulerError.notFound('schedule', id);
    return row;
  }

  async #toSchedule(row: ScheduleRow): Promise<Schedule> {
    const spec = JSON.parse(row.spec) as ScheduleSpec;
    const ref = JSON.parse(row.snapshot) as SnapshotRef;
    const paused = Boolean(row.paused);
    const nextRuns: string[] = [];
    if (!paused && spec.trigger && row.next_due !== null) {
      const times = fireTimes(spec.trigger, this.#anchor(spec, Number(row.created_at)));
      let t: Date | undefined = new Date(Math.max(Number(row.cursor_at), this.#now()));
      const end = spec.endAt ? Date.parse(spec.endAt) : Infinity;
      if (Number(row.next_due) > t.getTime()) t = new Date(Number(row.next_due) - 1);
      while (nextRuns.length < 5 && (t = times.next(t)) && t.getTime() <= end) nextRuns.push(t.toISOString());
    }
    const last = (await this.db.all<{ id: string; state: RunState }>('SELECT id, state FROM runs WHERE schedule_id = ? ORDER BY id DESC LIMIT 1', [row.id]))[0];
    return {
      id: row.id,
      name: row.name,
      parameters: spec.parameters,
      kernel: spec.kernel,
      driver: spec.driver,
      cellTimeoutSeconds: spec.cellTimeoutSeconds,
      runTimeoutSeconds: spec.runTimeoutSeconds,
      trigger: spec.trigger,
      startAt: spec.startAt,
      endAt: spec.endAt,
      catchup: spec.catchup,
      startingDeadlineSeconds: spec.startingDeadlineSeconds,
      concurrencyPolicy: spec.concurrencyPolicy,
      maxConcurrency: spec.maxConcurrency,
      retries: spec.retries,
      paused,
      retention: spec.retention,
      tags: JSON.parse(row.tags) as string[],
      snapshot: { notebook: ref.notebook, files: ref.files },
      createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at)!,
      nextRuns,
      ...(last ? { lastRun: { id: last.id, state: last.state } } : {}),
    };
  }

  async getSchedule(id: string): Promise<Schedule> {
    return this.#toSchedule(await this.#scheduleRow(id));
  }

  async listSchedules(q: ListSchedulesQuery): Promise<Page<Schedule>> {
    const limit = Math.max(1, Math.min(500, Math.floor(q.limit ?? 50)));
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.cursor) {
      where.push('id > ?');
      params.push(q.cursor);
    }
    if (q.tag) {
      where.push("tags LIKE ? ESCAPE '\\'");
      params.push(`%${JSON.stringify(q.tag).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const rows = await this.db.all<ScheduleRow>(
      `SELECT * FROM schedules ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ${limit + 1}`,
      params,
    );
    const items = await Promise.all(rows.slice(0, limit).map((r) => this.#toSchedule(r)));
    return rows.length > limit ? { items, nextCursor: rows[limit - 1]!.id } : { items };
  }

  async updateSchedule(id: string, patch: SchedulePatch, snapshot?: Snapshot): Promise<Schedule> {
    const row = await this.#scheduleRow(id);
    const current = await this.#toSchedule(row);
    const { id: _id, snapshot: _s, createdAt: _c, updatedAt: _u, nextRuns: _n, lastRun: _l, ...fields } = current;
    const merged = { ...fields, ...patch } as Partial<ScheduleCreate>;
    const { name, tags, paused, spec } = normalizeSchedule(merged);
    if (snapshot) checkSnapshot(snapshot);
    const now = this.#now();
    const ref = snapshot ? await this.#writeSnapshot(id, snapshot) : (JSON.parse(row.snapshot) as SnapshotRef);
    const oldSpec = JSON.parse(row.spec) as ScheduleSpec;
    const timingChanged = JSON.stringify([oldSpec.trigger, oldSpec.startAt, oldSpec.endAt]) !== JSON.stringify([spec.trigger, spec.startAt, spec.endAt]);
    const resumed = Boolean(row.paused) && !paused;
    await this.db.tx(async (q) => {
      const fresh = await this.#scheduleRow(id, q);
      let cursor = Number(fresh.cursor_at);
      // A new trigger or a resume starts from now: no backfill of ticks before the change, none of the pause.
      if (timingChanged || resumed) cursor = Math.max(cursor, now, spec.startAt ? Date.parse(spec.startAt) - 1 : 0);
      await q.run('UPDATE schedules SET name = ?, spec = ?, tags = ?, paused = ?, snapshot = ?, updated_at = ?, cursor_at = ?, next_due = ? WHERE id = ?', [
        name, JSON.stringify(spec), JSON.stringify(tags), paused ? 1 : 0, JSON.stringify(ref), now, cursor,
        this.#nextDue(spec, id, Number(fresh.created_at), cursor), id,
      ]);
    });
    this.#poke();
    return this.getSchedule(id);
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.#scheduleRow(id);
    const runs = await this.db.all<RunRow>('SELECT * FROM runs WHERE schedule_id = ?', [id]);
    for (const r of runs) {
      const followed = this.#following.get(r.id);
      // A queued run with a handle is a standby (its job started ahead): it goes too.
      if (followed?.handle) await followed.handle.cancel({ graceSeconds: 5 }).catch(() => undefined);
      followed?.abort.abort();
    }
    const gone = await this.db.tx(async (q) => {
      // PostgreSQL: the schedule's row locked first, so no run of it is inserted (a tick) between the two deletes.
      if (this.db.kind === 'postgres') await q.all('SELECT id FROM schedules WHERE id = ? FOR UPDATE', [id]);
      const deleted = await q.all<{ id: string }>('DELETE FROM runs WHERE schedule_id = ? RETURNING id', [id]);
      await q.run('DELETE FROM schedules WHERE id = ?', [id]);
      const prefixes = [...deleted.map((r) => `runs/${r.id}`), `snapshots/${id}`];
      await this.#recordDeletions(q, prefixes);
      return prefixes;
    });
    for (const r of runs) await this.#removeJob(r);
    await this.#discard(gone);
  }

  async pauseSchedule(id: string): Promise<Schedule> {
    return this.updateSchedule(id, { paused: true });
  }

  async resumeSchedule(id: string): Promise<Schedule> {
    return this.updateSchedule(id, { paused: false });
  }

  // ── runs ──

  #runSpec(spec: ScheduleSpec, ref: SnapshotRef, name: string | null): RunSpec {
    return {
      snapshot: ref, driver: spec.driver, kernel: spec.kernel, cellTimeoutSeconds: spec.cellTimeoutSeconds, runTimeoutSeconds: spec.runTimeoutSeconds,
      retries: spec.retries, name,
    };
  }

  async #insertRun(
    q: Queryable,
    r: { id?: string; scheduleId: string | null; trigger: RunTrigger; scheduledFor: number; attempt: number; state: RunState; spec: RunSpec; parameters: Record<string, unknown>; notBefore?: number; error?: { code: string; message: string } },
  ): Promise<string | undefined> {
    const now = this.#now();
    const id = r.id ?? newId('run');
    const final = FINAL_RUN_STATES.includes(r.state);
    const n = await q.run(
      `INSERT INTO runs (id, schedule_id, trigger, scheduled_for, attempt, state, spec, parameters, not_before, created_at, finished_at, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [id, r.scheduleId, r.trigger, r.scheduledFor, r.attempt, r.state, JSON.stringify(r.spec), JSON.stringify(r.parameters), r.notBefore ?? r.scheduledFor, now, final ? now : null, r.error ? JSON.stringify(r.error) : null],
    );
    return n === 1 ? id : undefined;
  }

  async runNow(scheduleId: string, opts: { parameters?: Record<string, unknown> } = {}): Promise<Run> {
    const row = await this.#scheduleRow(scheduleId);
    const spec = JSON.parse(row.spec) as ScheduleSpec;
    if (opts.parameters !== undefined && (typeof opts.parameters !== 'object' || opts.parameters === null || Array.isArray(opts.parameters))) {
      throw SchedulerError.invalid('parameters', 'parameters: must be an object');
    }
    const now = this.#now();
    const id = await this.db.tx((q) =>
      this.#insertRun(q, {
        scheduleId, trigger: 'manual', scheduledFor: now, attempt: 1, state: 'queued',
        spec: this.#runSpec(spec, JSON.parse(row.snapshot) as SnapshotRef, row.name), parameters: { ...spec.parameters, ...(opts.parameters ?? {}) },
      }),
    );
    this.#poke();
    return this.getRun(id!);
  }

  async createRun(input: OneOffRun, snapshot: Snapshot): Promise<Run> {
    const spec = normalizeOneOff(input);
    checkSnapshot(snapshot);
    const now = this.#now();
    const id = newId('run');
    const ref = await this.#writeSnapshot(id, snapshot);
    await this.db.tx((q) =>
      this.#insertRun(q, { id, scheduleId: null, trigger: 'api', scheduledFor: now, attempt: 1, state: 'queued', spec: this.#runSpec(spec, ref, spec.name), parameters: spec.parameters }),
    );
    this.#poke();
    return this.getRun(id);
  }

  #toRun(row: RunRow): Run {
    return {
      id: row.id,
      scheduleId: row.schedule_id,
      name: (JSON.parse(row.spec) as RunSpec).name ?? null,
      trigger: row.trigger,
      scheduledFor: iso(row.scheduled_for)!,
      attempt: Number(row.attempt),
      state: row.state,
      jobId: row.job_id,
      createdAt: iso(row.created_at)!,
      startedAt: iso(row.started_at),
      finishedAt: iso(row.finished_at),
      exitCode: row.exit_code === null ? null : Number(row.exit_code),
      error: json(row.error),
      failedCell: json(row.failed_cell),
      parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    };
  }

  async #runRow(id: string): Promise<RunRow> {
    const row = (await this.db.all<RunRow>('SELECT * FROM runs WHERE id = ?', [id]))[0];
    if (!row) throw SchedulerError.notFound('run', id);
    return row;
  }

  async getRun(id: string): Promise<Run> {
    return this.#toRun(await this.#runRow(id));
  }

  async listRuns(q: ListRunsQuery): Promise<Page<Run>> {
    const limit = Math.max(1, Math.min(500, Math.floor(q.limit ?? 50)));
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.scheduleId) {
      where.push('schedule_id = ?');
      params.push(q.scheduleId);
    }
    if (q.state) {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.cursor) {
      where.push('id < ?');
      params.push(q.cursor);
    }
    const rows = await this.db.all<RunRow>(`SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit + 1}`, params);
    const items = rows.slice(0, limit).map((r) => this.#toRun(r));
    return rows.length > limit ? { items, nextCursor: rows[limit - 1]!.id } : { items };
  }

  async cancelRun(id: string): Promise<Run> {
    const row = await this.#runRow(id);
    const now = this.#now();
    if (row.state === 'queued') {
      const n = await this.db.run(
        "UPDATE runs SET state = 'cancelled', finished_at = ?, error = ?, lease_owner = NULL WHERE id = ? AND state = 'queued' AND lease_owner IS NULL",
        [now, JSON.stringify({ code: 'E_CANCELLED', message: 'cancelled before it started' }), id],
      );
      if (n === 1) return this.getRun(id);
    }
    if (row.state === 'queued' || row.state === 'running') {
      await this.db.run(`UPDATE runs SET cancel_requested = 1 WHERE id = ? AND state IN ${ACTIVE}`, [id]);
      const followed = this.#following.get(id);
      if (followed?.handle) await followed.handle.cancel({ graceSeconds: 10 }).catch(() => undefined);
      this.#poke();
    }
    return this.getRun(id);
  }

  async *runLog(id: string, opts: { follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<string> {
    await this.#runRow(id);
    const file = join(this.artifacts.runDir(id), RUN_LOG);
    let offset = 0;
    let pending = '';
    const decoder = new TextDecoder();
    for (;;) {
      const done = !opts.follow || FINAL_RUN_STATES.includes((await this.#runRow(id).catch(() => ({ state: 'cancelled' as RunState }))).state);
      let chunk: Uint8Array = new Uint8Array(0);
      // A shared store: the log is where the instance that follows the run uploads it, unless that is this one.
      const shared = this.artifacts.remote !== undefined && !this.#following.has(id);
      const remote = shared ? await this.artifacts.readRemoteLog(id, offset) : undefined;
      const handle = remote ? undefined : await open(file, 'r').catch(() => undefined);
      if (remote) chunk = remote;
      if (handle) {
        try {
          const size = (await handle.stat()).size;
          if (size > offset) {
            chunk = new Uint8Array(size - offset);
            await handle.read(chunk, 0, chunk.length, offset);
          }
        } finally {
          await handle.close();
        }
      }
      offset += chunk.length;
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) yield line;
      if ((done && chunk.length === 0) || opts.signal?.aborted) break;
      // The store's copy is only renewed every LOG_UPLOAD_MS: look less often there.
      if (chunk.length === 0) await systemClock.sleep(shared ? 1000 : 250, opts.signal);
    }
    if (pending) yield pending;
  }

  async runOutput(id: string): Promise<{ path: string; name: string } | undefined> {
    const row = await this.#runRow(id);
    const spec = JSON.parse(row.spec) as RunSpec;
    const status = await this.runStatus(id);
    const output = typeof status?.output === 'string' && !status.output.includes('/') ? status.output : 'output.ipynb';
    const path = await this.artifacts.resultFile(id, output);
    return path ? { path, name: spec.snapshot.notebook } : undefined;
  }

  async runStatus(id: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.#runRow(id);
    // Copied with the results when the run ended (from the shared store, when another instance followed it).
    const copied = await this.artifacts.resultFile(id, 'status.json');
    try {
      if (copied) return JSON.parse(await readFile(copied, 'utf8')) as Record<string, unknown>;
    } catch {
      // Still being written: read it where the job is, as for a running one.
    }
    const record = json<JobRecord>(row.job_record);
    if (!FINAL_RUN_STATES.includes(row.state) && record) {
      try {
        const handle = this.#following.get(id)?.handle ?? (await this.#drivers.create(record.driver, this.#driverContext).attach(record));
        return (await handle.runnerStatus?.()) ?? undefined;
      } catch {
        // The backend cannot say now.
      }
    }
    return undefined;
  }

  // ── the engine: ticks ──

  /**
   * Fires the due schedules in one transaction (one commit per tick, not per schedule). On
   * PostgreSQL the due rows are locked with SKIP LOCKED: another instance firing them is
   * skipped, not waited for. Should the batch fail, each schedule is retried in its own
   * transaction, so one bad schedule does not hold back the others.
   */
  async #fireDue(now: number): Promise<void> {
    const lock = this.db.kind === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const dueNow = 'FROM schedules WHERE paused = 0 AND next_due IS NOT NULL AND next_due <= ?';
    const due = `SELECT * ${dueNow} ORDER BY next_due LIMIT 200`;
    // Idle passes open no transaction (SQLite: BEGIN IMMEDIATE takes the write lock).
    if ((await this.db.all(`SELECT id ${dueNow} LIMIT 1`, [now])).length === 0) return;
    let fired = 0;
    try {
      fired = await this.db.tx(async (q) => {
        const rows = await q.all<ScheduleRow>(`${due}${lock}`, [now]);
        for (const row of rows) await this.#fireSchedule(q, row, now);
        return rows.length;
      });
    } catch (err) {
      if (this.#closing.signal.aborted) return;
      process.emitWarning(`nbrun scheduler: firing due schedules together: ${(err as Error).message}; firing them one by one`);
      const rows = await this.db.all<ScheduleRow>(due, [now]);
      fired = rows.length;
      for (const { id } of rows) {
        try {
          await this.db.tx(async (q) => {
            const row = (await q.all<ScheduleRow>(`SELECT * FROM schedules WHERE id = ?${lock}`, [id]))[0];
            if (row) await this.#fireSchedule(q, row, now);
          });
        } catch (e) {
          process.emitWarning(`nbrun scheduler: schedule ${id}: ${(e as Error).message}`);
        }
      }
    }
    if (fired > 0) this.#poke();
  }

  /** Advances one schedule's cursor over its ticks up to `now`, writing one row per tick, in the caller's transaction. */
  async #fireSchedule(q: Queryable, row: ScheduleRow, now: number): Promise<void> {
    const id = row.id;
    if (Boolean(row.paused) || row.next_due === null || Number(row.next_due) > now) return;
    const spec = JSON.parse(row.spec) as ScheduleSpec;
    if (!spec.trigger) return;
    const times = fireTimes(spec.trigger, this.#anchor(spec, Number(row.created_at)));
    const end = spec.endAt ? Date.parse(spec.endAt) : Infinity;
    const oldCursor = Number(row.cursor_at);
    // The ticks since the cursor (never recomputed from now): keep the newest few hundred.
    const keep = SCHEDULE_DEFAULTS.maxCatchupRuns + MAX_MISSED_ROWS;
    const ticks: number[] = [];
    let cursor = oldCursor;
    for (let i = 0; i < 1_000_000; i++) {
      const t = times.next(new Date(cursor))?.getTime();
      if (t === undefined || t > now || t > end) break;
      ticks.push(t);
      if (ticks.length > keep) ticks.shift();
      cursor = t;
    }
    const next = times.next(new Date(cursor))?.getTime();
    const nextDue = next === undefined || next > end ? null : next;
    // The claim: only the instance that moves the cursor from where it read it writes these ticks.
    const claimed = await q.run('UPDATE schedules SET cursor_at = ?, next_due = ? WHERE id = ? AND cursor_at = ? AND paused = 0', [cursor, nextDue, id, oldCursor]);
    if (claimed !== 1 || ticks.length === 0) return;

    const deadline = spec.startingDeadlineSeconds * 1000;
    const within = ticks.filter((t) => now - t <= deadline);
    const beyond = ticks.filter((t) => now - t > deadline);
    const last = within[within.length - 1];
    const onTime = last !== undefined && now - last <= this.#onTimeMs;
    let toRun: number[];
    let superseded: number[];
    if (spec.catchup === 'all') {
      toRun = within.slice(-SCHEDULE_DEFAULTS.maxCatchupRuns);
      superseded = within.slice(0, -SCHEDULE_DEFAULTS.maxCatchupRuns);
    } else if (spec.catchup === 'latest' || onTime) {
      toRun = last === undefined ? [] : [last];
      superseded = within.slice(0, -1);
    } else {
      toRun = [];
      superseded = within;
    }
    const runSpec = this.#runSpec(spec, JSON.parse(row.snapshot) as SnapshotRef, row.name);
    const base = { scheduleId: id, attempt: 1, spec: runSpec, parameters: spec.parameters };
    const missed = [
      ...beyond.map((t) => ({ t, message: `not started within startingDeadlineSeconds (${spec.startingDeadlineSeconds}) of its time` })),
      ...superseded.map((t) => ({ t, message: `missed while the service was down (catchup ${spec.catchup})` })),
    ].sort((a, b) => a.t - b.t).slice(-MAX_MISSED_ROWS);
    for (const m of missed) {
      await this.#insertRun(q, { ...base, trigger: 'catchup', scheduledFor: m.t, state: 'missed', error: { code: 'E_MISSED', message: m.message } });
    }
    const kind: RunTrigger = 'cron' in spec.trigger ? 'cron' : 'interval';
    for (const t of toRun) {
      const trigger: RunTrigger = t === last && onTime ? kind : 'catchup';
      const active = await q.all<{ id: string; state: RunState; lease_owner: string | null }>(
        `SELECT id, state, lease_owner FROM runs WHERE schedule_id = ? AND state IN ${ACTIVE}`, [id],
      );
      let state: RunState = 'queued';
      let error: { code: string; message: string } | undefined;
      if (spec.concurrencyPolicy === 'forbid' && active.length > 0) {
        state = 'skipped';
        error = { code: 'E_SKIPPED', message: `run ${active[0]!.id} of this schedule was still ${active[0]!.state} (concurrencyPolicy forbid)` };
      } else if (spec.concurrencyPolicy === 'queue' && active.some((a) => a.state === 'queued')) {
        state = 'skipped';
        error = { code: 'E_SKIPPED', message: 'a run of this schedule was already waiting (concurrencyPolicy queue keeps one)' };
      } else if (spec.concurrencyPolicy === 'replace' && active.length > 0) {
        await q.run(
          "UPDATE runs SET state = 'cancelled', finished_at = ?, error = ? WHERE schedule_id = ? AND state = 'queued' AND lease_owner IS NULL",
          [now, JSON.stringify({ code: 'E_CANCELLED', message: 'replaced by a later tick (concurrencyPolicy replace)' }), id],
        );
        await q.run(`UPDATE runs SET cancel_requested = 1 WHERE schedule_id = ? AND state IN ${ACTIVE}`, [id]);
      }
      await this.#insertRun(q, { ...base, trigger, scheduledFor: t, state, ...(error ? { error } : {}), notBefore: t });
    }
  }

  // ── the engine: dispatch ──

  #busy(): number {
    return this.#queue.size + this.#queue.pending;
  }

  async #dispatch(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    const free = this.#maxConcurrent - this.#busy();
    if (free > 0) for (const row of await this.#claim(this.#now(), free)) this.#enqueue(row, false);
    // Every slot taken: the next runs (drivers that hold) start as standbys — runner and kernel
    // started now, the notebook run when a slot frees — as `nbrun test` starts its next kernels.
    const standbys = this.#standbyMax - this.#queue.size;
    if (this.#maxConcurrent - this.#busy() <= 0 && standbys > 0) {
      for (const row of await this.#claim(this.#now(), standbys, (r) => this.#holds(r))) this.#enqueue(row, true);
    }
  }

  /** Queues a claimed run for a slot; a standby's job is submitted at once (held until the slot is its). */
  #enqueue(row: RunRow, standby: boolean): void {
    const abort = new AbortController();
    this.#following.set(row.id, { abort });
    const held = standby ? this.#submitStandby(row, abort.signal) : undefined;
    let submitted!: () => void;
    const p = new Promise<void>((resolve) => (submitted = resolve));
    this.#submitting.add(p);
    void p.then(() => this.#submitting.delete(p));
    // The slot is held from the claim until the job ends (not until its log and results are copied).
    let jobEnded!: () => void;
    const slot = new Promise<void>((resolve) => (jobEnded = resolve));
    void this.#queue.add(() => {
      const run = this.#execute(row, abort.signal, submitted, jobEnded, held)
        .catch((err) => process.emitWarning(`nbrun scheduler: run ${row.id}: ${(err as Error).message}`))
        .finally(() => {
          submitted();
          jobEnded();
          this.#executing.delete(run);
        });
      this.#executing.add(run);
      return slot;
    });
  }

  /**
   * Claims up to `free` queued runs for this instance, those whose schedule's concurrency allows
   * them to start, in one transaction. PostgreSQL: the queued rows are taken FOR UPDATE SKIP
   * LOCKED (another instance claiming them is skipped) and their schedules' rows locked in id
   * order, so two instances cannot both start a run of a forbid schedule.
   */
  async #claim(now: number, free: number, eligible: (row: RunRow) => boolean = () => true): Promise<RunRow[]> {
    const pg = this.db.kind === 'postgres';
    const queued = "FROM runs WHERE state = 'queued' AND lease_owner IS NULL AND not_before <= ?";
    // Idle passes open no transaction.
    if ((await this.db.all(`SELECT id ${queued} LIMIT 1`, [now])).length === 0) return [];
    return this.db.tx(async (q) => {
      const candidates = await q.all<RunRow>(`SELECT * ${queued} ORDER BY not_before, id LIMIT 100${pg ? ' FOR UPDATE SKIP LOCKED' : ''}`, [now]);
      if (candidates.length === 0) return [];
      const scheduleIds = [...new Set(candidates.flatMap((r) => (r.schedule_id ? [r.schedule_id] : [])))].sort();
      /** How many more runs each schedule may start. */
      const room = new Map<string, number>();
      if (scheduleIds.length > 0) {
        const list = scheduleIds.map(() => '?').join(', ');
        const schedules = await q.all<Pick<ScheduleRow, 'id' | 'spec'>>(`SELECT id, spec FROM schedules WHERE id IN (${list}) ORDER BY id${pg ? ' FOR UPDATE' : ''}`, scheduleIds);
        const started = await q.all<{ schedule_id: string; n: number }>(
          `SELECT schedule_id, COUNT(*) AS n FROM runs WHERE schedule_id IN (${list}) AND (state = 'running' OR (state = 'queued' AND lease_owner IS NOT NULL)) GROUP BY schedule_id`,
          scheduleIds,
        );
        const count = new Map(started.map((r) => [r.schedule_id, Number(r.n)]));
        for (const s of schedules) {
          const spec = JSON.parse(s.spec) as ScheduleSpec;
          const limit = spec.concurrencyPolicy === 'allow' ? (spec.maxConcurrency ?? Infinity) : 1;
          room.set(s.id, limit - (count.get(s.id) ?? 0));
        }
      }
      const chosen: RunRow[] = [];
      for (const row of candidates) {
        if (chosen.length >= free) break;
        if (!eligible(row)) continue;
        if (row.schedule_id) {
          const left = room.get(row.schedule_id) ?? 0; // a schedule gone: its runs go with it
          if (left <= 0) continue;
          room.set(row.schedule_id, left - 1);
        }
        chosen.push(row);
      }
      if (chosen.length === 0) return [];
      const claimed = new Set(
        (await q.all<{ id: string }>(
          `UPDATE runs SET lease_owner = ?, lease_until = ? WHERE id IN (${chosen.map(() => '?').join(', ')}) AND state = 'queued' AND lease_owner IS NULL RETURNING id`,
          [this.instanceId, now + this.#leaseMs, ...chosen.map((r) => r.id)],
        )).map((r) => r.id),
      );
      return chosen.filter((r) => claimed.has(r.id)).map((r) => ({ ...r, lease_owner: this.instanceId }));
    });
  }

  /** Submits a claimed run through its driver and follows it to the end. */
  async #execute(
    row: RunRow,
    signal: AbortSignal,
    submitted: () => void = () => undefined,
    jobEnded: () => void = () => undefined,
    standby?: Promise<JobHandle | undefined>,
  ): Promise<void> {
    let handle: JobHandle | undefined;
    try {
      if (signal.aborted) throw new Error('closing');
      handle = await standby;
      if (signal.aborted) throw new Error('closing');
      if (handle) await handle.release!();
      else handle = await this.#submit(row, signal);
    } catch (err) {
      // Stopped before the run started (closing, its schedule deleted): a standby job goes.
      if (handle && signal.aborted) await this.#discardStandby(handle);
      if (signal.aborted && this.#closing.signal.aborted) {
        // Closing: the run goes back to the queue.
        await this.db.run(
          "UPDATE runs SET lease_owner = NULL, lease_until = NULL, job_id = NULL, job_record = NULL WHERE id = ? AND state = 'queued' AND lease_owner = ?",
          [row.id, this.instanceId],
        ).catch(() => undefined);
        this.#following.delete(row.id);
        return;
      }
      if (err instanceof SchedulerError && err.status === 503) {
        // The shared store is away (its snapshot cannot be fetched): the run waits in the queue, lost by none.
        process.emitWarning(`nbrun scheduler: run ${row.id} waits: ${err.message}`);
        await this.db.run("UPDATE runs SET lease_owner = NULL, lease_until = NULL, not_before = ? WHERE id = ? AND state = 'queued' AND lease_owner = ?", [
          this.#now() + STORE_RETRY_MS, row.id, this.instanceId,
        ]).catch(() => undefined);
        this.#following.delete(row.id);
        return;
      }
      const e = err instanceof NbrunError ? { code: err.code, message: err.message } : { code: 'E_INTERNAL', message: (err as Error).message };
      await this.#finish(row, { state: 'failed', error: e });
      this.#following.delete(row.id);
      return;
    }
    const now = this.#now();
    await this.db.run(
      "UPDATE runs SET state = 'running', job_id = ?, job_record = ?, started_at = ?, lease_until = ? WHERE id = ? AND lease_owner = ?",
      [handle.id, JSON.stringify(handle.record), now, now + this.#leaseMs, row.id, this.instanceId],
    );
    submitted();
    await this.#follow(row, handle, signal, jobEnded);
  }

  /**
   * Starts a claimed run waiting for a slot as a standby: its job (runner and kernel) starts now
   * and runs the notebook on release. Recorded in the row (still queued), so a restart finds it.
   */
  async #submitStandby(row: RunRow, signal: AbortSignal): Promise<JobHandle | undefined> {
    try {
      const handle = await this.#submit(row, signal, true);
      await this.db.run("UPDATE runs SET job_id = ?, job_record = ? WHERE id = ? AND state = 'queued' AND lease_owner = ?", [
        handle.id, JSON.stringify(handle.record), row.id, this.instanceId,
      ]);
      const entry = this.#following.get(row.id);
      if (entry) entry.handle = handle;
      return handle;
    } catch {
      return undefined; // submitted the usual way when its slot is free (a failure is recorded then)
    }
  }

  async #discardStandby(handle: JobHandle): Promise<void> {
    await handle.cancel({ graceSeconds: 5 }).catch(() => undefined);
    await handle.remove().catch(() => undefined);
    await this.#jobs.remove(handle.id).catch(() => undefined);
  }

  /** Whether runs on this driver can wait for their slot as standbys (remembered per driver name). */
  #holds(row: RunRow): boolean {
    const name = (JSON.parse(row.spec) as RunSpec).driver.name;
    let holds = this.#driverHolds.get(name);
    if (holds === undefined) {
      try {
        holds = this.#drivers.create(name, this.#driverContext).holds === true;
      } catch {
        holds = false;
      }
      this.#driverHolds.set(name, holds);
    }
    return holds;
  }

  /** Submits a claimed run through its driver (as a standby with `hold`). */
  async #submit(row: RunRow, signal: AbortSignal, hold = false): Promise<JobHandle> {
    const spec = JSON.parse(row.spec) as RunSpec;
    // The snapshot is immutable and the driver bundles what it submits: no per-run copy.
    const input = await this.artifacts.snapshotInput(spec.snapshot);
    const notebookPath = join(input, spec.snapshot.notebook);
    const parameters = JSON.parse(row.parameters) as Record<string, unknown>;
    const scheduledFor = iso(row.scheduled_for)!;
    const names = new Set(spec.snapshot.parameterNames ?? parameterNames(await readFile(notebookPath, 'utf8').catch(() => ''), notebookPath));
    if (names.has('scheduled_for') && !('scheduled_for' in parameters)) parameters.scheduled_for = scheduledFor;
    if (names.has('run_id') && !('run_id' in parameters)) parameters.run_id = row.id;
    const driver = this.#drivers.create(spec.driver.name, this.#driverContext);
    const options = validateDriverOptions(spec.driver.name, spec.driver.options);
    return driver.submit(
      {
        notebook: notebookPath,
        dependencies: spec.snapshot.files,
        cwd: input,
        ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
        ...(spec.kernel ? { kernel: spec.kernel } : {}),
        ...(spec.driver.image ? { image: spec.driver.image } : {}),
        ...(spec.cellTimeoutSeconds ? { cellTimeoutSeconds: spec.cellTimeoutSeconds } : {}),
        ...(spec.runTimeoutSeconds ? { runTimeoutSeconds: spec.runTimeoutSeconds } : {}),
        env: { NBRUN_RUN_ID: row.id, NBRUN_SCHEDULED_FOR: scheduledFor },
        logOutput: true,
        jobId: row.id,
        ...(hold ? { hold: true } : {}),
      },
      options,
      signal,
    );
  }

  /** Follows a submitted job: its log into the run's log, its results into the run's dir, its end into the row. */
  async #follow(row: RunRow, handle: JobHandle, signal: AbortSignal, jobEnded: () => void = () => undefined): Promise<void> {
    const entry = this.#following.get(row.id) ?? { abort: new AbortController() };
    entry.handle = handle;
    this.#following.set(row.id, entry);
    const runDir = this.artifacts.runDir(row.id);
    await mkdir(runDir, { recursive: true });
    const logAbort = new AbortController();
    const onAbort = () => logAbort.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const logFile = join(runDir, RUN_LOG);
    let logSaved = 0;
    const pump = (async () => {
      // Re-attached: the log is copied again from its start. One open file for the whole copy
      // (readers of the run's log see each line as soon as it is written).
      const out = await open(logFile, 'w');
      try {
        for await (const line of handle.logs({ follow: true, signal: logAbort.signal })) {
          await out.write(`${line}\n`);
          // A shared store: other instances read the log there, a few seconds behind.
          if (this.artifacts.remote && this.#now() - logSaved >= LOG_UPLOAD_MS) {
            logSaved = this.#now();
            await this.artifacts.saveLog(row.id).catch(() => undefined);
          }
        }
      } finally {
        await out.close();
      }
    })().catch(() => undefined);
    try {
      let status: JobStatus;
      try {
        if (signal.aborted) return;
        status = await handle.wait({ signal });
      } catch (err) {
        if (signal.aborted) return; // closing: the job keeps running; the lease lets the next start re-attach
        throw err;
      }
      // The job no longer runs: its slot goes to the next run while the log, results and row are written.
      jobEnded();
      await this.#settle(pump, 5000);
      logAbort.abort();
      let runnerStatus: RunnerStatus | undefined;
      try {
        runnerStatus = (await handle.result(join(runDir, 'results'))).runnerStatus;
      } catch {
        // No results (the job never started): the row says why.
      }
      // Into the shared store before the run is final: what a finished run shows is never lost.
      if (!(await this.#saveRun(row.id, signal))) return;
      const cancelRequested = Boolean((await this.db.all<{ c: number }>('SELECT cancel_requested AS c FROM runs WHERE id = ?', [row.id]))[0]?.c);
      // A cancel that came after the notebook had run to the end (its result already written,
      // the kernel still exiting) cancelled nothing: the run says what its notebook says.
      const state: RunState =
        status.state === 'succeeded' ? 'succeeded' : cancelRequested || status.state === 'cancelled' ? 'cancelled' : status.state === 'unknown' ? 'lost' : 'failed';
      const exitCode = status.exitCode ?? (typeof runnerStatus?.exitCode === 'number' ? runnerStatus.exitCode : null);
      const error =
        state === 'succeeded'
          ? null
          : runnerStatus?.error?.code && runnerStatus.error.message
            ? { code: runnerStatus.error.code, message: runnerStatus.error.message }
            : { code: state === 'cancelled' ? 'E_CANCELLED' : state === 'lost' ? 'E_LOST' : 'E_JOB_FAILED', message: status.message ?? `the job ended ${status.state}` };
      const fc = (runnerStatus as { failedCell?: { index?: number; id?: string; executionCount?: number | null } } | undefined)?.failedCell;
      const failedCell =
        typeof fc?.index === 'number'
          ? { cellIndex: fc.index, ...(fc.id ? { cellId: fc.id } : {}), ...(fc.executionCount !== undefined ? { executionCount: fc.executionCount } : {}) }
          : null;
      await this.#finish(row, { state, exitCode, error, failedCell });
      // Final (its slot long free); the follow ends once the job's processes are gone too (a
      // local kernel exiting), so close() leaves nothing of this instance writing in its state dir.
      await handle.settled?.(SETTLE_WAIT_MS).catch(() => undefined);
    } finally {
      signal.removeEventListener('abort', onAbort);
      logAbort.abort();
      // The log copy ends with its signal; wait for it (bounded), so nothing writes into the run's
      // directory after close() resolved (a test's cleanup saw ENOTEMPTY removing it).
      await this.#settle(pump, 2000);
      this.#following.delete(row.id);
      await this.#discardIfDeleted(row.id).catch(() => undefined);
    }
  }

  /**
   * A run deleted while this instance followed it (its schedule deleted, here or on another
   * instance): what the follow stored after the deletion (log, results) goes too.
   */
  async #discardIfDeleted(id: string): Promise<void> {
    if ((await this.db.all('SELECT id FROM runs WHERE id = ?', [id])).length > 0) return;
    const gone = [`runs/${id}`];
    await this.db.tx((q) => this.#recordDeletions(q, gone));
    await this.#discard(gone);
  }

  /** Waits for `work` at most `ms`; the timer goes when `work` ends first (none left to hold the process open). */
  async #settle(work: Promise<unknown>, ms: number): Promise<void> {
    const timer = new AbortController();
    try {
      await Promise.race([work, systemClock.sleep(ms, timer.signal).catch(() => undefined)]);
    } finally {
      timer.abort();
    }
  }

  /**
   * Uploads a finished run's results and log to the shared store, again and again while it is
   * away; false when closing first (the run stays active: the next start re-attaches and uploads).
   */
  async #saveRun(id: string, signal: AbortSignal): Promise<boolean> {
    for (let warned = false; ; ) {
      try {
        await this.artifacts.saveRun(id);
        return true;
      } catch (err) {
        if (!warned) process.emitWarning(`nbrun scheduler: run ${id} ended; ${(err as Error).message}; retrying`);
        warned = true;
      }
      if (signal.aborted) return false;
      await this.clock.sleep(STORE_RETRY_MS, signal).catch(() => undefined);
      if (signal.aborted) return false;
    }
  }

  /** Ends a run (only if still active), schedules its retry, applies retention — in one transaction. */
  async #finish(
    row: RunRow,
    r: { state: RunState; exitCode?: number | null; error?: { code: string; message: string } | null; failedCell?: unknown },
  ): Promise<void> {
    const now = this.#now();
    const spec = JSON.parse(row.spec) as RunSpec;
    await this.db.tx(async (q) => {
      const n = await q.run(
        `UPDATE runs SET state = ?, finished_at = ?, exit_code = ?, error = ?, failed_cell = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND state IN ${ACTIVE}`,
        [r.state, now, r.exitCode ?? null, r.error ? JSON.stringify(r.error) : null, r.failedCell ? JSON.stringify(r.failedCell) : null, row.id],
      );
      const attempt = Number(row.attempt);
      if (n === 1 && (r.state === 'failed' || r.state === 'lost') && attempt <= spec.retries.max) {
        const delay = spec.retries.backoffSeconds * 1000 * 2 ** (attempt - 1);
        await this.#insertRun(q, {
          scheduleId: row.schedule_id, trigger: 'retry', scheduledFor: Number(row.scheduled_for), attempt: attempt + 1, state: 'queued', spec,
          parameters: JSON.parse(row.parameters) as Record<string, unknown>, notBefore: now + delay,
        });
      }
    });
    await this.#retention(row.schedule_id).catch((err) => process.emitWarning(`nbrun scheduler: retention: ${(err as Error).message}`));
    this.#poke();
  }

  /**
   * Deletes finished runs beyond the schedule's retention.maxRuns, with their artifacts; for
   * one-off runs (`scheduleId` null) beyond the newest {@link SCHEDULE_DEFAULTS}.maxRuns of them,
   * each with its snapshot once no run (a queued retry) still needs it.
   */
  async #retention(scheduleId: string | null): Promise<void> {
    let max: number = SCHEDULE_DEFAULTS.maxRuns;
    if (scheduleId) {
      const s = (await this.db.all<ScheduleRow>('SELECT spec FROM schedules WHERE id = ?', [scheduleId]))[0];
      if (!s) return;
      max = (JSON.parse(s.spec) as ScheduleSpec).retention.maxRuns;
    }
    const owner = scheduleId ? 'schedule_id = ?' : 'schedule_id IS NULL';
    const done = await this.db.all<RunRow>(
      `SELECT id, schedule_id, spec, job_id, job_record FROM runs WHERE ${owner} AND state NOT IN ${ACTIVE} ORDER BY id DESC`,
      scheduleId ? [scheduleId] : [],
    );
    const gone: string[] = [];
    for (const r of done.slice(max)) {
      const prefixes = await this.db.tx(async (q) => {
        if ((await q.run(`DELETE FROM runs WHERE id = ? AND state NOT IN ${ACTIVE}`, [r.id])) !== 1) return [];
        const snapshot = r.schedule_id === null ? await this.#unusedOneOffSnapshot(q, r) : undefined;
        const prefixes = [`runs/${r.id}`, ...(snapshot ? [`snapshots/${snapshot}`] : [])];
        await this.#recordDeletions(q, prefixes);
        return prefixes;
      });
      if (prefixes.length === 0) continue;
      gone.push(...prefixes);
      await this.#removeJob(r);
    }
    await this.#discard(gone);
  }

  /** Removes a deleted run's job from its driver and the job registry (a job still running on its backend stays). */
  async #removeJob(r: Pick<RunRow, 'job_record'>): Promise<void> {
    const record = json<JobRecord>(r.job_record);
    if (!record) return;
    try {
      const handle = await this.#drivers.create(record.driver, this.#driverContext).attach(record);
      await handle.remove();
    } catch {
      // Already gone, or still running on its backend.
    }
    await this.#jobs.remove(record.id).catch(() => undefined);
  }

  /**
   * The snapshot of a deleted one-off run (`<first run id>`, its retries share it) when no run
   * left uses it — a queued retry keeps it —, read in the transaction that deleted the run.
   */
  async #unusedOneOffSnapshot(q: Queryable, r: Pick<RunRow, 'spec'>): Promise<string | undefined> {
    const ref = (json<RunSpec>(r.spec) ?? undefined)?.snapshot;
    const ownerId = ref?.id.split('/')[0];
    if (!ownerId || !/^run-[a-z0-9]+$/.test(ownerId)) return undefined;
    // Run ids are [a-z0-9-]: no LIKE wildcard to escape.
    const users = await q.all('SELECT id FROM runs WHERE schedule_id IS NULL AND spec LIKE ? LIMIT 1', [`%"id":"${ownerId}/%`]);
    return users.length === 0 ? ownerId : undefined;
  }

  // ── the engine: deletions from the shared store ──

  /**
   * Records the shared store's objects below `prefixes` (`runs/<id>`, `snapshots/<id>`) as to be
   * deleted, in the transaction that deletes their rows: if the store is away, or this process
   * dies before it deleted them, the loop of any instance deletes them later. Claimed by this
   * instance, which tries at once after the commit ({@link Scheduler.#discard}).
   */
  async #recordDeletions(q: Queryable, prefixes: string[]): Promise<void> {
    if (!this.artifacts.remote) return;
    const now = this.#now();
    for (const prefix of prefixes) {
      await q.run('INSERT INTO pending_deletions (prefix, created_at, not_before, attempts, claimed_by) VALUES (?, ?, ?, 0, ?) ON CONFLICT DO NOTHING', [
        prefix, now, now + DELETION_CLAIM_MS, this.instanceId,
      ]);
    }
  }

  /** After the commit that gave them up: this machine's copies go now, the store's objects now or, the store away, later. */
  async #discard(prefixes: string[]): Promise<void> {
    for (const prefix of prefixes) await this.artifacts.removeLocal(prefix).catch(() => undefined);
    if (this.artifacts.remote && prefixes.length > 0) {
      await this.#deleteClaimed(prefixes.map((prefix) => ({ prefix, attempts: 0 }))).catch((err) =>
        process.emitWarning(`nbrun scheduler: pending deletions: ${(err as Error).message}`),
      );
    }
  }

  /**
   * The loop's pass: claims the due pending deletions no other instance holds (PostgreSQL: FOR
   * UPDATE SKIP LOCKED, then `not_before` moved ahead by the claim's lease, so a second instance
   * neither waits nor takes the same), and deletes them.
   */
  async #deleteDue(now: number): Promise<void> {
    const due = 'FROM pending_deletions WHERE not_before <= ?';
    // Idle passes open no transaction.
    if ((await this.db.all(`SELECT prefix ${due} LIMIT 1`, [now])).length === 0) return;
    const lock = this.db.kind === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const claimed = await this.db.tx(async (q) => {
      const rows = await q.all<{ prefix: string }>(`SELECT prefix ${due} ORDER BY not_before, prefix LIMIT 100${lock}`, [now]);
      if (rows.length === 0) return [];
      return q.all<{ prefix: string; attempts: number }>(
        `UPDATE pending_deletions SET not_before = ?, claimed_by = ? WHERE prefix IN (${rows.map(() => '?').join(', ')}) AND not_before <= ? RETURNING prefix, attempts`,
        [now + DELETION_CLAIM_MS, this.instanceId, ...rows.map((r) => r.prefix), now],
      );
    });
    await this.#deleteClaimed(claimed.sort((a, b) => a.prefix.localeCompare(b.prefix)));
  }

  /**
   * Deletes claimed prefixes from the store, one after the other; nothing there is success. The
   * first failure (the store away) puts it and the rest of the batch off by the backoff
   * (STORE_RETRY_MS doubling per failed try, at most DELETION_BACKOFF_MAX_MS): one failed
   * request per look, not one per prefix.
   */
  async #deleteClaimed(claimed: { prefix: string; attempts: number }[]): Promise<void> {
    for (const [i, { prefix }] of claimed.entries()) {
      try {
        await this.artifacts.deleteFromStore(prefix);
      } catch (err) {
        const rest = claimed.slice(i);
        const attempts = Math.max(...rest.map((r) => Number(r.attempts)));
        const wait = Math.min(STORE_RETRY_MS * 2 ** attempts, DELETION_BACKOFF_MAX_MS);
        await this.db.run(
          `UPDATE pending_deletions SET not_before = ?, attempts = attempts + 1, last_error = ?, claimed_by = NULL WHERE prefix IN (${rest.map(() => '?').join(', ')}) AND claimed_by = ?`,
          [this.#now() + wait, (err as Error).message, ...rest.map((r) => r.prefix), this.instanceId],
        );
        if (!this.#deletionWarned) process.emitWarning(`nbrun scheduler: ${(err as Error).message}; ${rest.length} deletion(s) from the store wait, retried with backoff`);
        this.#deletionWarned = true;
        return;
      }
      await this.db.run('DELETE FROM pending_deletions WHERE prefix = ?', [prefix]);
      this.#deletionWarned = false;
    }
  }

  /**
   * With a shared store: removes this instance's cached copies of runs other instances deleted,
   * and of runs and snapshots unused for a day (the store keeps them). The loop does it every
   * 10 minutes; returns how many directories went (0 without a store).
   */
  async sweepCache(): Promise<number> {
    this.#lastSweep = Date.now();
    return this.artifacts.sweepCache({
      now: Date.now(),
      maxAgeMs: CACHE_MAX_AGE_MS,
      keep: (id) => this.#following.has(id),
      alive: async (ids) => new Set((await this.db.all<{ id: string }>(`SELECT id FROM runs WHERE id IN (${ids.map(() => '?').join(', ')})`, ids)).map((r) => r.id)),
    });
  }

  async #handleCancelRequests(): Promise<void> {
    if (this.#following.size === 0) return;
    const rows = await this.db.all<{ id: string }>("SELECT id FROM runs WHERE cancel_requested = 1 AND lease_owner = ? AND state = 'running'", [this.instanceId]);
    for (const { id } of rows) {
      const f = this.#following.get(id);
      if (f?.handle) void f.handle.cancel({ graceSeconds: 10 }).catch(() => undefined);
    }
  }

  // ── the engine: re-attach ──

  /** Takes over active runs whose lease expired (or whose owner on this host is dead) and follows them again. */
  async #recover(atStart: boolean): Promise<void> {
    const now = this.#now();
    const rows = await this.db.all<RunRow>(`SELECT * FROM runs WHERE state IN ${ACTIVE} AND lease_owner IS NOT NULL`);
    const host = `${hostname()}/`;
    for (const row of rows) {
      if (this.#following.has(row.id)) continue;
      const owner = row.lease_owner!;
      let takeable = Number(row.lease_until ?? 0) < now || (atStart && owner === this.instanceId);
      if (!takeable && owner.startsWith(host)) {
        const pid = Number(owner.slice(host.length).split('/')[0]);
        takeable = Number.isInteger(pid) && pid !== process.pid && !isAlive(pid);
      }
      if (!takeable) continue;
      const claimed = await this.db.run('UPDATE runs SET lease_owner = ?, lease_until = ? WHERE id = ? AND lease_owner = ? AND state = ?', [
        this.instanceId, now + this.#leaseMs, row.id, owner, row.state,
      ]);
      if (claimed !== 1) continue;
      const mine = { ...row, lease_owner: this.instanceId };
      const abort = new AbortController();
      this.#following.set(row.id, { abort });
      void this.#reattach(mine, abort.signal).catch((err) => process.emitWarning(`nbrun scheduler: re-attach ${row.id}: ${(err as Error).message}`));
    }
  }

  async #reattach(row: RunRow, signal: AbortSignal): Promise<void> {
    const record = json<JobRecord>(row.job_record);
    let handle: JobHandle | undefined;
    try {
      if (record) handle = await this.#drivers.create(record.driver, this.#driverContext).attach(record);
      else handle = await this.#drivers.create((JSON.parse(row.spec) as RunSpec).driver.name, this.#driverContext).attach(row.id);
      const status = await handle.status();
      if (status.state === 'unknown') handle = undefined;
    } catch (err) {
      if (!(err instanceof JobNotFoundError) && !(err instanceof NbrunError && err.code === 'E_JOB_NOT_FOUND')) throw err;
      handle = undefined;
    }
    if (!handle) {
      if (row.state === 'queued') {
        // Claimed but never submitted: give it back to the queue.
        await this.db.run("UPDATE runs SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND state = 'queued' AND lease_owner = ?", [row.id, this.instanceId]);
        this.#following.delete(row.id);
        this.#poke();
        return;
      }
      this.#following.delete(row.id);
      await this.#finish(row, { state: 'lost', error: { code: 'E_LOST', message: 'its job is no longer known to the driver' } });
      return;
    }
    if (row.state === 'queued') {
      // A standby left by an instance that stopped: it runs now.
      await handle.release?.();
      const now = this.#now();
      await this.db.run("UPDATE runs SET state = 'running', job_id = ?, job_record = ?, started_at = ? WHERE id = ? AND lease_owner = ?", [
        handle.id, JSON.stringify(handle.record), now, row.id, this.instanceId,
      ]);
    }
    await this.#follow(row, handle, signal);
  }
}

/**
 * Opens the scheduler service (call `start()` to apply migrations, re-attach runs and start the loop).
 *
 * @example
 * const service = await openScheduler({ stateDir: '/var/lib/nbrun' });
 * await service.start();
 */
export async function openScheduler(opts: OpenSchedulerOptions & EngineTuning): Promise<Scheduler> {
  await mkdir(opts.stateDir, { recursive: true });
  if (typeof opts.store === 'string' && opts.store.startsWith('s3://')) {
    // Loaded only for an S3 store (the AWS SDK is large).
    const { openStore } = await import('@nbrun/drivers/store');
    const env = opts.env ?? process.env;
    return new Scheduler({ ...opts, store: openStore(opts.store, { ...(env.NBRUN_S3_ENDPOINT ? { endpoint: env.NBRUN_S3_ENDPOINT } : {}), env }) });
  }
  return new Scheduler(opts);
}
