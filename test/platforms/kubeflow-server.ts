/**
 * A protocol-faithful fake Kubeflow Pipelines v2beta1 API server. Run bodies are
 * validated against the run swagger (v2beta1Run) and their pipeline spec against the IR
 * structure of the compiled example (no JSON Schema of the IR exists in the contracts);
 * uploads against the upload swagger. Bearer-token auth (401 otherwise). A run moves
 * PENDING → RUNNING → SUCCEEDED/FAILED (or CANCELING → CANCELED on terminate); its one
 * executor pod runs in the fake Kubernetes cluster (so logs come through the pod-log API,
 * as on a real cluster), named in `run_details.task_details[].pod_name`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { FakeHttpServer, readJsonBody, readMultipart, sendJson, type RecordedRequest } from './http.js';
import type { FakeKubernetes, FakePod } from './kubernetes-server.js';
import {
  checkOperationParameters, checkSwaggerRequest, KFP_RUN_SWAGGER, KFP_UPLOAD_SWAGGER, splitPipelineSpec, validateKfpRun, validatePipelineSpec, validatePlatformSpec,
} from './spec-validator.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A gRPC-gateway error body (google.rpc.Status). */
const RPC = (code: number, message: string) => ({ code, message, details: [] });

/**
 * The fake KFP API.
 * @example const kfp = new FakeKubeflowPipelines({ token: 't', cluster: k8s }); await kfp.start();
 */
export class FakeKubeflowPipelines {
  readonly http = new FakeHttpServer((req, res, url, record) => this.handle(req, res, url, record));
  readonly runs = new Map<string, Json>();
  readonly pipelines = new Map<string, { pipelineSpec: Json; platformSpec?: Json; name: string }>();
  private readonly pods = new Map<string, FakePod>();

  constructor(readonly options: { token: string; cluster: FakeKubernetes; namespace?: string }) {}

  get url(): string {
    return this.http.url;
  }
  start(): Promise<string> {
    return this.http.start();
  }
  stop(): Promise<void> {
    return this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, url: URL, record: RecordedRequest): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.options.token}`) return sendJson(res, 401, RPC(16, 'Unauthenticated: Request header error: there is no user identity header.'));
    let g: RegExpExecArray | null;
    if (url.pathname === '/apis/v2beta1/runs' && req.method === 'POST') return this.createRun(req, res, url, record);
    if (url.pathname === '/apis/v2beta1/pipelines/upload' && req.method === 'POST') return this.upload(req, res, url, record);
    if ((g = /^\/apis\/v2beta1\/runs\/([^/:]+)(:terminate)?$/.exec(url.pathname))) {
      record.validated = true;
      record.problems = checkSwaggerRequest(KFP_RUN_SWAGGER, req.method ?? 'GET', url.pathname, url.searchParams);
      if (record.problems.length) return sendJson(res, 400, RPC(3, `Invalid input error: ${record.problems.join('; ')}`));
      const run = this.runs.get(g[1]!);
      if (!run) return sendJson(res, 404, RPC(5, `Failed to get run: Run ${g[1]} not found`));
      if (req.method === 'GET' && !g[2]) return sendJson(res, 200, run);
      if (req.method === 'POST' && g[2]) return this.terminate(res, run);
      if (req.method === 'DELETE' && !g[2]) {
        this.runs.delete(g[1]!);
        return sendJson(res, 200, {});
      }
    }
    sendJson(res, 404, RPC(5, `Not Found: ${req.method} ${url.pathname}`));
  }

  private async upload(req: IncomingMessage, res: ServerResponse, url: URL, record: RecordedRequest): Promise<void> {
    const form = await readMultipart(req);
    record.validated = true;
    record.problems = checkOperationParameters(KFP_UPLOAD_SWAGGER, 'POST', '/apis/v2beta1/pipelines/upload', url.searchParams, new Set(form.keys()));
    const file = form.get('uploadfile');
    let pipelineSpec: Json | undefined;
    let platformSpec: Json | undefined;
    if (file && typeof file !== 'string') {
      const docs = parseAllDocuments(await file.text()).map((d) => d.toJS() as Json);
      [pipelineSpec, platformSpec] = docs;
      record.body = docs;
      record.problems.push(...validatePipelineSpec(pipelineSpec));
      if (platformSpec) record.problems.push(...validatePlatformSpec(platformSpec, pipelineSpec));
    }
    if (record.problems.length) return sendJson(res, 400, RPC(3, `Invalid input error: ${record.problems.join('; ')}`));
    const name = url.searchParams.get('name') ?? url.searchParams.get('display_name') ?? pipelineSpec!.pipelineInfo.name;
    if ([...this.pipelines.values()].some((p) => p.name === name)) return sendJson(res, 409, RPC(6, `Already exist error: pipeline ${name} already exists`));
    const id = randomUUID();
    this.pipelines.set(id, { pipelineSpec: pipelineSpec!, platformSpec, name });
    sendJson(res, 200, { pipeline_id: id, display_name: name, name, created_at: new Date().toISOString() });
  }

  private async createRun(req: IncomingMessage, res: ServerResponse, url: URL, record: RecordedRequest): Promise<void> {
    const body = (await readJsonBody(req)) as Json;
    record.body = body;
    record.validated = true;
    record.problems = [...checkOperationParameters(KFP_RUN_SWAGGER, 'POST', '/apis/v2beta1/runs', url.searchParams), ...validateKfpRun(body)];
    if (record.problems.length) return sendJson(res, 400, RPC(3, `Invalid input error: ${record.problems.join('; ')}`));
    let spec: { pipelineSpec: Json; platformSpec?: Json };
    if (body.pipeline_spec) {
      const split = splitPipelineSpec(body.pipeline_spec);
      spec = { pipelineSpec: split.pipelineSpec as Json, platformSpec: split.platformSpec as Json | undefined };
    } else {
      const p = this.pipelines.get(body.pipeline_version_reference.pipeline_id);
      if (!p) return sendJson(res, 404, RPC(5, `Pipeline ${body.pipeline_version_reference.pipeline_id} not found`));
      spec = p;
    }
    const runId = randomUUID();
    const now = new Date().toISOString();
    const [taskName, task] = Object.entries(spec.pipelineSpec.root.dag.tasks as Json)[0]!;
    const executorLabel = spec.pipelineSpec.components[task.componentRef.name].executorLabel as string;
    const container = spec.pipelineSpec.deploymentSpec.executors[executorLabel].container as Json;
    const k8sExec = spec.platformSpec?.platforms?.kubernetes?.deploymentSpec?.executors?.[executorLabel] ?? {};
    const podName = `${String(body.display_name).slice(0, 40)}-${Math.random().toString(36).slice(2, 7)}-system-container-impl`;
    const taskDetail: Json = { run_id: runId, task_id: randomUUID(), display_name: taskName, create_time: now, state: 'PENDING', pod_name: podName };
    const run: Json = {
      ...body,
      run_id: runId,
      experiment_id: body.experiment_id ?? 'default-experiment',
      storage_state: 'AVAILABLE',
      created_at: now,
      scheduled_at: now,
      finished_at: '1970-01-01T00:00:00Z',
      state: 'PENDING',
      state_history: [{ update_time: now, state: 'PENDING' }],
      run_details: { task_details: [{ run_id: runId, task_id: randomUUID(), display_name: spec.pipelineSpec.pipelineInfo.name, create_time: now, state: 'RUNNING' }, taskDetail] },
    };
    this.runs.set(runId, run);
    const setState = (state: string) => {
      run.state = state;
      run.state_history.push({ update_time: new Date().toISOString(), state });
    };
    // The executor's env: the IR's plain values, and secrets as the kfp-kubernetes launcher mounts them.
    const env = [
      ...((container.env as { name: string; value: string }[] | undefined) ?? []),
      ...((k8sExec.secretAsEnv as { secretName: string; keyToEnv: { secretKey: string; envVar: string }[] }[] | undefined) ?? []).flatMap((s) =>
        s.keyToEnv.map((k) => ({ name: k.envVar, valueFrom: { secretKeyRef: { name: s.secretName, key: k.secretKey } } }))),
    ];
    const pod = this.options.cluster.startPod(
      this.options.namespace ?? 'kubeflow',
      podName,
      { 'pipeline/runid': runId, 'pipelines.kubeflow.org/v2_component': 'true' },
      { name: 'main', image: container.image, command: container.command, args: container.args, env },
      {},
      (p) => {
        taskDetail.end_time = new Date().toISOString();
        taskDetail.state = run.state === 'CANCELING' ? 'CANCELED' : p.run!.exitCode === 0 ? 'SUCCEEDED' : 'FAILED';
        run.finished_at = taskDetail.end_time;
        run.run_details.task_details[0].state = taskDetail.state;
        if (taskDetail.state === 'FAILED') run.error = { code: 2, message: `task '${taskName}' failed: the container exited with code ${p.run!.exitCode}`, details: [] };
        setState(taskDetail.state);
      },
    );
    this.pods.set(runId, pod);
    const started = setInterval(() => {
      if (pod.phase === 'Pending') return;
      clearInterval(started);
      if (run.state === 'PENDING') {
        taskDetail.state = 'RUNNING';
        taskDetail.start_time = new Date().toISOString();
        setState('RUNNING');
      }
    }, 50);
    sendJson(res, 200, run);
  }

  private terminate(res: ServerResponse, run: Json): void {
    if (['SUCCEEDED', 'FAILED', 'CANCELED', 'SKIPPED'].includes(run.state)) return sendJson(res, 400, RPC(9, `Failed to terminate run ${run.run_id}: the run is already ${run.state}`));
    run.state = 'CANCELING';
    run.state_history.push({ update_time: new Date().toISOString(), state: 'CANCELING' });
    const pod = this.pods.get(run.run_id);
    if (pod) this.options.cluster.deletePod(pod);
    // A pod that never started ends at once.
    if (pod && !pod.run) {
      run.state = 'CANCELED';
      run.state_history.push({ update_time: new Date().toISOString(), state: 'CANCELED' });
    }
    sendJson(res, 200, {});
  }
}
