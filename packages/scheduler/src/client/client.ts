/**
 * A small typed client of the nbrun service's REST API (fetch only: no Fastify, no database
 * drivers), used by `nbrun schedule …` and `nbrun runs …`. Transport failures are wrapped
 * where they enter: an unreachable server and a refused token each become one clear line.
 */
import { NbrunError, type ErrorCode } from '@nbrun/core';
import type { OneOffRun, Run, RunState, Schedule, ScheduleCreate, SchedulePatch } from '../model.js';

/** Default address of `nbrun serve`. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8585';

/** An error answer of the service (its problem+json), or a failure to reach it. */
export class ServiceError extends NbrunError {
  constructor(
    code: ErrorCode,
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The problem's own code (`E_INVALID`, `E_UNAUTHORIZED`, `E_BUNDLE`…). */
    readonly problemCode?: string,
    /** The request field the server blamed. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, { ...options, ...(field ? { hint: { option: field } } : {}) });
  }
}

export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8585`. */
  url: string;
  token?: string;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
}

/** The notebook sent inline: its JSON and its files (base64) by relative path. */
export interface InlineNotebook {
  notebook: unknown;
  notebookName?: string;
  files?: Record<string, string>;
}

/** The notebook sent as a bundle zip (as `nbrun submit` makes one). */
export interface BundledNotebook {
  bundle: Uint8Array;
  /** The notebook's entry, when the bundle's job spec does not name it. */
  notebookName?: string;
}

export interface NextRuns {
  timezone: string;
  items: { utc: string; local: string }[];
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Where each status leads among nbrun's error codes (and so its exit code). */
function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'E_BACKEND_AUTH';
  if (status === 404) return 'E_NOT_FOUND';
  if (status === 409) return 'E_CONFLICT';
  if (status === 413) return 'E_TOO_LARGE';
  if (status >= 500) return 'E_UNAVAILABLE';
  return 'E_INVALID';
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * The client.
 * @example const api = new ServiceClient({ url: 'http://127.0.0.1:8585', token }); const { items } = await api.listSchedules();
 */
export class ServiceClient {
  readonly url: string;
  private readonly token?: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    if (options.token) this.token = options.token;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Sends a request; throws a {@link ServiceError} for a failure or a non-2xx answer. */
  async request(method: string, path: string, init: { body?: unknown; form?: FormData; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: FormData | string | undefined;
    if (init.form) body = init.form;
    else if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(this.url + path, { method, headers, ...(body !== undefined ? { body } : {}), ...(init.signal ? { signal: init.signal } : {}) });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ServiceError(
        'E_UNAVAILABLE',
        `cannot reach the nbrun service at ${this.url} (${why}); start it with 'nbrun serve' or point --server / NBRUN_SERVER_URL at it`,
        0,
        undefined,
        undefined,
        { cause: err },
      );
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let problem: { detail?: string; code?: string; field?: string } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      problem = { detail: text.slice(0, 200) || res.statusText };
    }
    if (res.status === 401) {
      const detail = this.token
        ? 'the token was refused'
        : 'no token given';
      throw new ServiceError(
        'E_BACKEND_AUTH',
        `the nbrun service at ${this.url} refused the request: ${detail}; set NBRUN_SERVER_TOKEN (or --token) to the token 'nbrun serve' printed (kept in its state dir, file server-token)`,
        401,
        problem.code,
      );
    }
    throw new ServiceError(codeForStatus(res.status), problem.detail ?? `HTTP ${res.status}`, res.status, problem.code, problem.field);
  }

  private async json<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const res = await this.request(method, path, { ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  private keyHeader(idempotencyKey?: string): Record<string, string> | undefined {
    return idempotencyKey ? { 'idempotency-key': idempotencyKey } : undefined;
  }

  /** Sends fields with the notebook inline (JSON) or as a bundle (multipart). */
  private async createWith<T>(path: string, part: 'schedule' | 'run', fields: object, nb: InlineNotebook | BundledNotebook, idempotencyKey?: string): Promise<T> {
    if ('bundle' in nb) {
      const form = new FormData();
      form.set(part, JSON.stringify({ ...fields, ...(nb.notebookName ? { notebookName: nb.notebookName } : {}) }));
      form.set('bundle', new Blob([nb.bundle], { type: 'application/zip' }), 'bundle.zip');
      const res = await this.request('POST', path, { form, ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}) });
      return (await res.json()) as T;
    }
    return this.json<T>('POST', path, { ...fields, ...nb }, this.keyHeader(idempotencyKey));
  }

  health(): Promise<{ status: 'ok'; version: string }> {
    return this.json('GET', '/api/v1/health');
  }

  createSchedule(input: ScheduleCreate, notebook: InlineNotebook | BundledNotebook, opts: { idempotencyKey?: string } = {}): Promise<Schedule> {
    return this.createWith('/api/v1/schedules', 'schedule', input, notebook, opts.idempotencyKey);
  }

  listSchedules(q: { limit?: number; cursor?: string; tag?: string } = {}): Promise<Page<Schedule>> {
    return this.json('GET', `/api/v1/schedules${query(q)}`);
  }

  getSchedule(id: string): Promise<Schedule> {
    return this.json('GET', `/api/v1/schedules/${encodeURIComponent(id)}`);
  }

  updateSchedule(id: string, patch: SchedulePatch & Partial<InlineNotebook>): Promise<Schedule> {
    return this.json('PATCH', `/api/v1/schedules/${encodeURIComponent(id)}`, patch);
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.request('DELETE', `/api/v1/schedules/${encodeURIComponent(id)}`);
  }

  pauseSchedule(id: string): Promise<Schedule> {
    return this.json('POST', `/api/v1/schedules/${encodeURIComponent(id)}/pause`, {});
  }

  resumeSchedule(id: string): Promise<Schedule> {
    return this.json('POST', `/api/v1/schedules/${encodeURIComponent(id)}/resume`, {});
  }

  nextRuns(id: string, count = 5): Promise<NextRuns> {
    return this.json('GET', `/api/v1/schedules/${encodeURIComponent(id)}/next${query({ count })}`);
  }

  runNow(id: string, opts: { parameters?: Record<string, unknown>; idempotencyKey?: string } = {}): Promise<Run> {
    return this.json('POST', `/api/v1/schedules/${encodeURIComponent(id)}/runs`, opts.parameters ? { parameters: opts.parameters } : {}, this.keyHeader(opts.idempotencyKey));
  }

  createRun(input: OneOffRun, notebook: InlineNotebook | BundledNotebook, opts: { idempotencyKey?: string } = {}): Promise<Run> {
    return this.createWith('/api/v1/runs', 'run', input, notebook, opts.idempotencyKey);
  }

  listRuns(q: { schedule?: string; state?: RunState; limit?: number; cursor?: string } = {}): Promise<Page<Run>> {
    return this.json('GET', `/api/v1/runs${query(q)}`);
  }

  getRun(id: string): Promise<Run> {
    return this.json('GET', `/api/v1/runs/${encodeURIComponent(id)}`);
  }

  cancelRun(id: string): Promise<Run> {
    return this.json('POST', `/api/v1/runs/${encodeURIComponent(id)}/cancel`, {});
  }

  /** The run's log so far, as text. */
  async runLog(id: string): Promise<string> {
    return (await this.request('GET', `/api/v1/runs/${encodeURIComponent(id)}/log`)).text();
  }

  /**
   * Follows the log (server-sent events) until the run ends; yields lines, returns the final state.
   * @example for await (const line of api.followLog(id, signal)) console.log(line)
   */
  async *followLog(id: string, signal?: AbortSignal): AsyncGenerator<string, string | undefined> {
    const res = await this.request('GET', `/api/v1/runs/${encodeURIComponent(id)}/log?follow=1`, {
      headers: { accept: 'text/event-stream' },
      ...(signal ? { signal } : {}),
    });
    if (!res.body) return undefined;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
          }
          if (event === 'end') return (JSON.parse(data.join('\n')) as { state?: string }).state;
          if (event === 'error') {
            const p = JSON.parse(data.join('\n')) as { status?: number; detail?: string; code?: string };
            throw new ServiceError(codeForStatus(p.status ?? 500), p.detail ?? 'log stream failed', p.status ?? 500, p.code);
          }
          if (event === 'message' && data.length) yield data.join('\n');
        }
      }
    } catch (err) {
      if (signal?.aborted) return undefined;
      throw err;
    }
    return undefined;
  }

  /** The executed notebook: its file name (from Content-Disposition) and bytes; undefined when there is none yet. */
  async runOutput(id: string): Promise<{ name: string; data: Buffer } | undefined> {
    let res: Response;
    try {
      res = await this.request('GET', `/api/v1/runs/${encodeURIComponent(id)}/output`);
    } catch (err) {
      if (err instanceof ServiceError && err.problemCode === 'E_NO_OUTPUT') return undefined;
      throw err;
    }
    const disposition = res.headers.get('content-disposition') ?? '';
    const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
    const plain = /filename="([^"]+)"/i.exec(disposition);
    const name = star ? decodeURIComponent(star[1]!) : (plain?.[1] ?? `${id}.ipynb`);
    return { name, data: Buffer.from(await res.arrayBuffer()) };
  }

  /** The runner's status.json of a run, or undefined before there is one. */
  async runStatus(id: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.json('GET', `/api/v1/runs/${encodeURIComponent(id)}/status`);
    } catch (err) {
      if (err instanceof ServiceError && err.problemCode === 'E_NO_STATUS') return undefined;
      throw err;
    }
  }
}
