/**
 * A protocol-faithful fake Kubernetes API server (batch/v1 Jobs, core/v1 Pods and logs,
 * the PyTorchJob custom resource). Every body is validated against the official specs
 * (422 Invalid with the problems otherwise), bearer-token auth is enforced (401), Jobs
 * and PyTorchJobs move through their real condition sequences, and each pod REALLY runs
 * its container's command (see container.ts). Pod logs are served like the kubelet:
 * 400 while the container waits to start, streamed with `follow=true`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHttpServer, readJsonBody, sendJson, type RecordedRequest } from './http.js';
import { runContainer, type ContainerRun } from './container.js';
import {
  checkSwaggerRequest, KUBERNETES_SWAGGER, PYTORCHJOB_RESOURCE, validateDeleteOptions, validateKubernetesJob, validatePyTorchJob,
} from './spec-validator.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  resources?: { limits?: Record<string, string> };
}

/** A pod of the fake cluster. */
export interface FakePod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  createdAt: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  container: ContainerSpec;
  /** The env the container really got (secrets resolved), for assertions. */
  env?: Record<string, string>;
  waitingReason?: string;
  run?: ContainerRun;
  terminationGraceSeconds: number;
  /** Set when the pod was deleted while running (orphans are not). */
  deleted?: boolean;
}

const STATUS = (code: number, reason: string, message: string, details?: unknown) => ({
  kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}),
});

/** Options of the fake cluster. */
export interface FakeKubernetesOptions {
  /** The bearer token every request must carry. */
  token: string;
  /** Secrets that exist in the cluster: namespace → name → key → value. */
  secrets?: Record<string, Record<string, Record<string, string>>>;
  /** GPUs the namespace's ResourceQuota allows in total (403 "exceeded quota" beyond). */
  gpuQuota?: number;
  /** Milliseconds a pod stays Pending before its container starts. */
  pendingMs?: number;
}

/**
 * The fake cluster.
 * @example const k8s = new FakeKubernetes({ token: 't' }); await k8s.start(); k8s.writeKubeconfig(file)
 */
export class FakeKubernetes {
  readonly http = new FakeHttpServer((req, res, url, record) => this.handle(req, res, url, record));
  readonly jobs = new Map<string, Json>();
  readonly pytorchJobs = new Map<string, Json>();
  readonly pods = new Map<string, FakePod>();
  private readonly work = mkdtempSync(join(tmpdir(), 'nbrun-fake-k8s-'));
  private gpusInUse = 0;

  constructor(readonly options: FakeKubernetesOptions) {}

  get url(): string {
    return this.http.url;
  }
  start(): Promise<string> {
    return this.http.start();
  }
  async stop(): Promise<void> {
    await Promise.all([...this.pods.values()].map((p) => p.run?.terminate(0)));
    await this.http.stop();
  }

  /**
   * Writes a kubeconfig pointing at this server with a bearer token.
   * @example k8s.writeKubeconfig('/tmp/kubeconfig', 'wrong') // a user with a wrong token
   */
  writeKubeconfig(path: string, token = this.options.token, namespace = 'default'): string {
    const yaml = `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${this.url}
    # Plain HTTP on loopback: the client refuses to send a token over it otherwise.
    insecure-skip-tls-verify: true
users:
- name: nbrun
  user:
    token: ${token}
contexts:
- name: fake
  context:
    cluster: fake
    user: nbrun
    namespace: ${namespace}
current-context: fake
`;
    writeFileSync(path, yaml);
    return path;
  }

  /** Every pod with all the given labels. */
  podsWith(namespace: string, labels: Record<string, string>): FakePod[] {
    return [...this.pods.values()].filter((p) => p.namespace === namespace && Object.entries(labels).every(([k, v]) => p.labels[k] === v));
  }

  // ── pods ──────────────────────────────────────────────────────────────────

  /**
   * Schedules a pod: Pending for a moment, then its container runs with its env
   * (secretKeyRef resolved from the cluster's secrets). `onExit` sees the exit code.
   */
  startPod(namespace: string, name: string, labels: Record<string, string>, container: ContainerSpec, podSpec: Json, onExit: (pod: FakePod) => void, extraEnv: Record<string, string> = {}): FakePod {
    const pod: FakePod = {
      name, namespace, labels, container, phase: 'Pending', createdAt: new Date().toISOString(), waitingReason: 'ContainerCreating',
      terminationGraceSeconds: podSpec.terminationGracePeriodSeconds ?? 30,
    };
    this.pods.set(`${namespace}/${name}`, pod);
    setTimeout(() => {
      if (pod.deleted) return;
      const env: Record<string, string> = { ...extraEnv, HOSTNAME: name };
      for (const e of container.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.secretKeyRef) {
          const { name: secret, key } = e.valueFrom.secretKeyRef;
          const value = this.options.secrets?.[namespace]?.[secret]?.[key];
          if (value === undefined) {
            pod.waitingReason = 'CreateContainerConfigError';
            return;
          }
          env[e.name] = value;
        }
      }
      pod.env = env;
      const dir = join(this.work, `${namespace}-${name}`);
      mkdirSync(dir, { recursive: true });
      // Every image of the fake cluster has the runner as its ENTRYPOINT (like examples/docker).
      pod.run = runContainer({ command: container.command ?? ['nbrun-runner'], args: container.args, env, cwd: dir, logFile: join(dir, 'container.log') });
      pod.phase = 'Running';
      pod.waitingReason = undefined;
      void pod.run.exited.then((code) => {
        pod.phase = code === 0 ? 'Succeeded' : 'Failed';
        onExit(pod);
        if (pod.deleted) this.pods.delete(`${namespace}/${name}`);
      });
    }, this.options.pendingMs ?? 300);
    return pod;
  }

  /** Deletes a pod like the kubelet: SIGTERM, SIGKILL after the grace period, then gone. */
  deletePod(pod: FakePod): void {
    pod.deleted = true;
    if (pod.run && pod.run.exitCode === undefined) void pod.run.terminate(pod.terminationGraceSeconds * 1000);
    else this.pods.delete(`${pod.namespace}/${pod.name}`);
  }

  private podJson(p: FakePod): Json {
    const state = p.phase === 'Pending'
      ? { waiting: { reason: p.waitingReason } }
      : p.run?.exitCode === undefined
        ? { running: { startedAt: p.run?.startedAt } }
        : { terminated: { exitCode: p.run.exitCode, startedAt: p.run.startedAt, finishedAt: p.run.finishedAt, reason: p.run.exitCode === 0 ? 'Completed' : 'Error' } };
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, labels: p.labels, creationTimestamp: p.createdAt, ...(p.deleted ? { deletionTimestamp: new Date().toISOString() } : {}) },
      spec: { containers: [p.container] },
      status: { phase: p.phase, containerStatuses: [{ name: p.container.name, image: p.container.image, ready: p.phase === 'Running', restartCount: 0, state }] },
    };
  }

  // ── requests ──────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse, url: URL, record: RecordedRequest): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.options.token}`) return sendJson(res, 401, STATUS(401, 'Unauthorized', 'Unauthorized'));
    const crdPath = url.pathname.startsWith(`/apis/${PYTORCHJOB_RESOURCE.group}/`);
    if (!crdPath) {
      // Every core/batch request against the swagger: operation, query parameters and their types.
      record.validated = true;
      record.problems = checkSwaggerRequest(KUBERNETES_SWAGGER, req.method ?? 'GET', url.pathname, url.searchParams);
      if (record.problems.length) return sendJson(res, 400, STATUS(400, 'BadRequest', record.problems.join('; ')));
    }
    const m = (re: RegExp) => re.exec(url.pathname);
    let g: RegExpExecArray | null;
    if ((g = m(/^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/)) && req.method === 'POST') return this.createJob(req, res, g[1]!, record);
    if ((g = m(/^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)(\/status)?$/))) {
      const key = `${g[1]}/${g[2]}`;
      if (req.method === 'GET') {
        const job = this.jobs.get(key);
        return job ? sendJson(res, 200, job) : sendJson(res, 404, STATUS(404, 'NotFound', `jobs.batch "${g[2]}" not found`));
      }
      if (req.method === 'DELETE' && !g[3]) return this.deleteJob(req, res, url, g[1]!, g[2]!, record);
    }
    if ((g = m(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/)) && req.method === 'GET') {
      const selector = Object.fromEntries((url.searchParams.get('labelSelector') ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
      return sendJson(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: {}, items: this.podsWith(g[1]!, selector).map((p) => this.podJson(p)) });
    }
    if ((g = m(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/)) && req.method === 'GET') return this.podLog(res, url, g[1]!, g[2]!);
    if ((g = m(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/)) && req.method === 'GET') {
      const pod = this.pods.get(`${g[1]}/${g[2]}`);
      return pod ? sendJson(res, 200, this.podJson(pod)) : sendJson(res, 404, STATUS(404, 'NotFound', `pods "${g[2]}" not found`));
    }
    const crd = `/apis/${PYTORCHJOB_RESOURCE.group}/${PYTORCHJOB_RESOURCE.version}/namespaces/([^/]+)/${PYTORCHJOB_RESOURCE.plural}`;
    if ((g = m(new RegExp(`^${crd}$`))) && req.method === 'POST') return this.createPyTorchJob(req, res, g[1]!, record);
    if ((g = m(new RegExp(`^${crd}/([^/]+)(/status)?$`)))) {
      const key = `${g[1]}/${g[2]}`;
      if (req.method === 'GET') {
        const job = this.pytorchJobs.get(key);
        return job ? sendJson(res, 200, job) : sendJson(res, 404, STATUS(404, 'NotFound', `pytorchjobs.kubeflow.org "${g[2]}" not found`));
      }
      if (req.method === 'DELETE' && !g[3]) return this.deletePyTorchJob(req, res, g[1]!, g[2]!, record);
    }
    sendJson(res, 404, STATUS(404, 'NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`));
  }

  private invalid(res: ServerResponse, kind: string, name: string, problems: string[]): void {
    sendJson(res, 422, STATUS(422, 'Invalid', `${kind} "${name}" is invalid: ${problems.join('; ')}`, { name, kind, causes: problems.map((message) => ({ message })) }));
  }

  private gpusOf(containers: ContainerSpec[]): number {
    return containers.reduce((n, c) => n + Number(c.resources?.limits?.['nvidia.com/gpu'] ?? 0), 0);
  }

  private quotaExceeded(res: ServerResponse, ns: string, name: string, gpus: number): boolean {
    if (this.options.gpuQuota === undefined || this.gpusInUse + gpus <= this.options.gpuQuota) return false;
    sendJson(res, 403, STATUS(403, 'Forbidden', `jobs.batch "${name}" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=${gpus}, used: requests.nvidia.com/gpu=${this.gpusInUse}, limited: requests.nvidia.com/gpu=${this.options.gpuQuota}`));
    return true;
  }

  private async createJob(req: IncomingMessage, res: ServerResponse, ns: string, record: RecordedRequest): Promise<void> {
    const body = (await readJsonBody(req)) as Json;
    record.body = body;
    record.validated = true;
    record.problems = validateKubernetesJob(body);
    const name = body?.metadata?.name ?? '';
    if (record.problems.length) return this.invalid(res, 'Job.batch', name, record.problems);
    if (body.metadata.namespace && body.metadata.namespace !== ns) return sendJson(res, 400, STATUS(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
    const key = `${ns}/${name}`;
    if (this.jobs.has(key)) return sendJson(res, 409, STATUS(409, 'AlreadyExists', `jobs.batch "${name}" already exists`));
    const template = body.spec.template;
    const gpus = this.gpusOf(template.spec.containers);
    if (this.quotaExceeded(res, ns, name, gpus)) return;
    this.gpusInUse += gpus;
    const job: Json = {
      ...body,
      metadata: { ...body.metadata, namespace: ns, uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString(), labels: { ...body.metadata.labels, 'batch.kubernetes.io/job-name': name, 'job-name': name } },
      status: { active: 1, ready: 0, startTime: new Date().toISOString() },
    };
    this.jobs.set(key, job);
    const backoffLimit = body.spec.backoffLimit ?? 6;
    let failures = 0;
    let deadline: NodeJS.Timeout | undefined;
    const finish = (type: 'Complete' | 'Failed', reason?: string, message?: string) => {
      clearTimeout(deadline);
      this.gpusInUse -= gpus;
      const now = new Date().toISOString();
      job.status.active = 0;
      job.status.ready = 0;
      const conditions = type === 'Complete'
        ? [{ type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: now }, { type: 'Complete', status: 'True', lastTransitionTime: now }]
        : [{ type: 'FailureTarget', status: 'True', reason, lastTransitionTime: now }, { type: 'Failed', status: 'True', reason, message, lastTransitionTime: now }];
      job.status.conditions = conditions;
      if (type === 'Complete') job.status.completionTime = now;
      const ttl = body.spec.ttlSecondsAfterFinished;
      if (ttl !== undefined) setTimeout(() => this.removeJob(ns, name, true), ttl * 1000);
    };
    const startAttempt = () => {
      const podName = `${name}-${Math.random().toString(36).slice(2, 7)}`;
      const labels = { ...(template.metadata?.labels ?? {}), 'batch.kubernetes.io/job-name': name, 'job-name': name, 'controller-uid': job.metadata.uid };
      const pod = this.startPod(ns, podName, labels, template.spec.containers[0], template.spec, (p) => {
        if (!this.jobs.has(key) || job.status.conditions) return;
        if (p.run!.exitCode === 0) {
          job.status.succeeded = 1;
          finish('Complete');
        } else {
          job.status.failed = ++failures;
          if (failures > backoffLimit) finish('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
          else startAttempt();
        }
      });
      const ready = setInterval(() => {
        if (pod.phase !== 'Pending') {
          clearInterval(ready);
          if (!job.status.conditions) job.status.ready = pod.phase === 'Running' ? 1 : 0;
        }
      }, 50);
    };
    startAttempt();
    if (body.spec.activeDeadlineSeconds) {
      deadline = setTimeout(() => {
        for (const p of this.podsWith(ns, { 'batch.kubernetes.io/job-name': name })) this.deletePod(p);
        finish('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline');
      }, body.spec.activeDeadlineSeconds * 1000);
    }
    sendJson(res, 201, job);
  }

  private removeJob(ns: string, name: string, cascade: boolean): void {
    const job = this.jobs.get(`${ns}/${name}`);
    if (!job) return;
    this.jobs.delete(`${ns}/${name}`);
    if (job.status.active) this.gpusInUse -= this.gpusOf(job.spec.template.spec.containers);
    // Without a propagation policy the pods are orphaned: they keep running (a real REST pitfall).
    if (cascade) for (const p of this.podsWith(ns, { 'batch.kubernetes.io/job-name': name })) this.deletePod(p);
  }

  private async deleteJob(req: IncomingMessage, res: ServerResponse, url: URL, ns: string, name: string, record: RecordedRequest): Promise<void> {
    const body = (await readJsonBody(req)) as Json | undefined;
    if (body !== undefined) {
      record.body = body;
      record.validated = true;
      record.problems = validateDeleteOptions(body);
      if (record.problems.length) return this.invalid(res, 'DeleteOptions', name, record.problems);
    }
    if (!this.jobs.has(`${ns}/${name}`)) return sendJson(res, 404, STATUS(404, 'NotFound', `jobs.batch "${name}" not found`));
    const policy = url.searchParams.get('propagationPolicy') ?? body?.propagationPolicy;
    this.removeJob(ns, name, policy === 'Background' || policy === 'Foreground');
    sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: 'batch', kind: 'jobs' } });
  }

  private async podLog(res: ServerResponse, url: URL, ns: string, name: string): Promise<void> {
    const pod = this.pods.get(`${ns}/${name}`);
    if (!pod) return sendJson(res, 404, STATUS(404, 'NotFound', `pods "${name}" not found`));
    const container = url.searchParams.get('container') ?? pod.container.name;
    if (container !== pod.container.name) return sendJson(res, 400, STATUS(400, 'BadRequest', `container ${container} is not valid for pod ${name}`));
    if (!pod.run) return sendJson(res, 400, STATUS(400, 'BadRequest', `container "${container}" in pod "${name}" is waiting to start: ${pod.waitingReason}`));
    res.writeHead(200, { 'content-type': 'text/plain' });
    const follow = url.searchParams.get('follow') === 'true';
    let offset = 0;
    const handle = await open(pod.run.logFile, 'r');
    try {
      for (;;) {
        const done = pod.run.exitCode !== undefined;
        const { size } = await handle.stat();
        if (size > offset) {
          const buf = Buffer.alloc(size - offset);
          await handle.read(buf, 0, buf.length, offset);
          offset = size;
          res.write(buf);
        }
        if (!follow || done || res.destroyed) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await handle.close();
    }
    res.end();
  }

  // ── PyTorchJob (the Training Operator) ───────────────────────────────────

  private async createPyTorchJob(req: IncomingMessage, res: ServerResponse, ns: string, record: RecordedRequest): Promise<void> {
    const body = (await readJsonBody(req)) as Json;
    record.body = body;
    record.validated = true;
    record.problems = validatePyTorchJob(body);
    const name = body?.metadata?.name ?? '';
    if (record.problems.length) return this.invalid(res, 'PyTorchJob.kubeflow.org', name, record.problems);
    const key = `${ns}/${name}`;
    if (this.pytorchJobs.has(key)) return sendJson(res, 409, STATUS(409, 'AlreadyExists', `pytorchjobs.kubeflow.org "${name}" already exists`));
    const now = () => new Date().toISOString();
    const job: Json = {
      ...body,
      metadata: { ...body.metadata, namespace: ns, uid: crypto.randomUUID(), creationTimestamp: now() },
      status: { conditions: [{ type: 'Created', status: 'True', reason: 'PyTorchJobCreated', message: `PyTorchJob ${name} is created.`, lastUpdateTime: now(), lastTransitionTime: now() }], replicaStatuses: {}, startTime: now() },
    };
    this.pytorchJobs.set(key, job);
    const setCondition = (type: string, reason: string, message: string) => {
      for (const c of job.status.conditions) if (c.type === 'Running' && type !== 'Running') c.status = 'False';
      job.status.conditions.push({ type, status: 'True', reason, message, lastUpdateTime: now(), lastTransitionTime: now() });
    };
    const specs = body.spec.pytorchReplicaSpecs as Record<string, Json>;
    const workers = specs.Worker?.replicas ?? 0;
    const world = 1 + workers;
    for (const [type, spec] of Object.entries(specs)) {
      const replicas = spec.replicas ?? 1;
      job.status.replicaStatuses[type] = { active: 0, succeeded: 0, failed: 0 };
      for (let i = 0; i < replicas; i++) {
        const podName = `${name}-${type.toLowerCase()}-${i}`;
        const labels = {
          ...(spec.template.metadata?.labels ?? {}),
          'training.kubeflow.org/job-name': name,
          'training.kubeflow.org/operator-name': 'pytorchjob-controller',
          'training.kubeflow.org/replica-type': type.toLowerCase(),
          'training.kubeflow.org/replica-index': String(i),
          ...(type === 'Master' ? { 'training.kubeflow.org/job-role': 'master' } : {}),
        };
        const container = (spec.template.spec.containers as ContainerSpec[]).find((c) => c.name === 'pytorch')!;
        // What the operator injects for torch.distributed.
        const rank = type === 'Master' ? 0 : i + 1;
        const env = { MASTER_ADDR: 'localhost', MASTER_PORT: '23456', WORLD_SIZE: String(world), RANK: String(rank), PYTHONUNBUFFERED: '1' };
        job.status.replicaStatuses[type].active++;
        this.startPod(ns, podName, labels, container, spec.template.spec, (p) => {
          const rs = job.status.replicaStatuses[type];
          rs.active--;
          if (p.run!.exitCode === 0) rs.succeeded++;
          else rs.failed++;
          const finished = job.status.conditions.some((c: Json) => ['Succeeded', 'Failed'].includes(c.type));
          if (type !== 'Master' || finished || !this.pytorchJobs.has(key)) return;
          job.status.completionTime = now();
          if (p.run!.exitCode === 0) setCondition('Succeeded', 'PyTorchJobSucceeded', `PyTorchJob ${name} is successfully completed.`);
          else setCondition('Failed', 'PyTorchJobFailed', `PyTorchJob ${name} is failed because 1 Master replica(s) failed.`);
          // cleanPodPolicy (default None in v1) decides whether the other pods go.
          if (body.spec.runPolicy?.cleanPodPolicy === 'All' || body.spec.runPolicy?.cleanPodPolicy === 'Running') {
            for (const other of this.podsWith(ns, { 'training.kubeflow.org/job-name': name })) if (other.phase === 'Running') this.deletePod(other);
          }
        }, env);
      }
    }
    setTimeout(() => {
      if (this.pytorchJobs.has(key) && job.status.conditions.length === 1) setCondition('Running', 'PyTorchJobRunning', `PyTorchJob ${name} is running.`);
    }, (this.options.pendingMs ?? 300) + 50);
    sendJson(res, 201, job);
  }

  private async deletePyTorchJob(req: IncomingMessage, res: ServerResponse, ns: string, name: string, record: RecordedRequest): Promise<void> {
    const body = (await readJsonBody(req)) as Json | undefined;
    if (body !== undefined) {
      record.body = body;
      record.validated = true;
      record.problems = validateDeleteOptions(body);
      if (record.problems.length) return this.invalid(res, 'DeleteOptions', name, record.problems);
    }
    if (!this.pytorchJobs.delete(`${ns}/${name}`)) return sendJson(res, 404, STATUS(404, 'NotFound', `pytorchjobs.kubeflow.org "${name}" not found`));
    // The pods are owned by the PyTorchJob: the garbage collector deletes them.
    for (const p of this.podsWith(ns, { 'training.kubeflow.org/job-name': name })) this.deletePod(p);
    sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: 'kubeflow.org', kind: 'pytorchjobs' } });
  }
}
