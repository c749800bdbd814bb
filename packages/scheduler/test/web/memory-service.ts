/**
 * A SchedulerService kept in memory for the web page's tests: schedules and runs in maps, no
 * timers, but runs really executed — each "run now" runs the snapshot's notebook on a real
 * Jupyter kernel through @nbrun/core, with a live log and an executed notebook on disk.
 * (The page talks to the service only through the REST API, so what it shows is the same.)
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Cron } from 'croner';
import { parseNotebook, streamNotebook } from '@nbrun/core';
import type { OneOffRun, Run, RunState, Schedule, ScheduleCreate, SchedulePatch, Trigger } from '../../src/model.js';
import { SchedulerError, type ListRunsQuery, type ListSchedulesQuery, type Page, type SchedulerService, type Snapshot } from '../../src/service.js';

const FINAL: RunState[] = ['succeeded', 'failed', 'cancelled', 'skipped', 'missed', 'lost'];

interface RunEntry {
  run: Run;
  log: string[];
  output?: string;
  abort: AbortController;
}

export class MemoryService implements SchedulerService {
  readonly dir = mkdtempSync(join(tmpdir(), 'nbrun-web-'));
  private readonly schedules = new Map<string, { schedule: Schedule; snapshot: Snapshot }>();
  private readonly runs = new Map<string, RunEntry>();
  private readonly events = new EventEmitter();
  private seq = 0;
  /** Runs started (their executions), to wait for in tests. */
  readonly executions: Promise<void>[] = [];

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}_${String(this.seq).padStart(4, '0')}${Math.random().toString(36).slice(2, 8)}`;
  }

  nextFireTimes(trigger: Trigger, count: number, after = new Date()): Date[] {
    if ('intervalSeconds' in trigger) return Array.from({ length: count }, (_, i) => new Date(after.getTime() + (i + 1) * trigger.intervalSeconds * 1000));
    const zone = trigger.timezone ?? 'UTC';
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
    } catch {
      throw SchedulerError.invalid('trigger.timezone', `unknown time zone '${zone}'`);
    }
    if (trigger.cron.trim().split(/\s+/).length !== 5) throw SchedulerError.invalid('trigger.cron', `cron '${trigger.cron}' must have 5 fields (minute hour day-of-month month day-of-week)`);
    try {
      return new Cron(trigger.cron, { timezone: zone, paused: true, legacyMode: true }).nextRuns(count, after);
    } catch (err) {
      throw SchedulerError.invalid('trigger.cron', `invalid cron '${trigger.cron}': ${(err as Error).message}`);
    }
  }

  async createSchedule(input: ScheduleCreate, snapshot: Snapshot): Promise<Schedule> {
    parseNotebook(snapshot.notebook.toString('utf8'), snapshot.notebookName);
    const trigger = input.trigger ?? null;
    const nextRuns = trigger ? this.nextFireTimes(trigger, 5).map((d) => d.toISOString()) : [];
    const now = new Date().toISOString();
    const schedule: Schedule = {
      id: this.id('sch'),
      name: input.name,
      parameters: input.parameters ?? {},
      kernel: input.kernel ?? null,
      driver: { name: input.driver?.name ?? 'local', options: input.driver?.options ?? {} },
      cellTimeoutSeconds: input.cellTimeoutSeconds ?? null,
      runTimeoutSeconds: input.runTimeoutSeconds ?? null,
      trigger,
      startAt: input.startAt ?? null,
      endAt: input.endAt ?? null,
      catchup: input.catchup ?? 'latest',
      startingDeadlineSeconds: input.startingDeadlineSeconds ?? 86400,
      concurrencyPolicy: input.concurrencyPolicy ?? 'forbid',
      maxConcurrency: input.maxConcurrency ?? null,
      retries: { max: input.retries?.max ?? 0, backoffSeconds: input.retries?.backoffSeconds ?? 60 },
      paused: input.paused ?? false,
      retention: { maxRuns: input.retention?.maxRuns ?? 100 },
      tags: input.tags ?? [],
      snapshot: { notebook: snapshot.notebookName, files: [...snapshot.files.keys()] },
      createdAt: now,
      updatedAt: now,
      nextRuns,
    };
    this.schedules.set(schedule.id, { schedule, snapshot });
    return schedule;
  }

  async listSchedules(_q: ListSchedulesQuery): Promise<Page<Schedule>> {
    return { items: [...this.schedules.keys()].reverse().map((id) => this.view(id)) };
  }

  private view(id: string): Schedule {
    const entry = this.schedules.get(id);
    if (!entry) throw SchedulerError.notFound('schedule', id);
    const last = [...this.runs.values()].reverse().find((r) => r.run.scheduleId === id);
    const s = entry.schedule;
    return {
      ...s,
      nextRuns: s.paused || !s.trigger ? [] : this.nextFireTimes(s.trigger, 5).map((d) => d.toISOString()),
      ...(last ? { lastRun: { id: last.run.id, state: last.run.state } } : {}),
    };
  }

  async getSchedule(id: string): Promise<Schedule> {
    return this.view(id);
  }

  async updateSchedule(id: string, patch: SchedulePatch, snapshot?: Snapshot): Promise<Schedule> {
    const entry = this.schedules.get(id);
    if (!entry) throw SchedulerError.notFound('schedule', id);
    Object.assign(entry.schedule, patch, { updatedAt: new Date().toISOString() });
    if (snapshot) entry.snapshot = snapshot;
    return this.view(id);
  }

  async deleteSchedule(id: string): Promise<void> {
    if (!this.schedules.delete(id)) throw SchedulerError.notFound('schedule', id);
  }

  async pauseSchedule(id: string): Promise<Schedule> {
    return this.updateSchedule(id, { paused: true });
  }

  async resumeSchedule(id: string): Promise<Schedule> {
    return this.updateSchedule(id, { paused: false });
  }

  async runNow(scheduleId: string, opts: { parameters?: Record<string, unknown> } = {}): Promise<Run> {
    const entry = this.schedules.get(scheduleId);
    if (!entry) throw SchedulerError.notFound('schedule', scheduleId);
    return this.launch(scheduleId, 'manual', entry.snapshot, { ...entry.schedule.parameters, ...opts.parameters });
  }

  async createRun(input: OneOffRun, snapshot: Snapshot): Promise<Run> {
    return this.launch(null, 'api', snapshot, input.parameters ?? {});
  }

  private launch(scheduleId: string | null, trigger: Run['trigger'], snapshot: Snapshot, parameters: Record<string, unknown>): Run {
    const now = new Date().toISOString();
    const run: Run = {
      id: this.id('run'), scheduleId, trigger, scheduledFor: now, attempt: 1, state: 'queued', jobId: null, createdAt: now,
      startedAt: null, finishedAt: null, exitCode: null, error: null, failedCell: null, parameters,
    };
    const entry: RunEntry = { run, log: [], abort: new AbortController() };
    this.runs.set(run.id, entry);
    this.executions.push(this.execute(entry, snapshot));
    return { ...run };
  }

  private line(entry: RunEntry, text: string): void {
    for (const l of text.replace(/\n$/, '').split('\n')) entry.log.push(l);
    this.events.emit(entry.run.id);
  }

  private set(entry: RunEntry, patch: Partial<Run>): void {
    Object.assign(entry.run, patch);
    this.events.emit(entry.run.id);
  }

  private async execute(entry: RunEntry, snapshot: Snapshot): Promise<void> {
    const work = join(this.dir, entry.run.id);
    mkdirSync(work, { recursive: true });
    for (const [path, bytes] of snapshot.files) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), bytes);
    }
    const input = join(work, snapshot.notebookName);
    writeFileSync(input, snapshot.notebook);
    const output = join(work, snapshot.notebookName.replace(/\.ipynb$/, '') + '.out.ipynb');
    entry.output = output;
    this.set(entry, { state: 'running', startedAt: new Date().toISOString(), jobId: `local-${entry.run.id}` });
    try {
      const printed = new Map<string, string>();
      const events = streamNotebook(input, { outputPath: output, parameters: entry.run.parameters, cwd: work, autosaveIntervalMs: 0, signal: entry.abort.signal });
      for (;;) {
        const { value, done } = await events.next();
        if (done) {
          const result = value;
          const failed = result.status !== 'completed';
          const cell = result.failedCell !== undefined ? result.cells.find((c) => c.index === result.failedCell) : undefined;
          this.line(entry, `run ${result.status} in ${Math.round(result.durationMs)} ms`);
          this.set(entry, {
            state: entry.abort.signal.aborted ? 'cancelled' : failed ? 'failed' : 'succeeded',
            finishedAt: new Date().toISOString(),
            exitCode: failed ? 1 : 0,
            error: result.error ? { code: result.error.code, message: result.error.message } : null,
            failedCell: cell ? { cellIndex: cell.index, executionCount: cell.executionCount, ...(cell.id ? { cellId: cell.id } : {}) } : null,
          });
          return;
        }
        if (value.type === 'cell-start') this.line(entry, `[cell ${value.index + 1}] started`);
        else if (value.type === 'output' && value.output.output_type === 'stream') {
          // A cell's stream output grows as it prints: log only what is new.
          const raw = value.output.text;
          const text = Array.isArray(raw) ? raw.join('') : String(raw);
          const key = `${value.index}:${String(value.output.name)}`;
          const before = printed.get(key) ?? '';
          printed.set(key, text);
          const added = text.startsWith(before) ? text.slice(before.length) : text;
          if (added) this.line(entry, added);
        } else if (value.type === 'cell-end') this.line(entry, `[cell ${value.index + 1}] ${value.status} in ${Math.round(value.durationMs)} ms`);
      }
    } catch (err) {
      this.line(entry, `error: ${(err as Error).message}`);
      this.set(entry, { state: entry.abort.signal.aborted ? 'cancelled' : 'failed', finishedAt: new Date().toISOString(), exitCode: 1, error: { code: 'E_RUN', message: (err as Error).message } });
    }
  }

  async listRuns(q: ListRunsQuery): Promise<Page<Run>> {
    const items = [...this.runs.values()]
      .map((e) => ({ ...e.run }))
      .filter((r) => (!q.scheduleId || r.scheduleId === q.scheduleId) && (!q.state || r.state === q.state))
      .reverse();
    return { items: items.slice(0, q.limit ?? 50) };
  }

  async getRun(id: string): Promise<Run> {
    const entry = this.runs.get(id);
    if (!entry) throw SchedulerError.notFound('run', id);
    return { ...entry.run };
  }

  async cancelRun(id: string): Promise<Run> {
    const entry = this.runs.get(id);
    if (!entry) throw SchedulerError.notFound('run', id);
    if (!FINAL.includes(entry.run.state)) entry.abort.abort();
    return { ...entry.run };
  }

  async *runLog(id: string, opts: { follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<string> {
    const entry = this.runs.get(id);
    if (!entry) throw SchedulerError.notFound('run', id);
    let i = 0;
    for (;;) {
      while (i < entry.log.length) yield entry.log[i++]!;
      if (!opts.follow || FINAL.includes(entry.run.state) || opts.signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.events.off(id, done);
          opts.signal?.removeEventListener('abort', done);
          resolve();
        };
        this.events.on(id, done);
        opts.signal?.addEventListener('abort', done);
      });
    }
  }

  async runOutput(id: string): Promise<{ path: string; name: string } | undefined> {
    const entry = this.runs.get(id);
    if (!entry) throw SchedulerError.notFound('run', id);
    return entry.output ? { path: entry.output, name: entry.output.split('/').pop()! } : undefined;
  }

  async runStatus(_id: string): Promise<Record<string, unknown> | undefined> {
    return undefined;
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {
    for (const e of this.runs.values()) e.abort.abort();
    await Promise.allSettled(this.executions);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
