/**
 * `nbrun serve` as a process and the `schedule`/`runs` commands against it, end to end:
 * real SQLite, runs through the local driver with a real kernel. Includes SIGKILL of the
 * server during a run: after a restart the run is re-attached and finishes, once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { main } from '../src/main.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const BIN = join(ROOT, 'packages/cli/src/bin.ts');
const TOKEN = 'cli-test-token-42';

let dir: string;
let server: ChildProcess | undefined;
let url = '';

/** Starts `nbrun serve` on a free port; resolves when it listens. */
async function startServer(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'serve', '--port', '0', '--state-dir', join(dir, 'state'), '--token', TOKEN], {
    cwd: ROOT,
    // The token in the service's environment too: the notebooks it runs must not see it.
    env: { ...process.env, NBRUN_STATE_DIR: join(dir, 'jobs-state'), NBRUN_SERVER_TOKEN: TOKEN },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server = child;
  let err = '';
  url = await new Promise<string>((done, fail) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) done(m[1]!);
    });
    child.on('exit', (code) => fail(new Error(`nbrun serve exited (${code}): ${err}`)));
  });
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (chunk, _e, cb) => (f(chunk.toString()), cb()) });
  const code = await main(argv, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env: { ...process.env, NBRUN_SERVER_URL: url, NBRUN_SERVER_TOKEN: TOKEN },
    cwd: dir,
  });
  return { code, stdout, stderr };
}

function notebook(...sources: string[]): string {
  return JSON.stringify({
    cells: [
      { cell_type: 'code', id: 'params', metadata: { tags: ['parameters'] }, source: 'n = 1', outputs: [], execution_count: null },
      ...sources.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null })),
    ],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nbrun-serve-'));
  await writeFile(join(dir, 'helper.py'), 'FACTOR = 7\n');
  await writeFile(join(dir, 'slow.ipynb'), notebook('import os, time, helper\ntime.sleep(6)\nprint("done", n * helper.FACTOR)\nprint("token seen:", os.environ.get("NBRUN_SERVER_TOKEN") is not None)'));
  await startServer();
});

afterAll(async () => {
  server?.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('schedule and runs commands; SIGKILL of nbrun serve during a run, restart: re-attached, finished once, schedule intact', async () => {
  const created = await cli('schedule', 'create', 'slow.ipynb', '--cron', '0 0 1 1 *', '--tz', 'Asia/Kolkata', '--deps', 'helper.py', '-p', 'n', '6', '--tag', 'nightly', '--json');
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const schedule = JSON.parse(created.stdout) as { id: string; name: string; parameters: Record<string, unknown>; snapshot: { files: string[] }; nextRuns: string[] };
  expect(schedule).toMatchObject({ name: 'slow', parameters: { n: 6 }, snapshot: { files: ['helper.py'] } });

  const list = await cli('schedule', 'list', '--tag', 'nightly');
  expect(list.stdout).toMatch(new RegExp(`^ID\\s+NAME\\s+TRIGGER[^\\n]*\\n${schedule.id}\\s+slow\\s+cron '0 0 1 1 \\*' Asia/Kolkata`));
  const next = await cli('schedule', 'next', schedule.id, '-n', '2');
  expect(next.stdout.trim().split('\n')).toHaveLength(2);
  expect(next.stdout).toMatch(/T18:30:00\.000Z {2}\d{4}-01-01T00:00:00\+05:30 Asia\/Kolkata/);

  const started = await cli('schedule', 'run', schedule.id, '--json');
  expect(started.code).toBe(0);
  const runId = (JSON.parse(started.stdout) as { id: string }).id;

  // Wait until the run is running, then kill the server without warning.
  const end = Date.now() + 60_000;
  for (;;) {
    const show = JSON.parse((await cli('runs', 'show', runId)).stdout) as { state: string; jobId: string | null };
    if (show.state === 'running' && show.jobId) break;
    expect(['queued', 'running']).toContain(show.state);
    if (Date.now() > end) throw new Error('the run never started');
    await new Promise((r) => setTimeout(r, 200));
  }
  const killed = server!;
  const exited = new Promise((r) => killed.once('exit', r));
  killed.kill('SIGKILL');
  await exited;
  const down = await cli('runs', 'list');
  expect(down.code).toBe(8);
  expect(down.stderr).toMatch(/^nbrun: cannot reach the nbrun service at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)[^\n]*\n$/);

  await startServer();
  const followed = await cli('runs', 'logs', runId, '-f');
  expect(followed.stderr).toMatch(new RegExp(`nbrun: run ${runId}  succeeded`));
  expect(followed.code).toBe(0);

  const runs = JSON.parse((await cli('runs', 'list', '--schedule', schedule.id, '--json')).stdout) as { id: string; name: string; state: string; trigger: string }[];
  expect(runs.map((r) => [r.id, r.name, r.trigger, r.state])).toEqual([[runId, 'slow', 'manual', 'succeeded']]);
  const table = (await cli('runs', 'list')).stdout.split('\n');
  expect(table[0]).toMatch(/^ID +SCHEDULE +NAME +TRIGGER +STATE/);
  expect(table[1]).toMatch(new RegExp(`^${runId} +${schedule.id} +slow +manual +succeeded`));
  const again = JSON.parse((await cli('schedule', 'show', schedule.id)).stdout) as typeof schedule;
  expect(again).toMatchObject({ id: schedule.id, name: 'slow', parameters: { n: 6 }, nextRuns: schedule.nextRuns });

  const fetched = await cli('runs', 'fetch', runId, 'out');
  expect(fetched.code).toBe(0);
  const executed = await readFile(join(dir, 'out', 'slow.ipynb'), 'utf8').catch(async () => readFile(join(dir, 'out', `${runId}.ipynb`), 'utf8'));
  expect(executed).toContain('done 42');
  // The service's API token is not in the environment of the notebooks it runs.
  expect(executed).toContain('token seen: False');
  expect(existsSync(join(dir, 'out', `${runId}.status.json`))).toBe(true);

  expect((await cli('schedule', 'delete', schedule.id)).code).toBe(0);
  expect((await cli('schedule', 'show', schedule.id)).code).toBe(2);
});

test('bad input and a wrong token: one line each, documented exit codes', async () => {
  const badCron = await cli('schedule', 'create', 'slow.ipynb', '--cron', '61 * * * *');
  expect(badCron.code).toBe(2);
  expect(badCron.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  const badDeps = await cli('schedule', 'create', 'slow.ipynb', '--every', '10m', '--deps', '../outside.py');
  expect(badDeps.code).toBe(2);
  const badEvery = await cli('schedule', 'create', 'slow.ipynb', '--every', 'often');
  expect(badEvery.stderr).toMatch(/--every must be a duration/);
  expect(JSON.parse((await cli('schedule', 'list', '--json')).stdout)).toEqual([]);
  let stderr = '';
  const code = await main(['runs', 'list'], {
    stdout: new Writable({ write: (_c, _e, cb) => cb() }),
    stderr: new Writable({ write: (c, _e, cb) => ((stderr += c.toString()), cb()) }),
    env: { ...process.env, NBRUN_SERVER_URL: url, NBRUN_SERVER_TOKEN: 'wrong' },
    cwd: dir,
  });
  expect(code).toBe(8);
  expect(stderr).toMatch(/^nbrun: the nbrun service at http:[^\n]+ refused the request: the token was refused; set NBRUN_SERVER_TOKEN[^\n]*\n$/);
});
