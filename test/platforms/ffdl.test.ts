/**
 * `nbrun submit --driver ffdl` end to end against the fake FfDL REST API: manifest and
 * model_definition checked against FfDL's swagger and manifest rules, the learner really
 * runs the start script (the bundled runner), results synced to the loopback S3 bucket.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { FakeFfdl } from './ffdl-server.js';
import { BUCKET, FIXTURES, notebookText, startWorld, validatedBodies, type PlatformWorld } from './world.js';

let world: PlatformWorld;
let ffdl: FakeFfdl;
let flags: string[];
const env = { DLAAS_PASSWORD: 'ffdl-secret-pw' };

beforeAll(async () => {
  world = await startWorld();
  ffdl = new FakeFfdl({ user: 'test-user', password: 'ffdl-secret-pw' });
  await ffdl.start();
  flags = ['--driver', 'ffdl', '--ffdl-host', ffdl.url, '--ffdl-user', 'test-user', '--store', `s3://${BUCKET}`, '--s3-endpoint', world.s3.endpoint, '--framework', 'nbrun:0.1'];
});

// A fault belongs to the test that injected it: never to the next one.
afterEach(() => {
  expect(ffdl?.http.reset() ?? [], 'faults this test injected but no request consumed').toEqual([]);
});

afterAll(async () => {
  await ffdl?.stop();
  await world?.stop();
});

const training = (name: string) => [...ffdl.trainings.values()].find((t) => t.manifest.name === name)!;

async function untilLearnerLogShows(name: string, text: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const t = training(name);
    if (t?.learner && (await t.learner.log()).includes(text)) return;
    if (Date.now() > deadline) throw new Error(`the learner never printed '${text}'`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('nbrun submit --driver ffdl', () => {
  it.each([
    ['the results bucket', 'bucket'],
    ['GET …/trained_model', 'api'],
  ])('trains (runs) the notebook and brings the executed notebook back from %s', async (_what, from) => {
    const out = join(world.work, `ffdl-${from}.out.ipynb`);
    const r = await world.nbrun(
      [
        'submit', join(FIXTURES, 'shouts-greeting.ipynb'), ...flags, '--results-from', from, '--deps', 'helper.py', '-p', 'greeting', 'from ffdl',
        '--cpus', '0.5', '--memory', '512m', '--gpus', '1', '--log-output', '--wait', '--output', out,
      ],
      env,
    );
    expect(r.stderr).toContain(`wrote ${out}`);
    expect(r.code).toBe(0);
    expect(await notebookText(out)).toContain('FROM FFDL!');
    // The log came through the loglines endpoint.
    expect(r.stderr).toContain('FROM FFDL!');
    const id = r.stdout.trim();
    const t = training(id);
    expect(t.status).toBe('COMPLETED');
    const posts = validatedBodies(ffdl.http, 'POST', /^\/v1\/models$/).filter((p) => (p.body as { manifest: { name: string } }).manifest.name === id);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.problems).toEqual([]);
    expect(t.manifest).toMatchObject({
      version: '1.0', cpus: 0.5, gpus: 1, memory: '512MiB', learners: 1,
      data_stores: [{ type: 's3_datastore', training_data: { container: BUCKET }, training_results: { container: BUCKET }, connection: { auth_url: world.s3.endpoint } }],
      framework: { name: 'nbrun', version: '0.1', command: 'sh "$MODEL_DIR/nbrun-start.sh"' },
    });
    // Every call validated (version, headers, parameters) and none was refused.
    expect(ffdl.http.requests.filter((q) => q.validated && q.problems.length)).toEqual([]);
    expect(ffdl.http.requests.some((q) => q.path === `/v1/logs/${t.id}/loglines`)).toBe(true);
    if (from === 'api') expect(ffdl.http.requests.some((q) => q.path === `/v1/models/${t.id}/trained_model`)).toBe(true);
    else expect(await world.s3.get(BUCKET, `${t.id}/status.json`)).toContain('"completed"');
    const status = await world.nbrun(['status', id], env);
    expect(status.stdout).toMatch(new RegExp(`^${id}  succeeded`));
    // The password is never shown.
    expect(r.stderr + r.stdout + status.stdout).not.toContain('ffdl-secret-pw');
  });

  it('reports a FAILED training, and the failed notebook comes back', async () => {
    const out = join(world.work, 'ffdl-fails.out.ipynb');
    const r = await world.nbrun(['submit', join(FIXTURES, 'raises-error.ipynb'), ...flags, '--wait', '--output', out], env);
    expect(r.code).toBe(EXIT_CODES.cellError);
    expect(training(r.stdout.trim()).status).toBe('FAILED');
    expect(await notebookText(out)).toContain('ValueError: broken on purpose');
  });

  it('halts a running training: HALTED, and the partial notebook comes back', async () => {
    const r = await world.nbrun(['submit', join(FIXTURES, 'sleeps-after-first-cell.ipynb'), ...flags, '--log-output'], env);
    const id = r.stdout.trim();
    await untilLearnerLogShows(id, 'first cell done');
    expect((await world.nbrun(['cancel', id], env)).code).toBe(0);
    const patch = validatedBodies(ffdl.http, 'PATCH', new RegExp(`^/v1/models/${training(id).id}$`));
    expect(patch).toEqual([expect.objectContaining({ body: { status: 'halt' }, problems: [] })]);
    expect(training(id).status).toBe('HALTED');
    expect((await world.nbrun(['status', id], env)).stdout).toMatch(new RegExp(`^${id}  cancelled`));
    const dest = join(world.work, 'ffdl-halted');
    expect((await world.nbrun(['fetch', id, dest], env)).code).toBe(0);
    const text = await notebookText(join(dest, 'output.ipynb'));
    expect(text).toContain('first cell done');
    expect(text).not.toContain('never printed');
  });

  it.each([
    ['a wrong password', { DLAAS_PASSWORD: 'wrong' }, undefined, /not authorized \(HTTP 401: Unauthorized/],
    ['a quota error (429)', {}, { status: 429, body: { code: 429, error: 'Too Many Requests', description: 'training quota exceeded for user test-user' } }, /quota exceeded or rate limited \(HTTP 429: Too Many Requests/],
    ['a 500 on create (not retried)', {}, { status: 500, body: { code: 500, error: 'Internal Server Error', description: 'trainer unavailable' } }, /HTTP 500: Internal Server Error/],
  ])('refuses the training on %s with one clear line', async (_what, extraEnv, fault, message) => {
    if (fault) ffdl.http.inject({ method: 'POST', path: /^\/v1\/models$/, times: 1, ...fault });
    const before = ffdl.http.requests.length;
    const r = await world.nbrun(['submit', join(FIXTURES, 'shouts-greeting.ipynb'), ...flags, '--deps', 'helper.py'], { ...env, ...extraEnv });
    expect(r.code).toBe(EXIT_CODES.backend);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('ffdl-secret-pw');
    expect(ffdl.http.requests.slice(before).filter((q) => q.method === 'POST')).toHaveLength(1);
  });

  it.each([
    ['two data stores', (m: string) => m.replace(/data_stores:\n/, 'data_stores:\n  - id: other\n    type: s3_datastore\n    training_data: {container: a}\n    training_results: {container: b}\n    connection: {auth_url: "http://x", user_name: u, password: p}\n'), /data_stores must have exactly one entry/],
    ['a numeric version', (m: string) => m.replace('version: "1.0"', 'version: 1.0'), /version must be "1.0"/],
  ])('answers 400 to a manifest with %s (the validation is not a no-op)', async (_what, spoil, message) => {
    const manifest = spoil('name: bad\nversion: "1.0"\ncpus: 1\ngpus: 0\nmemory: 1Gb\nlearners: 1\ndata_stores:\n  - id: s\n    type: s3_datastore\n    training_data: {container: a}\n    training_results: {container: b}\n    connection: {auth_url: "http://x", user_name: u, password: p}\nframework: {name: tensorflow, version: "1.5", command: "true"}\n');
    const form = new FormData();
    form.append('manifest', new Blob([manifest]), 'manifest.yml');
    const res = await fetch(`${ffdl.url}/v1/models?version=2017-02-13`, {
      method: 'POST',
      headers: { 'X-Watson-Userinfo': 'bluemix-instance-id=test-user', authorization: `Basic ${Buffer.from('test-user:ffdl-secret-pw').toString('base64')}` },
      body: form,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { description: string }).description).toMatch(message);
  });

  it('answers 401 without the X-Watson-Userinfo header', async () => {
    const res = await fetch(`${ffdl.url}/v1/models?version=2017-02-13`, { headers: { authorization: `Basic ${Buffer.from('test-user:ffdl-secret-pw').toString('base64')}` } });
    expect(res.status).toBe(401);
  });
});
