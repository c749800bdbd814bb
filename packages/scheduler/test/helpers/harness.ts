import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, openScheduler, type Run, type Scheduler, type Snapshot } from '@nbrun/scheduler';
import { FakeBackend } from './fake-driver.js';

export const NOTEBOOK = JSON.stringify({
  cells: [{ cell_type: 'code', id: 'c1', metadata: {}, source: 'print(1)', outputs: [], execution_count: null }],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
});

export function snapshot(notebook = NOTEBOOK, files: Record<string, string> = {}): Snapshot {
  return { notebookName: 'report.ipynb', notebook: Buffer.from(notebook), files: new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)])) };
}

/** Polls `fn` (real time) until it returns a truthy value. */
export async function until<T>(fn: () => Promise<T> | T, what = 'condition', ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Harness {
  dir: string;
  clock: ManualClock;
  backend: FakeBackend;
  open(opts?: { database?: string; instanceId?: string; maxConcurrent?: number }): Promise<Scheduler>;
  cleanup(): Promise<void>;
}

export async function harness(start: string): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'nbrun-sched-'));
  const clock = new ManualClock(start);
  const backend = new FakeBackend();
  const opened: Scheduler[] = [];
  return {
    dir, clock, backend,
    async open(opts = {}) {
      const s = await openScheduler({ stateDir: dir, clock, drivers: backend.registry(), loop: false, ...opts });
      opened.push(s);
      await s.start();
      return s;
    },
    async cleanup() {
      for (const s of opened) await s.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs of a schedule, oldest tick first: [scheduledFor, trigger, state, attempt]. */
export async function rows(s: Scheduler, scheduleId: string): Promise<[string, string, string, number][]> {
  const items: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await s.listRuns({ scheduleId, limit: 500, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items
    .sort((a, b) => a.scheduledFor.localeCompare(b.scheduledFor) || a.attempt - b.attempt || a.createdAt.localeCompare(b.createdAt))
    .map((r) => [r.scheduledFor.replace(':00.000Z', 'Z'), r.trigger, r.state, r.attempt]);
}
