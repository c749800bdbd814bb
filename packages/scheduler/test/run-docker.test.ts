/**
 * A schedule's run through the real docker driver, end to end over the REST API: a real
 * Docker engine (test/setup/docker-engine.ts) and the local image `nbrun-runner:test`
 * (examples/docker/build-local-image.sh, built here when missing), network none. The run's
 * status.json is read from the running container, then the run succeeds and its log and
 * executed notebook come back; the container is gone.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerClient } from '@nbrun/drivers/docker';
import { openScheduler, type Run, type Schedule, type Scheduler } from '@nbrun/scheduler';
import { createServer } from '@nbrun/scheduler/http';
import { ensureDockerEngine, type DockerEngineHandle } from '../../../test/setup/docker-engine.js';

const IMAGE = process.env.NBRUN_TEST_IMAGE ?? 'nbrun-runner:test';
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TOKEN = 'docker-run-test-token';
const run = promisify(execFile);

let engine: DockerEngineHandle;
let dir: string;
let service: Scheduler;
let app: FastifyInstance;
let base: string;

const code = (source: string, tags: string[] = []) => ({ cell_type: 'code', id: Math.random().toString(36).slice(2, 10), metadata: tags.length ? { tags } : {}, source, outputs: [], execution_count: null });

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T; text: string; headers: Headers }> {
  const res = await fetch(base + path, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // Text (a log).
  }
  return { status: res.status, body: body as T, text, headers: res.headers };
}

/** Containers of a job (the driver labels them with its id: the run's id). */
async function containersOf(jobId: string): Promise<string[]> {
  const list = await createDockerClient(process.env).listContainers({ all: true, filters: { label: [`io.nbrun.job=${jobId}`] } });
  return list.map((c) => c.Id);
}

beforeAll(async () => {
  engine = await ensureDockerEngine();
  const present = await createDockerClient(process.env).inspectImage(IMAGE).then(() => true, () => false);
  if (!present) await run('bash', [join(REPO_ROOT, 'examples/docker/build-local-image.sh')], { env: { ...process.env, IMAGE } });
  dir = await mkdtemp(join(tmpdir(), 'nbrun-sched-docker-'));
  service = await openScheduler({ stateDir: dir, pollMs: 100, maxConcurrent: 2 });
  await service.start();
  app = await createServer(service, { token: TOKEN, log: () => undefined });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}, 300_000);

afterAll(async () => {
  await app?.close();
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  await engine?.stop();
});

it('a schedule with driver docker: run now → status.json from the running container → succeeded, log and output fetched', async () => {
  const notebook = {
    cells: [
      code('greeting = "hi"', ['parameters']),
      code('import os\nprint(greeting, "from", os.environ["NBRUN_RUN_ID"], flush=True)'),
      // Holds the run until the test has read the live status (it creates /tmp/go in the container).
      code('import os, time\nfor _ in range(600):\n    if os.path.exists("/tmp/go"): break\n    time.sleep(0.1)\nprint("released", os.path.exists("/tmp/go"))'),
    ],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const created = await api<Schedule>('/api/v1/schedules', {
    method: 'POST',
    body: JSON.stringify({ name: 'in docker', notebook, trigger: null, driver: { name: 'docker', image: IMAGE, options: { network: 'none' } } }),
  });
  expect(created.status, created.text).toBe(201);
  expect(created.body.driver).toEqual({ name: 'docker', image: IMAGE, options: { network: 'none' } });

  const started = await api<Run>(`/api/v1/schedules/${created.body.id}/runs`, { method: 'POST', body: JSON.stringify({ parameters: { greeting: 'hello' } }) });
  expect(started.status, started.text).toBe(202);
  const id = started.body.id;

  // The live status.json, read out of the running container: the first cells done, the waiting one running.
  let live: { state?: string; cells?: { index: number; status: string }[] } | undefined;
  for (const end = Date.now() + 120_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const res = await api<typeof live>(`/api/v1/runs/${id}/status`);
    if (res.status === 200 && res.body?.cells?.some((c) => c.index === 3 && c.status === 'running')) {
      live = res.body;
      break;
    }
  }
  expect((await api<Run>(`/api/v1/runs/${id}`)).body.state).toBe('running');
  expect(live).toMatchObject({ state: 'running' });
  // Cell 1 is the injected parameters; 2 printed.
  expect(live?.cells?.find((c) => c.index === 2)).toMatchObject({ status: 'completed' });

  const [container] = await containersOf(id);
  expect(container).toBeDefined();
  await run('docker', ['exec', container!, 'python3', '-c', 'open("/tmp/go", "w").close()']);

  let done: Run | undefined;
  for (const end = Date.now() + 120_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const r = (await api<Run>(`/api/v1/runs/${id}`)).body;
    if (!['queued', 'running'].includes(r.state)) {
      done = r;
      break;
    }
  }
  expect(done).toMatchObject({ state: 'succeeded', exitCode: 0, jobId: id, parameters: { greeting: 'hello' } });

  const out = await api<{ cells: { outputs: unknown[] }[] }>(`/api/v1/runs/${id}/output`);
  expect(out.status).toBe(200);
  expect(out.headers.get('content-disposition')).toMatch(/^attachment; filename="in-docker\.ipynb"/);
  expect(JSON.stringify(out.body.cells[2]!.outputs)).toContain(`hello from ${id}`);
  expect(JSON.stringify(out.body.cells[3]!.outputs)).toContain('released True');
  expect((await api(`/api/v1/runs/${id}/status`)).body).toMatchObject({ state: 'completed', exitCode: 0 });
  expect((await api(`/api/v1/runs/${id}/log`)).text).toContain(`hello from ${id}`);
  // The driver removed the container once the results were copied (its log was saved first).
  expect(await containersOf(id)).toEqual([]);
});
