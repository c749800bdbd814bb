/**
 * `nbrun submit --driver kubeflow` (a KFP v2beta1 run) and `--driver pytorchjob` (a
 * Training Operator PyTorchJob) end to end against the fake KFP API server and the fake
 * Kubernetes API server; every body validated against the official specs; the pods
 * really run the runner against the loopback S3 server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { FakeKubeflowPipelines } from './kubeflow-server.js';
import { FakeKubernetes } from './kubernetes-server.js';
import { BUCKET, FIXTURES, notebookText, startWorld, validatedBodies, type PlatformWorld } from './world.js';

const KFP_TOKEN = 'kfp-token-5678';
let world: PlatformWorld;
let k8s: FakeKubernetes;
let kfp: FakeKubeflowPipelines;
let env: NodeJS.ProcessEnv;
let kfpFlags: string[];
let ptFlags: string[];

beforeAll(async () => {
  world = await startWorld();
  const creds = { 's3-creds': { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } };
  k8s = new FakeKubernetes({ token: 'k8s-token', secrets: { kubeflow: creds, training: creds } });
  await k8s.start();
  kfp = new FakeKubeflowPipelines({ token: KFP_TOKEN, cluster: k8s, namespace: 'kubeflow' });
  await kfp.start();
  env = { KUBECONFIG: k8s.writeKubeconfig(join(world.work, 'kubeconfig')), KFP_TOKEN };
  const store = ['--store', `s3://${BUCKET}/kfp`, '--s3-endpoint', world.s3.endpoint, '--store-secret', 's3-creds', '--image', 'ghcr.io/example/nbrun-runner:0.1'];
  kfpFlags = ['--driver', 'kubeflow', '--kfp-host', kfp.url, ...store];
  ptFlags = ['--driver', 'pytorchjob', '--namespace', 'training', '--runner-command', 'nbrun-runner', ...store];
});

// A fault belongs to the test that injected it: never to the next one.
afterEach(() => {
  expect(kfp?.http.reset() ?? [], 'faults this test injected but no request consumed').toEqual([]);
  expect(k8s?.http.reset() ?? [], 'faults this test injected but no request consumed').toEqual([]);
});

afterAll(async () => {
  await kfp?.stop();
  await k8s?.stop();
  await world?.stop();
});

async function untilPodLogShows(find: () => { run?: { log(): Promise<string> } } | undefined, text: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pod = find();
    if (pod?.run && (await pod.run.log()).includes(text)) return;
    if (Date.now() > deadline) throw new Error(`the pod never printed '${text}'`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('nbrun submit --driver kubeflow', () => {
  it.each([
    ['an inline pipeline_spec', []],
    ['an uploaded pipeline', ['--kfp-upload']],
  ])('runs the notebook as a one-step pipeline run with %s', async (_what, extra) => {
    k8s.http.requests.length = 0;
    kfp.http.requests.length = 0;
    kfp.http.inject({ method: 'GET', path: /^\/apis\/v2beta1\/runs\//, status: 503, body: { code: 14, message: 'upstream connect error' }, times: 1 });
    const out = join(world.work, `kfp-${extra.length}.out.ipynb`);
    const r = await world.nbrun(
      [
        'submit', join(FIXTURES, 'shouts-greeting.ipynb'), ...kfpFlags, ...extra, '--deps', 'helper.py', '-p', 'greeting', 'from kubeflow',
        '--cpus', '2', '--memory', '2g', '--gpus', '1', '--node-selector', 'accelerator=nvidia-a100', '--toleration', 'nvidia.com/gpu:NoSchedule',
        '--service-account', 'pipeline-runner', '--log-output', '--wait', '--output', out,
      ],
      env,
    );
    expect(r.stderr).toContain(`wrote ${out}`);
    expect(r.code).toBe(0);
    expect(await notebookText(out)).toContain('FROM KUBEFLOW!');
    // The log came from the executor pod, through the Kubernetes pod-log API.
    expect(r.stderr).toContain('FROM KUBEFLOW!');
    expect(k8s.http.requests.some((q) => /\/namespaces\/kubeflow\/pods\/[^/]+-system-container-impl\/log$/.test(q.path) && q.query.get('container') === 'main')).toBe(true);

    const runs = validatedBodies(kfp.http, 'POST', /^\/apis\/v2beta1\/runs$/);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.problems).toEqual([]);
    const run = runs[0]!.body as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(run.service_account).toBe('pipeline-runner');
    expect(JSON.stringify(run)).not.toContain('S3RVER');
    let spec;
    if (extra.length) {
      const uploads = validatedBodies(kfp.http, 'POST', /^\/apis\/v2beta1\/pipelines\/upload$/);
      expect(uploads).toHaveLength(1);
      expect(uploads[0]!.problems).toEqual([]);
      expect(run.pipeline_version_reference.pipeline_id).toMatch(/^[0-9a-f-]{36}$/);
      spec = { pipeline_spec: (uploads[0]!.body as unknown[])[0], platform_spec: (uploads[0]!.body as unknown[])[1] } as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    } else {
      spec = run.pipeline_spec;
    }
    const container = spec.pipeline_spec.deploymentSpec.executors['exec-nbrun-notebook'].container;
    expect(container.resources).toEqual({
      cpuLimit: 2, resourceCpuLimit: '2', memoryLimit: 2 ** 31 / 1e9, resourceMemoryLimit: String(2 ** 31),
      accelerator: { type: 'nvidia.com/gpu', count: '1', resourceType: 'nvidia.com/gpu', resourceCount: '1' },
    });
    const platform = spec.platform_spec.platforms.kubernetes.deploymentSpec.executors['exec-nbrun-notebook'];
    expect(platform.secretAsEnv).toEqual([{ secretName: 's3-creds', keyToEnv: [{ secretKey: 'AWS_ACCESS_KEY_ID', envVar: 'AWS_ACCESS_KEY_ID' }, { secretKey: 'AWS_SECRET_ACCESS_KEY', envVar: 'AWS_SECRET_ACCESS_KEY' }] }]);
    expect(platform.nodeSelector).toEqual({ labels: { accelerator: 'nvidia-a100' } });
    // Every request to both APIs matched its swagger (runs, upload, pods, pod logs).
    expect([...k8s.http.requests, ...kfp.http.requests].filter((q) => q.problems.length)).toEqual([]);
    expect(kfp.http.requests.filter((q) => q.validated && q.method === 'GET').length).toBeGreaterThan(1);
    // The 503 on a run read was retried.
    expect(kfp.http.requests.some((q) => q.status === 503)).toBe(true);
  });

  it('reports a failed run with its error, and the failed notebook comes back', async () => {
    const out = join(world.work, 'kfp-fails.out.ipynb');
    const r = await world.nbrun(['submit', join(FIXTURES, 'raises-error.ipynb'), ...kfpFlags, '--wait', '--output', out], env);
    expect(r.code).toBe(EXIT_CODES.cellError);
    expect(await notebookText(out)).toContain('ValueError: broken on purpose');
    expect([...kfp.runs.values()].find((run) => run.display_name === r.stdout.trim())!.state).toBe('FAILED');
  });

  it('terminates a running run: CANCELED, and the partial notebook comes back', async () => {
    const r = await world.nbrun(['submit', join(FIXTURES, 'sleeps-after-first-cell.ipynb'), ...kfpFlags, '--log-output'], env);
    const id = r.stdout.trim();
    const run = () => [...kfp.runs.values()].find((x) => x.display_name === id)!;
    await untilPodLogShows(() => k8s.podsWith('kubeflow', { 'pipeline/runid': run().run_id })[0], 'first cell done');
    expect((await world.nbrun(['cancel', id], env)).code).toBe(0);
    expect(kfp.http.requests.some((q) => q.method === 'POST' && q.path === `/apis/v2beta1/runs/${run().run_id}:terminate`)).toBe(true);
    expect(run().state).toBe('CANCELED');
    expect((await world.nbrun(['status', id], env)).stdout).toMatch(new RegExp(`^${id}  cancelled`));
    const dest = join(world.work, 'kfp-cancelled');
    expect((await world.nbrun(['fetch', id, dest], env)).code).toBe(0);
    const text = await notebookText(join(dest, 'output.ipynb'));
    expect(text).toContain('first cell done');
    expect(text).not.toContain('never printed');
  });

  it.each([
    ['a wrong token', { KFP_TOKEN: 'wrong' }, undefined, /not authorized \(HTTP 401: Unauthenticated/],
    ['a quota error (429)', {}, { status: 429, body: { code: 8, message: 'Resource exhausted: too many runs in namespace' } }, /quota exceeded or rate limited \(HTTP 429: Resource exhausted/],
    ['a 500 on create (not retried)', {}, { status: 500, body: { code: 13, message: 'Internal error: database is locked' } }, /HTTP 500: Internal error: database is locked/],
  ])('refuses the run on %s with one clear line', async (_what, extraEnv, fault, message) => {
    if (fault) kfp.http.inject({ method: 'POST', path: /^\/apis\/v2beta1\/runs$/, times: 1, ...fault });
    const before = kfp.http.requests.length;
    const r = await world.nbrun(['submit', join(FIXTURES, 'shouts-greeting.ipynb'), ...kfpFlags, '--deps', 'helper.py'], { ...env, ...extraEnv });
    expect(r.code).toBe(EXIT_CODES.backend);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain(KFP_TOKEN);
    expect(kfp.http.requests.slice(before).filter((q) => q.method === 'POST')).toHaveLength(1);
  });

  it('says so when the URL answers with a login page instead of the API', async () => {
    const login = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Log in to Kubeflow</html>'));
    await new Promise<void>((r) => login.listen(0, '127.0.0.1', r));
    try {
      const host = `http://127.0.0.1:${(login.address() as AddressInfo).port}`;
      const r = await world.nbrun(['submit', join(FIXTURES, 'shouts-greeting.ipynb'), ...kfpFlags, '--kfp-host', host, '--deps', 'helper.py'], env);
      expect(r.code).toBe(EXIT_CODES.backend);
      expect(r.stderr).toMatch(/answered POST \/apis\/v2beta1\/runs with an HTML page \(a login page\?\)/);
    } finally {
      login.close();
    }
  });

  it('answers 400 to a run whose pipeline spec has no executors (the validation is not a no-op)', async () => {
    const res = await fetch(`${kfp.url}/apis/v2beta1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KFP_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: 'bad', pipeline_spec: { pipelineInfo: { name: 'bad' }, schemaVersion: '2.1.0', root: { dag: { tasks: {} } } }, runtime_config: { parameters: 'not an object' } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(3);
    expect(body.message).toMatch(/runtime_config\/parameters must be object/);
  });
});

describe('nbrun submit --driver pytorchjob', () => {
  it('runs the notebook on the Master of a PyTorchJob (with a Worker) and brings it back', async () => {
    const out = join(world.work, 'pytorch.out.ipynb');
    const r = await world.nbrun(
      ['submit', join(FIXTURES, 'shouts-greeting.ipynb'), ...ptFlags, '--workers', '1', '--deps', 'helper.py', '-p', 'greeting', 'from pytorch', '--gpus', '1', '--log-output', '--wait', '--output', out],
      env,
    );
    expect(r.stderr).toContain(`wrote ${out}`);
    expect(r.code).toBe(0);
    expect(await notebookText(out)).toContain('FROM PYTORCH!');
    const id = r.stdout.trim();
    const posts = validatedBodies(k8s.http, 'POST', /\/pytorchjobs$/);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.problems).toEqual([]);
    const job = posts[0]!.body as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Object.keys(job.spec.pytorchReplicaSpecs)).toEqual(['Master', 'Worker']);
    expect(job.spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(job.spec.pytorchReplicaSpecs.Master.template.spec.containers[0]).toMatchObject({ name: 'pytorch', command: ['nbrun-runner'] });
    expect(job.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].resources.limits).toEqual({ 'nvidia.com/gpu': '1' });
    const pods = k8s.podsWith('training', { 'training.kubeflow.org/job-name': id });
    expect(pods.map((p) => [p.labels['training.kubeflow.org/replica-type'], p.env?.RANK])).toEqual([['master', '0'], ['worker', '1']]);
    expect(k8s.pytorchJobs.get(`training/${id}`)!.status.conditions.map((c: { type: string }) => c.type)).toEqual(['Created', 'Running', 'Succeeded']);
  });

  it('cancels a running PyTorchJob: the partial notebook comes back', async () => {
    const r = await world.nbrun(['submit', join(FIXTURES, 'sleeps-after-first-cell.ipynb'), ...ptFlags, '--log-output'], env);
    const id = r.stdout.trim();
    await untilPodLogShows(() => k8s.podsWith('training', { 'training.kubeflow.org/job-name': id })[0], 'first cell done');
    expect((await world.nbrun(['cancel', id], env)).code).toBe(0);
    expect(k8s.podsWith('training', { 'training.kubeflow.org/job-name': id })).toEqual([]);
    const dest = join(world.work, 'pytorch-cancelled');
    expect((await world.nbrun(['fetch', id, dest], env)).code).toBe(0);
    expect(await notebookText(join(dest, 'output.ipynb'))).toContain('first cell done');
  });

  it.each([
    ['a container named worker', { Master: { replicas: 1, template: { spec: { containers: [{ name: 'worker', image: 'x' }] } } } }, /container named 'pytorch'/],
    ['two Masters', { Master: { replicas: 2, template: { spec: { containers: [{ name: 'pytorch', image: 'x' }] } } } }, /Master.replicas must be 1/],
    ['a replica count as a string', { Master: { replicas: '1', template: { spec: { containers: [{ name: 'pytorch', image: 'x' }] } } } }, /replicas must be integer/],
  ])('answers 422 to a PyTorchJob with %s (the validation is not a no-op)', async (_what, specs, message) => {
    const res = await fetch(`${k8s.url}/apis/kubeflow.org/v1/namespaces/training/pytorchjobs`, {
      method: 'POST',
      headers: { authorization: 'Bearer k8s-token', 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'bad' }, spec: { pytorchReplicaSpecs: specs } }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
  });
});
