/**
 * A small Docker Engine API client on `node:http`: the dozen calls the docker driver makes,
 * over a unix socket, TCP (plain or TLS) or SSH (`ssh HOST docker system dial-stdio`, as
 * the docker CLI does). Paths carry no API version: the engine answers them at its own
 * current version (dockerode, nbrun's client before this one, sent them so too).
 * Error answers become {@link DockerApiError} (HTTP status + the engine's `message`);
 * socket failures (ENOENT, ECONNREFUSED, …) are passed on as Node gives them.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { addAbortSignal, Duplex, Readable } from 'node:stream';
import type { DeviceRequest } from './resources.js';

/** How requests reach the engine. */
export type EngineTransport =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer } }
  | { kind: 'ssh'; host: string; port?: number; user?: string };

/**
 * An error answer of the engine: its HTTP status and its own message (`{"message": …}`).
 * @example catch (err) { if (err instanceof DockerApiError && err.statusCode === 404) … }
 */
export class DockerApiError extends Error {
  override readonly name = 'DockerApiError';
  constructor(
    readonly statusCode: number,
    message: string,
    /** `METHOD /path` of the request. */
    readonly request: string,
  ) {
    super(message);
  }
}

/** `State` of a container's inspect data (the fields nbrun reads; the engine sends more). */
export interface ContainerState {
  Status: string;
  ExitCode: number;
  OOMKilled: boolean;
  StartedAt: string;
  FinishedAt: string;
  Error?: string;
  [field: string]: unknown;
}

/** `Config` of a container or an image. */
export interface ContainerConfig {
  Image?: string;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Labels?: Record<string, string> | null;
  WorkingDir?: string;
  User?: string;
  StopTimeout?: number;
  [field: string]: unknown;
}

/** `HostConfig` of a container. */
export interface ContainerHostConfig {
  NetworkMode?: string;
  NanoCpus?: number;
  Memory?: number;
  DeviceRequests?: DeviceRequest[] | null;
  [field: string]: unknown;
}

/** `GET /containers/{id}/json`. */
export interface ContainerInspectInfo {
  Id: string;
  Name: string;
  State: ContainerState;
  Config: ContainerConfig;
  HostConfig: ContainerHostConfig;
  [field: string]: unknown;
}

/** The body of `POST /containers/create`, plus the container's `name` (sent in the query). */
export interface ContainerCreateOptions extends ContainerConfig {
  name?: string;
  HostConfig?: ContainerHostConfig;
}

/** `GET /images/{name}/json` (the fields nbrun reads). */
export interface ImageInspectInfo {
  Id: string;
  Config?: ContainerConfig | null;
  [field: string]: unknown;
}

/** One row of `GET /containers/json`. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Labels: Record<string, string>;
  [field: string]: unknown;
}

type Query = Record<string, string | number | boolean | undefined>;

interface CallOptions {
  query?: Query;
  /** JSON-encoded, or streamed as is (a tar). */
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/** Path segments as the engine's router wants them: `/` kept (image names have them), the rest encoded. */
function segment(value: string): string {
  return encodeURIComponent(value).replaceAll('%2F', '/');
}

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The engine's own message out of an error body (`{"message": "No such container: x"}`), else the text. */
function engineMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed?.message === 'string' && parsed.message) return parsed.message;
  } catch {
    // Not JSON: a proxy's page, plain text.
  }
  return body.trim().split('\n', 1)[0] || `HTTP ${status}`;
}

/** A stream to the engine through `ssh HOST docker system dial-stdio` (what `docker -H ssh://…` does). */
function dialSsh(t: Extract<EngineTransport, { kind: 'ssh' }>): Duplex {
  const args = ['-o', 'BatchMode=yes'];
  if (t.user) args.push('-l', t.user);
  if (t.port) args.push('-p', String(t.port));
  args.push('--', t.host, 'docker', 'system', 'dial-stdio');
  const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
  child.on('error', (err) => stream.destroy(err));
  child.on('exit', (code) => {
    if (code) stream.destroy(new Error(`ssh ${t.host} exited with code ${code}: ${Buffer.concat(stderr).toString().trim().split('\n').at(-1) ?? ''}`));
  });
  stream.on('close', () => child.kill());
  return stream;
}

/**
 * The Docker Engine API calls nbrun makes. Made by `createDockerClient(env)`.
 * @example
 * const docker = createDockerClient(process.env);
 * const { Id } = await docker.createContainer({ name: 'x', Image: 'alpine', Cmd: ['true'] });
 * await docker.startContainer(Id);
 * await docker.waitContainer(Id);
 */
export class DockerClient {
  constructor(readonly transport: EngineTransport) {}

  /** Sends one request; resolves with the response once its status is below 400. */
  private send(method: string, path: string, options: CallOptions = {}): Promise<IncomingMessage> {
    const t = this.transport;
    const { body, signal } = options;
    const stream = body instanceof Readable ? body : undefined;
    const json = body !== undefined && !stream ? Buffer.from(JSON.stringify(body)) : undefined;
    const headers: Record<string, string | number> = {};
    if (json) Object.assign(headers, { 'content-type': 'application/json', 'content-length': json.length });
    if (stream) headers['content-type'] = 'application/x-tar';
    const target = withQuery(path, options.query);
    const base: RequestOptions = { method, path: target, headers, signal };
    return new Promise<IncomingMessage>((resolve, reject) => {
      const onResponse = (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        // A stream read after the answer (logs, archive) ends with the AbortError too, not a reset.
        if (signal) addAbortSignal(signal, res);
        if (status < 400) return resolve(res);
        readBody(res).then(
          (text) => reject(new DockerApiError(status, engineMessage(status, text), `${method} ${path}`)),
          reject,
        );
      };
      let req: ClientRequest;
      if (t.kind === 'unix') req = httpRequest({ ...base, socketPath: t.socketPath }, onResponse);
      else if (t.kind === 'ssh') req = httpRequest({ ...base, host: 'docker', createConnection: () => dialSsh(t) as never }, onResponse);
      else if (t.tls) req = httpsRequest({ ...base, host: t.host, port: t.port, ...t.tls }, onResponse);
      else req = httpRequest({ ...base, host: t.host, port: t.port }, onResponse);
      req.on('error', reject);
      if (stream) {
        stream.on('error', (err) => req.destroy(err));
        stream.pipe(req);
      } else {
        req.end(json);
      }
    });
  }

  private async json<T>(method: string, path: string, options?: CallOptions): Promise<T> {
    const text = await readBody(await this.send(method, path, options));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async drain(method: string, path: string, options?: CallOptions): Promise<number> {
    const res = await this.send(method, path, options);
    res.resume();
    await new Promise((resolve) => res.on('end', resolve).on('close', resolve));
    return res.statusCode ?? 0;
  }

  /** `GET /_ping`: resolves when the engine answers. */
  async ping(signal?: AbortSignal): Promise<void> {
    await this.drain('GET', '/_ping', { signal });
  }

  /** `GET /images/{name}/json`. */
  inspectImage(name: string, signal?: AbortSignal): Promise<ImageInspectInfo> {
    return this.json('GET', `/images/${segment(name)}/json`, { signal });
  }

  /** `POST /containers/create`: the new container's id and the engine's warnings. */
  createContainer(options: ContainerCreateOptions, signal?: AbortSignal): Promise<{ Id: string; Warnings?: string[] | null }> {
    const { name, ...body } = options;
    return this.json('POST', '/containers/create', { query: { name }, body, signal });
  }

  /** `GET /containers/{id}/json`. */
  inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerInspectInfo> {
    return this.json('GET', `/containers/${segment(id)}/json`, { signal });
  }

  /** `POST /containers/{id}/start` (an already started container is not an error). */
  async startContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.drain('POST', `/containers/${segment(id)}/start`, { signal });
  }

  /** `POST /containers/{id}/wait`: resolves when the container reaches `condition` (default `not-running`). */
  waitContainer(
    id: string,
    options: { condition?: 'not-running' | 'next-exit' | 'removed'; signal?: AbortSignal } = {},
  ): Promise<{ StatusCode: number; Error?: { Message?: string } | null }> {
    return this.json('POST', `/containers/${segment(id)}/wait`, { query: { condition: options.condition ?? 'not-running' }, signal: options.signal });
  }

  /**
   * `GET /containers/{id}/logs`: the raw multiplexed stream (see `demuxFrames`); with
   * `follow`, it ends when the container stops. Aborting `signal` ends it.
   */
  containerLogs(id: string, options: { follow?: boolean; stdout?: boolean; stderr?: boolean; signal?: AbortSignal } = {}): Promise<IncomingMessage> {
    const { follow = false, stdout = true, stderr = true, signal } = options;
    return this.send('GET', `/containers/${segment(id)}/logs`, { query: { follow, stdout, stderr }, signal });
  }

  /** `PUT /containers/{id}/archive`: extracts a tar (streamed as it is read) into `path` in the container. */
  async putArchive(id: string, path: string, tar: Readable, signal?: AbortSignal): Promise<void> {
    await this.drain('PUT', `/containers/${segment(id)}/archive`, { query: { path }, body: tar, signal });
  }

  /** `GET /containers/{id}/archive`: a tar of `path` in the container (its last component first in every name). */
  getArchive(id: string, path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.send('GET', `/containers/${segment(id)}/archive`, { query: { path }, signal });
  }

  /** `POST /containers/{id}/stop`: SIGTERM, SIGKILL after `t` seconds. Resolves false when it was not running (304). */
  async stopContainer(id: string, options: { t?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    return (await this.drain('POST', `/containers/${segment(id)}/stop`, { query: { t: options.t }, signal: options.signal })) !== 304;
  }

  /** `DELETE /containers/{id}` (`force`: a running one is killed first). */
  async removeContainer(id: string, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    await this.drain('DELETE', `/containers/${segment(id)}`, { query: { force: options.force }, signal: options.signal });
  }

  /** `GET /containers/json`, e.g. `{ all: true, filters: { label: ['io.nbrun.job=x'] } }`. */
  listContainers(options: { all?: boolean; filters?: Record<string, string[]>; signal?: AbortSignal } = {}): Promise<ContainerSummary[]> {
    const filters = options.filters ? JSON.stringify(options.filters) : undefined;
    return this.json('GET', '/containers/json', { query: { all: options.all, filters }, signal: options.signal });
  }
}
