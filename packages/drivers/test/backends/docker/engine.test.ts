/**
 * The Docker Engine API client against a fake engine: an HTTP server on a unix socket (and
 * one on TCP) that records what it is asked and answers as dockerd does, errors included.
 * The real engine is test/drivers/docker-engine-api.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../../src/errors.js';
import { createDockerClient, dockerError } from '../../../src/backends/docker/client.js';
import { DockerApiError } from '../../../src/backends/docker/engine.js';

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let dir: string;
let socket: string;
let unixServer: Server;
let tcpServer: Server;
let seen: Seen[];
let handler: Handler;

function listen(server: Server, at: string | number): Promise<void> {
  return new Promise((resolve) => server.listen(at as never, '127.0.0.1' as never, () => resolve()));
}

function fakeEngine(): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      seen.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body });
      handler(req, res, body);
    });
  });
}

function answer(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nbrun-fake-engine-'));
  socket = join(dir, 'docker.sock');
  unixServer = fakeEngine();
  await new Promise<void>((resolve) => unixServer.listen(socket, resolve));
  tcpServer = fakeEngine();
  await listen(tcpServer, 0);
});

afterAll(async () => {
  unixServer.closeAllConnections();
  tcpServer.closeAllConnections();
  await new Promise((r) => unixServer.close(r));
  await new Promise((r) => tcpServer.close(r));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  handler = (_req, res) => answer(res, 200, {});
});

const client = () => createDockerClient({}, `unix://${socket}`);

describe('requests as the Engine API wants them', () => {
  it('create: the name in the query, the rest as the JSON body', async () => {
    handler = (_req, res) => answer(res, 201, { Id: 'abc123', Warnings: [] });
    const created = await client().createContainer({ name: 'nbrun-x', Image: 'nbrun-runner:test', Env: ['A=1'], HostConfig: { NetworkMode: 'none' } });
    expect(created.Id).toBe('abc123');
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/containers/create?name=nbrun-x',
        contentType: 'application/json',
        body: JSON.stringify({ Image: 'nbrun-runner:test', Env: ['A=1'], HostConfig: { NetworkMode: 'none' } }),
      },
    ]);
  });

  it.each<[string, (c: ReturnType<typeof client>) => Promise<unknown>, string, string]>([
    ['inspectImage keeps the slashes of an image name', (c) => c.inspectImage('ghcr.io/me/nbrun:1.0'), 'GET', '/images/ghcr.io/me/nbrun%3A1.0/json'],
    ['inspectContainer', (c) => c.inspectContainer('abc'), 'GET', '/containers/abc/json'],
    ['startContainer', (c) => c.startContainer('abc'), 'POST', '/containers/abc/start'],
    ['waitContainer', (c) => c.waitContainer('abc'), 'POST', '/containers/abc/wait?condition=not-running'],
    ['containerLogs follow', (c) => c.containerLogs('abc', { follow: true }).then((r) => r.resume()), 'GET', '/containers/abc/logs?follow=true&stdout=true&stderr=true'],
    ['getArchive', (c) => c.getArchive('abc', '/nbrun/results').then((r) => r.resume()), 'GET', '/containers/abc/archive?path=%2Fnbrun%2Fresults'],
    ['stopContainer', (c) => c.stopContainer('abc', { t: 3 }), 'POST', '/containers/abc/stop?t=3'],
    ['removeContainer', (c) => c.removeContainer('abc', { force: true }), 'DELETE', '/containers/abc?force=true'],
    ['listContainers', (c) => c.listContainers({ all: true, filters: { label: ['io.nbrun.job=j'] } }), 'GET', `/containers/json?all=true&filters=${encodeURIComponent('{"label":["io.nbrun.job=j"]}')}`],
    ['ping', (c) => c.ping(), 'GET', '/_ping'],
  ])('%s', async (_name, call, method, url) => {
    await call(client());
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([`${method} ${url}`]);
  });

  it('putArchive streams the tar as the body', async () => {
    await client().putArchive('abc', '/', Readable.from([Buffer.from('part one '), Buffer.from('part two')]));
    expect(seen).toEqual([{ method: 'PUT', url: '/containers/abc/archive?path=%2F', contentType: 'application/x-tar', body: 'part one part two' }]);
  });

  it('stopContainer says whether the container was running (304: it was not)', async () => {
    handler = (_req, res) => {
      res.writeHead(304);
      res.end();
    };
    expect(await client().stopContainer('abc')).toBe(false);
    handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    expect(await client().stopContainer('abc')).toBe(true);
  });

  it('reaches a TCP engine from DOCKER_HOST', async () => {
    const port = (tcpServer.address() as AddressInfo).port;
    handler = (_req, res) => answer(res, 200, { Id: 'sha256:1', Config: { Entrypoint: ['node'] } });
    const docker = createDockerClient({ DOCKER_HOST: `tcp://127.0.0.1:${port}` });
    expect(await docker.inspectImage('x')).toMatchObject({ Config: { Entrypoint: ['node'] } });
    expect(seen.map((s) => s.url)).toEqual(['/images/x/json']);
  });
});

describe('errors', () => {
  it.each<[string, number, string, string, string]>([
    ['a JSON message', 404, '{"message":"No such container: abc"}', 'application/json', 'No such container: abc'],
    ['a conflict', 409, '{"message":"Container abc is not running"}', 'application/json', 'Container abc is not running'],
    ['a plain-text body (a proxy)', 502, 'Bad Gateway\nmore', 'text/plain', 'Bad Gateway'],
    ['an empty body', 500, '', 'text/plain', 'HTTP 500'],
  ])('an answer with %s becomes a DockerApiError with the status and that message', async (_what, status, body, type, message) => {
    handler = (_req, res) => answer(res, status, body, type);
    const err = await client().inspectContainer('abc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerApiError);
    expect(err).toMatchObject({ statusCode: status, message, request: 'GET /containers/abc/json' });
  });

  it('a streamed call (logs) fails the same way before any byte is read', async () => {
    handler = (_req, res) => answer(res, 404, { message: 'No such container: gone' });
    await expect(client().containerLogs('gone', { follow: true })).rejects.toMatchObject({ statusCode: 404, message: 'No such container: gone' });
  });

  it.each<[string, Partial<{ image: string; jobId: string }>, number, string, RegExp]>([
    ['a missing image', { image: 'nbrun:none' }, 404, 'No such image: nbrun:none', /^image 'nbrun:none' not found locally; build it with /],
    ['a removed container', { jobId: 'train-1' }, 404, 'No such container: c1', /^the container of job 'train-1' no longer exists on unix:\/\//],
    ['a refusal', {}, 403, 'authorization denied by plugin', /^the Docker engine at .* refused creating the container: authorization denied by plugin$/],
    ['no GPU support', {}, 500, 'could not select device driver "" with capabilities: [[gpu]]', /cannot give GPUs/],
    ['anything else', {}, 400, 'invalid reference format\nsecond line', /^Docker engine error while creating the container: invalid reference format$/],
  ])('dockerError words %s in one line', async (_what, ctx, status, message, expected) => {
    handler = (_req, res) => answer(res, status, { message });
    const err = await client().createContainer({ Image: 'x' }).catch((e: unknown) => e);
    const mapped = dockerError(err, { host: `unix://${socket}`, action: 'creating the container', ...ctx });
    expect(mapped).toBeInstanceOf(BackendError);
    expect(mapped.message).toMatch(expected);
    expect(mapped.status).toBe(status);
    expect(mapped.cause).toBe(err);
  });

  it.each([
    ['no socket file (ENOENT)', async () => join(dir, 'absent.sock')],
    [
      'a path that is no socket (ECONNREFUSED)',
      async () => {
        const file = join(dir, 'not-a-socket');
        await writeFile(file, '');
        return file;
      },
    ],
  ])('%s: "cannot reach the Docker engine"', async (_what, path) => {
    const host = `unix://${await path()}`;
    const err = await createDockerClient({}, host).ping().catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toMatch(/^(ENOENT|ECONNREFUSED)$/);
    expect(dockerError(err, { host, action: 'pinging' }).message).toBe(`cannot reach the Docker engine at ${host} (is dockerd running? DOCKER_HOST?)`);
  });

  it('a bad DOCKER_HOST is one line naming it', () => {
    expect(() => createDockerClient({ DOCKER_HOST: 'ftp://x' })).toThrow(/^DOCKER_HOST 'ftp:\/\/x' is not an address like tcp:\/\/host:2375/);
  });

  it('an abort signal ends a call the engine holds (wait) at once', async () => {
    handler = () => undefined; // never answers, as a wait on a running container
    const controller = new AbortController();
    const pending = client().waitContainer('abc', { signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });

  it('an abort signal ends a followed log stream', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write(Buffer.from([1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x62, 0x0a])); // then holds the stream open
    };
    const controller = new AbortController();
    const stream = await client().containerLogs('abc', { follow: true, signal: controller.signal });
    const chunks: Buffer[] = [];
    const read = (async () => {
      try {
        for await (const c of stream) {
          chunks.push(c as Buffer);
          controller.abort();
        }
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(await read).toMatchObject({ name: 'AbortError' });
    expect(Buffer.concat(chunks).subarray(8).toString()).toBe('ab\n');
  });
});
