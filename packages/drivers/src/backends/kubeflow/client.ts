/**
 * A small Kubeflow Pipelines v2beta1 REST client (runs, pipeline upload) over fetch, with
 * bearer-token auth. The token is only ever put in the Authorization header.
 */
import { BackendError } from '../../errors.js';
import { HttpError, fetchOk, parseBody } from '../../http/fetch.js';
import { apiError, once, retrySafe } from '../../http/api-errors.js';

/** v2beta1RuntimeState values. */
export type KfpRuntimeState =
  | 'RUNTIME_STATE_UNSPECIFIED' | 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'SKIPPED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'PAUSED';

/** The parts of a v2beta1Run nbrun reads. */
export interface KfpRun {
  run_id: string;
  display_name?: string;
  state?: KfpRuntimeState;
  created_at?: string;
  finished_at?: string;
  error?: { code?: number; message?: string };
  run_details?: { task_details?: { task_id?: string; display_name?: string; pod_name?: string; state?: KfpRuntimeState; start_time?: string; end_time?: string; child_tasks?: { pod_name?: string }[] }[] };
}

/**
 * Talks to a KFP API server (`https://kubeflow.example.com/pipeline`, or `http://ml-pipeline-ui.kubeflow:80`).
 * @example const kfp = new KfpClient('http://localhost:8888', process.env.KFP_TOKEN); await kfp.getRun(id)
 */
export class KfpClient {
  private readonly base: string;
  constructor(host: string, private readonly token?: string) {
    this.base = host.replace(/\/+$/, '');
  }

  private async request(method: string, path: string, body?: string | FormData, contentType?: string): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (contentType) headers['content-type'] = contentType;
    const res = await fetchOk('kubeflow', `the Kubeflow Pipelines API at ${this.base}`, this.base + path, { method, headers, body });
    const text = await res.text();
    // Kubeflow behind Dex/oauth2-proxy answers an unauthenticated call with its login page.
    if (res.ok && /text\/html/.test(res.headers.get('content-type') ?? '')) {
      throw new BackendError('kubeflow', `${this.base} answered ${method} ${path.split('?')[0]} with an HTML page (a login page?): give the KFP API URL and a token (kfpTokenEnv)`, res.status, { code: 'E_BACKEND_AUTH', hint: { option: 'kfpTokenEnv' } });
    }
    return parseBody(text);
  }

  /** POST /apis/v2beta1/runs (not retried: it would start a second run). */
  createRun(run: Record<string, unknown>): Promise<KfpRun> {
    return once(() => this.request('POST', '/apis/v2beta1/runs', JSON.stringify(run), 'application/json'), 'kubeflow', `creating run '${String(run.display_name)}' at ${this.base}`) as Promise<KfpRun>;
  }

  /** GET /apis/v2beta1/runs/{id}, retried on 5xx. */
  getRun(runId: string): Promise<KfpRun> {
    return retrySafe(() => this.request('GET', `/apis/v2beta1/runs/${encodeURIComponent(runId)}`), 'kubeflow', `reading run ${runId}`) as Promise<KfpRun>;
  }

  /** POST /apis/v2beta1/runs/{id}:terminate. */
  async terminateRun(runId: string): Promise<void> {
    await once(() => this.request('POST', `/apis/v2beta1/runs/${encodeURIComponent(runId)}:terminate`), 'kubeflow', `terminating run ${runId}`);
  }

  /** DELETE /apis/v2beta1/runs/{id}. */
  async deleteRun(runId: string): Promise<void> {
    await once(() => this.request('DELETE', `/apis/v2beta1/runs/${encodeURIComponent(runId)}`), 'kubeflow', `deleting run ${runId}`);
  }

  /** POST /apis/v2beta1/pipelines/upload (multipart `uploadfile`): returns the pipeline id. */
  async uploadPipeline(name: string, yaml: string, description?: string): Promise<string> {
    const form = new FormData();
    form.append('uploadfile', new Blob([yaml], { type: 'application/x-yaml' }), `${name}.yaml`);
    const query = new URLSearchParams({ name, display_name: name });
    if (description) query.set('description', description);
    const res = (await once(() => this.request('POST', `/apis/v2beta1/pipelines/upload?${query}`, form), 'kubeflow', `uploading pipeline '${name}'`)) as { pipeline_id?: string };
    if (!res?.pipeline_id) throw apiError('kubeflow', new HttpError(502, 'no pipeline_id in the upload response'), `uploading pipeline '${name}'`);
    return res.pipeline_id;
  }
}
