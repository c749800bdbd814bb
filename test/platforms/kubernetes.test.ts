/**
 * `nbrun submit --driver kubernetes` end to end against the fake Kubernetes API server:
 * every Job body validated against the official swagger, the pod really runs the runner,
 * which fetches the bundle from the loopback S3 server and uploads the results there.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { S3Store } from '@nbrun/drivers/store';
import { FakeKubernetes } from './kubernetes-server.js';
import { BUCKET, FIXTURES, notebookText, startWorld, validatedBodies, type PlatformWorld } from './world.js';

let world: PlatformWorld;
let k8s: FakeKubernetes;
let kubeconfig: string;
let flags: string[];

beforeAll(async () => {
  world = await startWorld();
  k8s = new FakeKubernetes({
    token: 'k8s-token-1234',
    secrets: { ml: { 's3-creds': { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } } },
    gpuQuota: 1,
  });
  await k8s.start();
  kubeconfig = k8s.writeKubeconfig(join(world.work, 'kubeconfig'));
  flags = [
    '--driver', 'kubernetes', '--namespace', 'ml', '--store', `s3://${BUCKET}/k8s`, '--s3-endpoint', world.s3.endpoint,
    '--store-secret', 's3-creds', '--image', 'ghcr.io/example/nbrun-runner:0.1',
  ];
});

// A fault belongs to the test that injected it: never to the next one.
afterEach(() => {
  expect(k8s?.http.reset() ?? [], 'faults this test injected but no request consumed').toEqual([]);
});

afterAll(async () => {
  await k8s?.stop();
  await world?.stop();
});

const jobPosts = () => validatedBodies(k8s.http, 'POST', /\/jobs$/);

describe('nbrun submit --driver kubernetes', () => {
  it('runs the notebook as a batch/v1 Job and brings the executed notebook back', async () => {
    // One 500 on a status read: a GET is retried, the run goes on.
    k8s.http.inject({ method: 'GET', path: /\/jobs\/[^/]+\/status$/, status: 500, body: { kind: 'Status', code: 500, message: 'etcdserver: request timed out' }, times: 1 });
    const out = join(world.work, 'k8s.out.ipynb');
    const r = await world.nbrun(
      [
        'submit', join(FIXTURES, 'shouts-greeting.ipynb'), ...flags, '--deps', 'helper.py', '-p', 'greeting', 'from kubernetes',
        '--cpus', '1.5', '--memory', '1g', '--gpus', '1', '--node-selector', 'gpu=a100', '--toleration', 'nvidia.com/gpu:NoSchedule',
        '--service-account', 'notebooks', '--active-deadline', '600', '--ttl-after-finished', '3600', '--backoff-limit', '0',
        '--log-output', '--wait', '--output', out,
      ],
      { KUBECONFIG: kubeconfig },
    );
    expect(r.stderr).toContain(`wrote ${out}`);
    expect(r.code).toBe(0);
    expect(await notebookText(out)).toContain('FROM KUBERNETES!');
    const id = r.stdout.trim();

    const posts = jobPosts().filter((p) => (p.body as { metadata: { name: string } }).metadata.name === id);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.problems).toEqual([]);
    const job = posts[0]!.body as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const pod = job.spec.template.spec;
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600 });
    expect(pod).toMatchObject({ restartPolicy: 'Never', serviceAccountName: 'notebooks', nodeSelector: { gpu: 'a100' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(pod.containers[0].resources.limits).toEqual({ cpu: '1.5', memory: String(2 ** 30), 'nvidia.com/gpu': '1' });
    // No command: the image's ENTRYPOINT is the runner.
    expect(pod.containers[0].command).toBeUndefined();
    expect(pod.containers[0].args).toEqual(['--input', `s3://${BUCKET}/k8s/${id}/bundle.zip`, '--results', `s3://${BUCKET}/k8s/${id}/results`]);
    // The store's credentials reach the pod by reference only.
    expect(pod.containers[0].env).toContainEqual({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 's3-creds', key: 'AWS_SECRET_ACCESS_KEY' } } });
    expect(JSON.stringify(job)).not.toContain('S3RVER');
    expect(k8s.podsWith('ml', { 'batch.kubernetes.io/job-name': id })[0]!.env).toMatchObject({ AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    // The retried status read.
    expect(k8s.http.requests.some((q) => q.status === 500 && q.method === 'GET')).toBe(true);

    const status = await world.nbrun(['status', id], { KUBECONFIG: kubeconfig });
    expect(status.stdout).toMatch(new RegExp(`^${id}  succeeded  exit 0`));
    const logs = await world.nbrun(['logs', id], { KUBECONFIG: kubeconfig });
    expect(logs.stdout).toContain('FROM KUBERNETES!');
    const fetched = await world.nbrun(['fetch', id, join(world.work, 'fetched-k8s')], { KUBECONFIG: kubeconfig });
    expect(fetched.code).toBe(0);
    // Every request nbrun sent (create, status reads, pod lists, log follows, delete) matched the swagger.
    const sent = k8s.http.requests.filter((q) => q.validated);
    expect(new Set(sent.map((q) => `${q.method} ${q.path.replace(id, 'ID').replace(/pods\/ID-[a-z0-9]+/, 'pods/POD')}`))).toEqual(
      new Set(['POST /apis/batch/v1/namespaces/ml/jobs', 'GET /apis/batch/v1/namespaces/ml/jobs/ID/status', 'GET /api/v1/namespaces/ml/pods', 'GET /api/v1/namespaces/ml/pods/POD/log']),
    );
    expect(sent.filter((q) => q.problems.length)).toEqual([]);
    // --wait followed the pod's log while it ran.
    expect(r.stderr).toContain('FROM KUBERNETES!');

    // rm: the Job goes (with Background propagation) and so do the job's objects in the store.
    const store = new S3Store({ url: `s3://${BUCKET}/k8s`, endpoint: world.s3.endpoint, env: world.env });
    expect(await store.list(id)).toEqual([`${id}/bundle.zip`, `${id}/results/output.ipynb`, `${id}/results/status.json`]);
    expect((await world.nbrun(['rm', id], { KUBECONFIG: kubeconfig })).code).toBe(0);
    expect(k8s.jobs.has(`ml/${id}`)).toBe(false);
    expect(k8s.http.requests.filter((q) => q.method === 'DELETE' && q.path.endsWith(`/jobs/${id}`)).map((q) => q.query.get('propagationPolicy'))).toEqual(['Background']);
    expect(await store.list(id)).toEqual([]);
    store.close();
  });

  it('reports a failing notebook with its error, and the failed notebook comes back', async () => {
    const out = join(world.work, 'k8s-fails.out.ipynb');
    const r = await world.nbrun(['submit', join(FIXTURES, 'raises-error.ipynb'), ...flags, '--wait', '--output', out], { KUBECONFIG: kubeconfig });
    expect(r.code).toBe(EXIT_CODES.cellError);
    expect(r.stderr).toMatch(/failed/);
    expect(await notebookText(out)).toContain('ValueError: broken on purpose');
  });

  it('cancels a running Job (Background propagation): the runner saves the partial notebook', async () => {
    const r = await world.nbrun(['submit', join(FIXTURES, 'sleeps-after-first-cell.ipynb'), ...flags, '--log-output'], { KUBECONFIG: kubeconfig });
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const pod = k8s.podsWith('ml', { 'batch.kubernetes.io/job-name': id })[0];
      if (pod?.run && (await pod.run.log()).includes('first cell done')) break;
      if (Date.now() > deadline) throw new Error('the first cell never ran');
      await new Promise((res) => setTimeout(res, 200));
    }
    const cancelled = await world.nbrun(['cancel', id], { KUBECONFIG: kubeconfig });
    expect(cancelled.code).toBe(0);
    const del = k8s.http.requests.find((q) => q.method === 'DELETE' && q.path.endsWith(`/jobs/${id}`))!;
    expect(del.query.get('propagationPolicy')).toBe('Background');
    expect(k8s.podsWith('ml', { 'batch.kubernetes.io/job-name': id })).toEqual([]);
    const status = await world.nbrun(['status', id], { KUBECONFIG: kubeconfig });
    expect(status.stdout).toMatch(new RegExp(`^${id}  cancelled`));
    const dest = join(world.work, 'k8s-cancelled');
    expect((await world.nbrun(['fetch', id, dest], { KUBECONFIG: kubeconfig })).code).toBe(0);
    const text = await notebookText(join(dest, 'output.ipynb'));
    expect(text).toContain('first cell done');
    expect(text).not.toContain('never printed');
  });

  it.each([
    ['a wrong token', { token: 'wrong-token' }, 401, /not authorized \(HTTP 401/],
    ['a GPU quota exceeded', { gpus: '2' }, 403, /quota exceeded.*exceeded quota: gpu-quota/],
    ['a 500 on create (not retried)', { fail: true }, 500, /HTTP 500: etcd is down/],
  ])('refuses the job on %s with one clear line', async (_what, how: { token?: string; gpus?: string; fail?: boolean }, status, message) => {
    const config = how.token ? k8s.writeKubeconfig(join(world.work, 'kubeconfig-wrong'), how.token) : kubeconfig;
    if (how.fail) k8s.http.inject({ method: 'POST', path: /\/jobs$/, status: 500, body: { kind: 'Status', code: 500, message: 'etcd is down' }, times: 1 });
    const before = k8s.http.requests.length;
    const r = await world.nbrun(
      ['submit', join(FIXTURES, 'shouts-greeting.ipynb'), ...flags, '--deps', 'helper.py', ...(how.gpus ? ['--gpus', how.gpus] : [])],
      { KUBECONFIG: config },
    );
    expect(r.code).toBe(EXIT_CODES.backend);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('k8s-token-1234');
    expect(r.stderr).not.toContain('wrong-token');
    const posts = k8s.http.requests.slice(before).filter((q) => q.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.status).toBe(status);
  });

  it('answers 400 to a request whose query does not match the swagger (the validation is not a no-op)', async () => {
    const res = await fetch(`${k8s.url}/api/v1/namespaces/ml/pods?labelSelector=a%3Db&follow=yes`, { headers: { authorization: 'Bearer k8s-token-1234' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/query parameter 'follow' is not in the spec of GET \/api\/v1\/namespaces\/\{namespace\}\/pods/);
  });

  it.each([
    ['a container without a name', (c: Record<string, unknown>) => delete c.name, /containers\/0 must have required property 'name'/],
    ['a misspelt field', (c: Record<string, unknown>) => (c.imagePullPolicyy = 'Always'), /must NOT have additional properties 'imagePullPolicyy'/],
  ])('answers 422 to a Job with %s (the validation is not a no-op)', async (_what, spoil, message) => {
    const container: Record<string, unknown> = { name: 'nbrun', image: 'x' };
    spoil(container);
    const body = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'bad' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } };
    const res = await fetch(`${k8s.url}/apis/batch/v1/namespaces/ml/jobs`, {
      method: 'POST',
      headers: { authorization: 'Bearer k8s-token-1234', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(422);
    const status = (await res.json()) as { reason: string; message: string };
    expect(status.reason).toBe('Invalid');
    expect(status.message).toMatch(message);
  });
});
