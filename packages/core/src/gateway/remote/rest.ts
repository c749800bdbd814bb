/**
 * HTTP side of the remote gateway: one `@jupyterlab/services` ServerConnection settings
 * object (token, custom headers, an undici fetch with long timeouts, a WebSocket class
 * that sends the same headers on the upgrade), a JSON request helper, and the mapping of
 * transport failures to {@link GatewayError} codes. Secrets never reach a message.
 */
import { ServerConnection } from '@jupyterlab/services';
import { Agent, fetch as undiciFetch, Headers as UndiciHeaders, Request as UndiciRequest } from 'undici';
import WebSocket from 'ws';
import { GatewayError, UsageError } from '../../errors.js';
import { MAX_TIMER_MS } from '../../timers.js';

/** Default for `requestTimeoutMs`: remote kernel starts (Kubernetes pods, YARN) can take minutes. */
/** Errors about the gateway's credentials point at the token option (the CLI shows `--gateway-token`). */
export const TOKEN_HINT = { hint: { option: 'gatewayToken' } };

export const DEFAULT_REQUEST_TIMEOUT_MS = 10 * 60_000;
/** The longest wait for answers to requests still in flight when the client closes. */
const CLOSE_GRACE_MS = 1000;
/** How long a request that should answer at once (interrupt, delete, status) may take. */
export const CONTROL_REQUEST_TIMEOUT_MS = 5000;
/** TCP connect timeout: an address that does not answer is unreachable, not slow. */
const CONNECT_TIMEOUT_MS = 15_000;

/** What a request answered: any HTTP status; transport failures throw instead. */
export interface RestResponse {
  status: number;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  data: unknown;
  /** The server's own error text (`message`, `reason`, or the last traceback line), scrubbed. */
  message: string;
  /** Whether the body mentions the text (message, reason and traceback are searched). */
  mentions(pattern: RegExp): boolean;
}

export interface RestClientOptions {
  url: string;
  token?: string;
  headers?: Record<string, string>;
  requestTimeoutMs?: number;
}

/** Talks to one server; owns its connection pool (close it with {@link RestClient.close}). */
export class RestClient {
  readonly settings: ServerConnection.ISettings;
  /** The base URL with a trailing slash, credentials and query removed: safe to print. */
  readonly displayUrl: string;
  /** Headers for the WebSocket upgrade (custom headers plus the token). */
  readonly upgradeHeaders: Record<string, string>;
  private readonly agent: Agent;
  private readonly inFlight = new Set<AbortController>();
  private readonly secrets: string[];

  constructor(options: RestClientOptions) {
    const base = parseBaseUrl(options.url);
    const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new UsageError(`requestTimeoutMs must be a positive number of milliseconds (got ${String(options.requestTimeoutMs)})`);
    }
    const headers = { ...(options.headers ?? {}) };
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string') throw new UsageError(`gateway header '${name}' must be a string`);
    }
    this.secrets = [options.token ?? '', ...Object.values(headers)].filter((s) => s.length >= 4);
    this.displayUrl = base.display;
    // Node's fetch gives up after 300 s without response headers; a remote start may take longer.
    this.agent = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connect: { timeout: CONNECT_TIMEOUT_MS } });
    const agent = this.agent;
    const inFlight = this.inFlight;
    const fetchWithAgent = async (input: unknown, init?: Record<string, unknown>): Promise<unknown> => {
      // Each request can be aborted by close(): undici's Agent.destroy() after close() leaves them hanging.
      const own = new AbortController();
      const theirs = (init?.signal ?? (input instanceof UndiciRequest ? input.signal : undefined)) as AbortSignal | undefined;
      const signal = theirs ? AbortSignal.any([theirs, own.signal]) : own.signal;
      inFlight.add(own);
      try {
        return await undiciFetch(input as UndiciRequest, { ...(init ?? {}), signal, dispatcher: agent });
      } catch (err) {
        if (isAbortError(err)) throw err;
        // ServerConnection.NetworkError keeps only the message: put the cause's code in it.
        throw new TypeError(describeNetworkFailure(err), { cause: err });
      } finally {
        inFlight.delete(own);
      }
    };
    this.upgradeHeaders = { ...headers, ...(options.token ? { Authorization: `token ${options.token}` } : {}) };
    const upgradeHeaders = this.upgradeHeaders;
    // ws takes headers as a constructor option; the subclass makes them part of the settings.
    class HeaderWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        // The server answers the upgrade only once the kernel answered kernel_info: slow starts
        // are bounded by the start timeout and the reconnect deadline, not here.
        super(url, protocols, { headers: upgradeHeaders, perMessageDeflate: false, handshakeTimeout: timeout });
      }
    }
    this.settings = ServerConnection.makeSettings({
      baseUrl: base.http,
      wsUrl: base.ws,
      token: options.token ?? '',
      appendToken: false,
      fetch: fetchWithAgent as unknown as ServerConnection.ISettings['fetch'],
      Request: UndiciRequest as unknown as ServerConnection.ISettings['Request'],
      Headers: UndiciHeaders as unknown as ServerConnection.ISettings['Headers'],
      WebSocket: HeaderWebSocket as unknown as ServerConnection.ISettings['WebSocket'],
      // No `cache: 'no-store'`: it would append a cache-busting query to every URL.
      init: { headers: { 'Content-Type': 'application/json', ...headers } },
    });
  }

  /** Replaces the token, header values and any `token=` query value by `***`. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out.replace(/([?&]token=)[^&\s"']+/gi, '$1***');
  }

  /** The URL of a path under the base URL, safe to print. */
  describe(path: string): string {
    return this.displayUrl + path;
  }

  /**
   * Sends one JSON request. Transport failures become E_GATEWAY_UNREACHABLE, 401/403
   * become E_GATEWAY_AUTH; any other status is returned for the caller to judge.
   * @example const res = await rest.request('GET', 'api/kernelspecs')
   */
  async request(method: string, path: string, options: { body?: unknown; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<RestResponse> {
    const url = this.settings.baseUrl + path;
    const init: Record<string, unknown> = { method };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    // A gateway that accepts the connection and never answers must not hold the caller longer than it allows.
    const deadline = options.timeoutMs !== undefined ? AbortSignal.timeout(Math.min(options.timeoutMs, MAX_TIMER_MS)) : undefined;
    const signal = options.signal && deadline ? AbortSignal.any([options.signal, deadline]) : (options.signal ?? deadline);
    if (signal) init.signal = signal;
    const silent = (): GatewayError =>
      new GatewayError('E_GATEWAY_UNREACHABLE', `the gateway at ${this.displayUrl} did not answer ${method} /${path} within ${(options.timeoutMs ?? 0) / 1000} s`);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init as RequestInit, this.settings);
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      if (deadline?.aborted) throw silent();
      const detail = this.scrub(err instanceof Error ? err.message : String(err));
      throw new GatewayError(
        'E_GATEWAY_UNREACHABLE',
        `cannot reach the gateway at ${this.displayUrl} (${detail}): check gatewayUrl and that the server is running`,
        undefined,
        { cause: err, hint: { option: 'gatewayUrl' } },
      );
    }
    let text = '';
    try {
      text = await response.text();
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      if (deadline?.aborted) throw silent();
      throw new GatewayError('E_GATEWAY_UNREACHABLE', `the gateway at ${this.displayUrl} dropped the answer to ${method} /${path}`, response.status, { cause: err });
    }
    const result = this.parseBody(response.status, text);
    if (response.status === 401 || response.status === 403) {
      throw new GatewayError(
        'E_GATEWAY_AUTH',
        `the gateway at ${this.displayUrl} refused ${method} /${path} (HTTP ${response.status}${result.message ? `: ${result.message}` : ''}): check gatewayToken`,
        response.status,
        TOKEN_HINT,
      );
    }
    return result;
  }

  /** An E_GATEWAY error for an answer the caller did not expect. */
  unexpected(method: string, path: string, res: RestResponse): GatewayError {
    return new GatewayError(
      'E_GATEWAY',
      `the gateway at ${this.displayUrl} answered HTTP ${res.status} to ${method} /${path}${res.message ? `: ${res.message}` : ''}`,
      res.status,
    );
  }

  /** Closes pooled connections; requests still waiting on a silent server are aborted after `graceMs`. */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.inFlight.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const controller of this.inFlight) controller.abort(new Error('the gateway client was closed'));
    await this.agent.close().catch(() => undefined);
  }

  private parseBody(status: number, text: string): RestResponse {
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    const record = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
    const traceback = Array.isArray(record.traceback) ? record.traceback.join('') : typeof record.traceback === 'string' ? record.traceback : '';
    const searchable = [record.message, record.reason, traceback, data === undefined ? text.slice(0, 2000) : '']
      .filter((s): s is string => typeof s === 'string')
      .join('\n');
    let message = typeof record.message === 'string' && record.message ? record.message : typeof record.reason === 'string' ? record.reason : '';
    // Jupyter Server answers unhandled errors with "Unhandled error" and the real cause in the traceback.
    const lastTracebackLine = traceback.trim().split('\n').pop() ?? '';
    if ((!message || /^unhandled error$/i.test(message)) && lastTracebackLine) message = lastTracebackLine.trim();
    if (!message && data === undefined && text && !/^\s*</.test(text)) message = text.trim();
    return {
      status,
      data,
      message: shorten(this.scrub(message.split('\n')[0] ?? '')),
      mentions: (pattern) => pattern.test(searchable),
    };
  }
}

/** Checks and splits the gateway URL; the printable form has no credentials or query. */
function parseBaseUrl(raw: string): { http: string; ws: string; display: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`gateway url '${raw}' is not a URL (expected e.g. http://127.0.0.1:8888)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`gateway url '${url.protocol}//${url.host}' must start with http:// or https://`);
  }
  if (url.username || url.password) {
    throw new UsageError('gatewayUrl must not contain credentials: pass the token in gatewayToken', TOKEN_HINT);
  }
  if (url.search || url.hash) {
    throw new UsageError(`gatewayUrl '${url.origin}${url.pathname}' must not have a query or fragment: pass the token in gatewayToken`, TOKEN_HINT);
  }
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const http = `${url.origin}${path}`;
  const ws = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${path}`;
  return { http, ws, display: http };
}

/** "connection refused (ECONNREFUSED)" and the like, from undici's nested causes. */
function describeNetworkFailure(err: unknown): string {
  const codes: string[] = [];
  let deepest = err instanceof Error ? err.message : String(err);
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: unknown; errors?: unknown[]; cause?: unknown; message?: unknown };
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.message === 'string' && e.message) deepest = e.message;
    if (Array.isArray(e.errors)) {
      for (const inner of e.errors) {
        const code = (inner as { code?: unknown }).code;
        if (typeof code === 'string') codes.push(code);
      }
    }
    current = e.cause;
  }
  const code = codes.find((c) => !c.startsWith('UND_ERR_SOCKET')) ?? codes[0];
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
    UND_ERR_HEADERS_TIMEOUT: 'no answer within requestTimeoutMs',
    UND_ERR_BODY_TIMEOUT: 'answer stalled beyond requestTimeoutMs',
    UND_ERR_SOCKET: 'connection closed by the server',
    CERT_HAS_EXPIRED: 'TLS certificate expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  };
  if (code) return words[code] ? `${words[code]}, ${code}` : code;
  return deepest;
}

function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

function shorten(s: string): string {
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}
