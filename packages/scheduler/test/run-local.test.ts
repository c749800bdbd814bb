/**
 * Real runs through the real local driver (the shared runner host, a real ipykernel):
 * parameters (scheduled_for/run_id only when the parameters cell defines them), the
 * environment, the log, the executed notebook, status.json, a failed cell, a cancel.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openScheduler, type Run, type Scheduler } from '@nbrun/scheduler';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapshot, until } from './helpers/harness.js';

const code = (source: string, tags: string[] = []) => ({ cell_type: 'code', id: Math.random().toString(36).slice(2, 10), metadata: tags.length ? { tags } : {}, source, outputs: [], execution_count: null });
const notebook = (...cells: object[]) =>
  JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5 });

let dir: string;
let s: Scheduler;
afterEach(async () => {
  await s?.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(maxConcurrent = 2, standbys?: number, sharedRunner?: boolean): Promise<Scheduler> {
  dir = await mkdtemp(join(tmpdir(), 'nbrun-sched-local-'));
  s = await openScheduler({ stateDir: dir, pollMs: 100, maxConcurrent, ...(standbys !== undefined ? { standbys } : {}), ...(sharedRunner !== undefined ? { sharedRunner } : {}) });
  await s.start();
  return s;
}

async function ended(id: string): Promise<Run> {
  for (;;) {
    const run = await s.getRun(id);
    if (!['queued', 'running'].includes(run.state)) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('runs through the local driver', () => {
  it('a one-off run: parameters, environment, log, output, status', async () => {
    await open();
    const nb = notebook(
      code('run_id = ""\nscheduled_for = ""\nx = 1', ['parameters']),
      code('import os\nprint("env", os.environ["NBRUN_RUN_ID"], os.environ["NBRUN_SCHEDULED_FOR"])\nprint("params", run_id, scheduled_for, x)\nfrom helper import VALUE\nprint("helper", VALUE)'),
    );
    const run = await s.createRun({ parameters: { x: 41 } }, snapshot(nb, { 'helper.py': 'VALUE = 7\n' }));
    expect(run).toMatchObject({ trigger: 'api', state: 'queued', scheduleId: null });
    const done = await ended(run.id);
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0, error: null, jobId: run.id });
    const out = await s.runOutput(run.id);
    expect(out?.name).toBe('report.ipynb');
    const text = await readFile(out!.path, 'utf8');
    expect(text).toContain(`env ${run.id} ${run.scheduledFor}`);
    expect(text).toContain(`params ${run.id} ${run.scheduledFor} 41`);
    expect(text).toContain('helper 7');
    expect(await s.runStatus(run.id)).toMatchObject({ state: 'completed', exitCode: 0 });
    const log: string[] = [];
    for await (const line of s.runLog(run.id, { follow: true })) log.push(line);
    expect(log.join('\n')).toMatch(/params/);
  });

  it('a notebook without those parameters does not get them; a failing cell is recorded', async () => {
    await open();
    const sch = await s.createSchedule({ name: 'fails' }, snapshot(notebook(code('y = 2', ['parameters']), code('print("ok")'), code('raise ValueError("boom")'))));
    const run = await s.runNow(sch.id, { parameters: { y: 3 } });
    const done = await ended(run.id);
    expect(done).toMatchObject({ state: 'failed', trigger: 'manual', failedCell: { cellIndex: 3 } });
    expect(done.error?.message).toMatch(/ValueError|boom/);
    expect(done.exitCode).toBe(1);
    const text = await readFile((await s.runOutput(run.id))!.path, 'utf8');
    expect(text).not.toMatch(/run_id|scheduled_for/);
  });

  it('refuses a standby count that is not a whole number ≥ 0', async () => {
    dir = await mkdtemp(join(tmpdir(), 'nbrun-sched-local-'));
    for (const standbys of [-1, 1.5]) {
      await expect(openScheduler({ stateDir: dir, standbys, loop: false })).rejects.toThrow(/standbys: must be a whole number/);
    }
  });

  it('runs waiting for a slot start ahead as standbys (here two for the one slot; their own job and kernel, in the one runner host), run on their turn with nothing of the run before', async () => {
    await open(1, 2);
    const gate = join(dir, 'gate');
    const first = await s.createRun(
      { parameters: { gate } },
      snapshot(notebook(code('gate = ""', ['parameters']), code('import os, time\nsecret = "from-the-first-run"\nprint("pid", os.getpid())\nfor _ in range(6000):  # at most ~5 min: a failed test leaves no job behind for long\n    if os.path.exists(gate):\n        break\n    time.sleep(0.05)'))),
    );
    const second = await s.createRun(
      {},
      snapshot(notebook(code('import os\nprint("pid", os.getpid())\nprint("env", os.environ["NBRUN_RUN_ID"], "NBRUN_HOLD_FILE" in os.environ)\nprint("leak", "secret" in globals())'))),
    );
    const third = await s.createRun({}, snapshot(notebook(code('print("third")'))));
    // While the first runs (held by its gate), the second's and third's jobs start their kernels and wait.
    const standbyLog = join(dir, 'local', second.id, 'runner.log');
    for (const id of [second.id, third.id]) {
      const log = join(dir, 'local', id, 'runner.log');
      await until(async () => (await readFile(log, 'utf8').catch(() => '')).includes('standby: kernel python3 starting ahead'), `the standby ${id}`, 120_000);
    }
    expect((await s.getRun(second.id)).state).toBe('queued');
    expect((await s.getRun(third.id)).state).toBe('queued');
    expect((await s.getRun(first.id)).state).toBe('running');
    await writeFile(gate, '');
    const [a, b, c] = [await ended(first.id), await ended(second.id), await ended(third.id)];
    expect([a.state, b.state, c.state]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(Date.parse(b.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.startedAt!));
    const out = async (id: string) => readFile((await s.runOutput(id))!.path, 'utf8');
    const [textA, textB] = [await out(first.id), await out(second.id)];
    expect(textB).toContain(`env ${second.id} False`);
    expect(textB).toContain('leak False');
    expect(/pid (\d+)/.exec(textB)![1]).not.toBe(/pid (\d+)/.exec(textA)![1]);
    const log = await readFile(standbyLog, 'utf8');
    expect(log.indexOf('standby: kernel python3 starting ahead')).toBeLessThan(log.indexOf('released: the run starts'));
    // One runner process ran the three: the shared host, which is none of their kernels.
    const runnerPids = await Promise.all([first, second, third].map(async (r) => (await readFile(join(dir, 'local', r.id, 'runner.pid'), 'utf8')).trim()));
    expect(new Set(runnerPids).size).toBe(1);
    expect(runnerPids[0]).not.toBe(/pid (\d+)/.exec(textA)![1]);
    expect(JSON.parse(await readFile(join(dir, 'local', '.runner-host', 'host.json'), 'utf8'))).toEqual({ pid: Number(runnerPids[0]) });
  });

  it('with sharedRunner false, each run is a runner process of its own', async () => {
    await open(2, 0, false);
    const runs = [await s.createRun({}, snapshot(notebook(code('print("a")')))), await s.createRun({}, snapshot(notebook(code('print("b")'))))];
    for (const r of runs) expect((await ended(r.id)).state).toBe('succeeded');
    const runnerPids = await Promise.all(runs.map(async (r) => (await readFile(join(dir, 'local', r.id, 'runner.pid'), 'utf8')).trim()));
    expect(runnerPids[0]).not.toBe(runnerPids[1]);
    await expect(stat(join(dir, 'local', '.runner-host'))).rejects.toThrow();
  });

  it("a run's slot frees and the run is final, its log complete, once its result is written, while its kernel still exits", async () => {
    await open(1);
    const marker = join(dir, 'teardown-done');
    // The first run's kernel takes 1.5 s to exit (an atexit handler), then leaves a file.
    const first = await s.createRun(
      { parameters: { marker } },
      snapshot(notebook(code('marker = ""', ['parameters']), code('import atexit, pathlib, time\natexit.register(lambda: (time.sleep(1.5), pathlib.Path(marker).write_text("done")))\nprint("registered")'))),
    );
    const second = await s.createRun({}, snapshot(notebook(code('print("second")'))));
    const [a, b] = [await ended(first.id), await ended(second.id)];
    expect([a.state, b.state]).toEqual(['succeeded', 'succeeded']);
    // The first kernel leaves its file once gone (after both runs were final, as the checks below say).
    await vi.waitFor(() => stat(marker), { timeout: 30_000, interval: 100 });
    const exited = (await stat(marker)).mtimeMs;
    // The next run took the slot before the first one's kernel was gone, and the first run was
    // final before it too: its log then already ended with the runner's summary.
    expect(Date.parse(b.startedAt!)).toBeLessThan(exited);
    expect(Date.parse(a.finishedAt!)).toBeLessThan(exited);
    const log: string[] = [];
    for await (const line of s.runLog(first.id)) log.push(line);
    expect(log.at(-1)).toMatch(/job completed .*exit 0$/);
    expect(await readFile((await s.runOutput(first.id))!.path, 'utf8')).toContain('registered');
    expect(await s.runStatus(first.id)).toMatchObject({ state: 'completed', exitCode: 0 });
  });

  it('status.json while the run runs; cancel stops the job through the driver; the partial notebook and status are kept', async () => {
    await open();
    const run = await s.createRun({}, snapshot(notebook(code('print("first-cell-" + "done", flush=True)'), code('import time\ntime.sleep(120)'))));
    for (;;) {
      const log: string[] = [];
      for await (const line of s.runLog(run.id)) log.push(line);
      if (log.join('\n').includes('first-cell-done')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // While it runs, its status.json is read where the job is (through the driver): the first cell done, the second running.
    let live: Record<string, unknown> | undefined;
    for (const end = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 100))) {
      live = await s.runStatus(run.id);
      const cells = (live?.cells ?? []) as { index: number; status: string }[];
      // Between the two cells the runner may have written the first done and the second not yet begun.
      if ((cells.some((c) => c.status === 'completed') && cells.some((c) => c.status === 'running')) || Date.now() > end) break;
    }
    expect((await s.getRun(run.id)).state).toBe('running');
    expect(live).toMatchObject({ state: 'running', jobId: run.id });
    expect(live?.cells).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'completed' }), expect.objectContaining({ status: 'running' })]));
    await s.cancelRun(run.id);
    const done = await ended(run.id);
    expect(done.state).toBe('cancelled');
    // The partial notebook the runner saved on SIGTERM (at least its last autosave).
    expect(JSON.parse(await readFile((await s.runOutput(run.id))!.path, 'utf8')).cells.length).toBeGreaterThanOrEqual(2);
    expect(await s.runStatus(run.id)).toMatchObject({ signal: 'SIGTERM', error: { code: 'E_CANCELLED' } });
  });
});
