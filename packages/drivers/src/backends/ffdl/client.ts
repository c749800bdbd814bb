/**
 * A small FfDL REST client (`/v1/models…`, `/v1/logs…`): every call carries
 * `version=2017-02-13`, the `X-Watson-Userinfo: bluemix-instance-id=<user>` header and
 * basic auth, as FfDL's own CLI sends them. The password only goes in the header.
 */
import { BackendError } from '../../errors.js';
import { fetchOk } from '../../http/fetch.js';
import { once, retrySafe } from '../../http/api-errors.js';

/** The API version every FfDL call names. */
export const FFDL_API_VERSION = '2017-02-13';

/** FfDL training states. */
export type FfdlStatus = 'PENDING' | 'QUEUED' | 'DOWNLOADING' | 'PROCESSING' | 'STORING' | 'COMPLETED' | 'FAILED' | 'HALTED';

/** The parts of a Model nbrun reads. */
export interface FfdlModel {
  model_id: string;
  training?: { training_status?: { status?: FfdlStatus; status_message?: string; error_code?: string; submitted?: string; completed?: string } };
}

/** One log line (v1LogLine). */
export interface FfdlLogLine {
  meta?: { rindex?: string | number; time?: string | number };
  line?: string;
}

/**
 * @example const ffdl = new FfdlClient('http://ffdl:30005', 'test-user', 'test'); await ffdl.getModel(id)
 */
export class FfdlClient {
  private readonly base: string;
  constructor(host: string, private readonly user: string, private readonly password?: string) {
    this.base = host.replace(/\/+$/, '');
  }

  private async request(method: string, path: string, options: { body?: string | FormData; contentType?: string; query?: Record<string, string> } = {}): Promise<Response> {
    const query = new URLSearchParams({ ...options.query, version: FFDL_API_VERSION });
    const headers: Record<string, string> = { 'X-Watson-Userinfo': `bluemix-instance-id=${this.user}` };
    if (this.password !== undefined) headers.authorization = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
    if (options.contentType) headers['content-type'] = options.contentType;
    return fetchOk('ffdl', `FfDL at ${this.base}`, `${this.base}${path}?${query}`, { method, headers, body: options.body });
  }

  private async json(method: string, path: string, options?: Parameters<FfdlClient['request']>[2]): Promise<unknown> {
    const text = await (await this.request(method, path, options)).text();
    return text ? JSON.parse(text) : undefined;
  }

  /** POST /v1/models (multipart: manifest, model_definition); not retried. */
  async createModel(manifestYaml: string, modelDefinition: Uint8Array, name: string): Promise<string> {
    const form = new FormData();
    form.append('manifest', new Blob([manifestYaml], { type: 'application/x-yaml' }), 'manifest.yml');
    form.append('model_definition', new Blob([modelDefinition], { type: 'application/zip' }), `${name}.zip`);
    const res = (await once(() => this.json('POST', '/v1/models', { body: form }), 'ffdl', `submitting training '${name}' to ${this.base}`)) as { model_id?: string };
    if (!res?.model_id) throw new BackendError('ffdl', `FfDL at ${this.base} answered without a model_id`);
    return res.model_id;
  }

  /** GET /v1/models/{id}, retried on 5xx. */
  getModel(id: string): Promise<FfdlModel> {
    return retrySafe(() => this.json('GET', `/v1/models/${encodeURIComponent(id)}`), 'ffdl', `reading training ${id}`) as Promise<FfdlModel>;
  }

  /** PATCH /v1/models/{id} `{"status": "halt"}`. */
  async haltModel(id: string): Promise<void> {
    await once(() => this.json('PATCH', `/v1/models/${encodeURIComponent(id)}`, { body: JSON.stringify({ status: 'halt' }), contentType: 'application/json' }), 'ffdl', `halting training ${id}`);
  }

  /** DELETE /v1/models/{id}. */
  async deleteModel(id: string): Promise<void> {
    await once(() => this.json('DELETE', `/v1/models/${encodeURIComponent(id)}`), 'ffdl', `deleting training ${id}`);
  }

  /** GET /v1/logs/{id}/loglines from line `pos`: `{models: [v1LogLine]}` (or gRPC-gateway `{result: …}` lines). */
  async logLines(id: string, pos: number, pagesize = 500): Promise<FfdlLogLine[]> {
    const res = await retrySafe(
      () => this.request('GET', `/v1/logs/${encodeURIComponent(id)}/loglines`, { query: { pos: String(pos), pagesize: String(pagesize) } }),
      'ffdl',
      `reading the log of training ${id}`,
    );
    const text = await res.text();
    const out: FfdlLogLine[] = [];
    let chunks: string[];
    try {
      JSON.parse(text);
      chunks = [text];
    } catch {
      // A streamed gRPC-gateway answer is one JSON object per line, each wrapped in `result`.
      chunks = text.trim() ? text.trim().split('\n') : [];
    }
    for (const chunk of chunks) {
      const value = JSON.parse(chunk) as { models?: FfdlLogLine[]; result?: { models?: FfdlLogLine[] } & FfdlLogLine };
      const inner = (value.result ?? value) as { models?: FfdlLogLine[] } & FfdlLogLine;
      if (inner.models) out.push(...inner.models);
      else if (inner.line !== undefined) out.push(inner);
    }
    return out;
  }

  /** GET /v1/models/{id}/trained_model: the results as a ZIP. */
  async trainedModel(id: string): Promise<Uint8Array> {
    const res = await retrySafe(() => this.request('GET', `/v1/models/${encodeURIComponent(id)}/trained_model`), 'ffdl', `downloading the trained model of ${id}`);
    return new Uint8Array(await res.arrayBuffer());
  }
}
