/**
 * The REST API of `nbrun serve` (Fastify): `/api/v1/…` over a {@link SchedulerService}.
 * Requests are validated by the same TypeBox schemas that write the OpenAPI document
 * (`GET /api/v1/openapi.json`); every error is `application/problem+json`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { VERSION } from '@nbrun/core';
import { Idempotency, MemoryIdempotencyStore, fingerprint, type Created } from './idempotency.js';
import { localIso } from './local-time.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import { redactSecrets } from './redact.js';
import {
  HealthResponse, IdParams, ListRunsQuery, ListSchedulesQuery, LogQuery, NextQuery, NextRunsResponse, OneOffRunBody, ProblemSchema,
  RunList, RunNowBody, RunSchema, ScheduleCreateBody, ScheduleList, SchedulePatchBody, ScheduleSchema,
} from './schemas.js';
import type { OneOffRun, Run, RunState, ScheduleCreate, SchedulePatch } from '../model.js';
import type { SchedulerService, Snapshot } from '../service.js';
import { snapshotFromBundle, snapshotFromInline } from './snapshot.js';
import { tokenMatches } from './token.js';
import { registerWebUi } from '../web/index.js';

/** Default limit of a request body (and of a multipart bundle): 100 MiB. */
export const DEFAULT_BODY_LIMIT = 100 * 1024 * 1024;

export interface ServerOptions {
  /** Bearer token every endpoint but health requires. */
  token: string;
  host?: string;
  port?: number;
  /** Largest request body (JSON, or a multipart part) in bytes; 413 beyond. Default 100 MiB. */
  bodyLimit?: number;
  /** Largest unpacked size of a bundle (declared sizes). Default 8 × bodyLimit. */
  maxUnpackedBundle?: number;
  /** Render outputs with their scripts (the web page, issue 15); the API itself does not use it. */
  trustedOutputs?: boolean;
  /** Where the web page's built app.js and app.css are; default dist/web of this package. */
  webAssetsDir?: string;
  /** Schema of a driver's options, to find the options it marks secret (redacted in responses). */
  driverOptionsSchema?: (driver: string) => { properties?: Record<string, Record<string, unknown>> } | undefined;
  /** Where server-side failures (500) are reported; default stderr. */
  log?: (line: string) => void;
}

const problemResponses = {
  400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 413: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema,
};

interface MultipartForm {
  json: Record<string, unknown>;
  bundle?: Buffer;
  raw: string;
}

/**
 * Builds the API server (not yet listening: call `app.listen({ host, port })`).
 * @example const app = await createServer(service, { token }); await app.listen({ host: '127.0.0.1', port: 8585 });
 */
export async function createServer(service: SchedulerService, options: ServerOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const maxUnpacked = options.maxUnpackedBundle ?? bodyLimit * 8;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const app = Fastify({
    bodyLimit,
    logger: false,
    // Unknown fields are errors (a misspelt option must not be dropped silently); query numbers are coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const forms = new WeakMap<FastifyRequest, MultipartForm>();
  const redact = <T>(v: T): T => redactSecrets(v, options.driverOptionsSchema);
  // A replay answers with the resource as it is now (a run may have finished since).
  const idempotency = new Idempotency(service.idempotency ?? new MemoryIdempotencyStore(), async (resource) =>
    resource.kind === 'schedule' ? redact(await service.getSchedule(resource.id)) : service.getRun(resource.id),
  );

  // Responses are written as plain JSON: the response schemas document them (OpenAPI) without filtering fields.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.setErrorHandler((err, _request, reply) => {
    const p = toProblem(err);
    if (p.status >= 500) log(`nbrun serve: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
  });
  app.setNotFoundHandler((request, reply) => {
    const p = toProblem(new HttpProblem(404, 'E_NOT_FOUND', `no such endpoint: ${request.method} ${request.url.split('?')[0]}`));
    void reply.code(404).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
  });

  // The web page (issue 15) at `/`: its session cookie stands for the token on /api/ (so mounted before the token check).
  registerWebUi(app, { token: options.token, trustedOutputs: options.trustedOutputs === true, service, log, ...(options.webAssetsDir ? { assetsDir: options.webAssetsDir } : {}) });

  // Every /api/ endpoint but health needs the token.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (!path.startsWith('/api/') || (path === '/api/v1/health' && request.method === 'GET')) return;
    const header = request.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!tokenMatches(options.token, presented)) {
      void reply.header('www-authenticate', 'Bearer realm="nbrun"');
      throw new HttpProblem(401, 'E_UNAUTHORIZED', presented === undefined ? 'missing bearer token (Authorization: Bearer TOKEN)' : 'wrong token');
    }
  });

  await app.register(multipart, {
    limits: { fileSize: bodyLimit, fieldSize: bodyLimit, files: 1, fields: 4, parts: 5 },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'nbrun service',
        version: VERSION,
        description: 'Run Jupyter notebooks now and on a schedule, on any nbrun driver. Errors are application/problem+json.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  /** Reads a multipart form (`schedule`/`run` JSON part + `bundle` zip) into the body before validation. */
  async function readMultipart(request: FastifyRequest): Promise<void> {
    if (!request.isMultipart()) return;
    let raw: string | undefined;
    let bundle: Buffer | undefined;
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'bundle') throw new HttpProblem(400, 'E_INVALID', `unexpected file part '${part.fieldname}' (send the zip as 'bundle')`, part.fieldname);
        bundle = await part.toBuffer();
      } else {
        if (part.fieldname !== 'schedule' && part.fieldname !== 'run') {
          throw new HttpProblem(400, 'E_INVALID', `unexpected form field '${part.fieldname}' (send 'schedule' or 'run' JSON and a 'bundle' zip)`, part.fieldname);
        }
        if (part.valueTruncated) throw new HttpProblem(413, 'E_TOO_LARGE', `form field '${part.fieldname}' is larger than ${bodyLimit} bytes`, part.fieldname);
        raw = String(part.value);
      }
    }
    let json: unknown = {};
    if (raw !== undefined) {
      try {
        json = JSON.parse(raw);
      } catch (err) {
        throw new HttpProblem(400, 'E_INVALID', `schedule: not JSON (${(err as Error).message})`, 'schedule');
      }
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new HttpProblem(400, 'E_INVALID', 'schedule: must be a JSON object', 'schedule');
    forms.set(request, { json: json as Record<string, unknown>, raw: raw ?? '', ...(bundle ? { bundle } : {}) });
    request.body = json;
  }

  /** The snapshot a create/patch request carries: the multipart bundle, or inline `notebook` + `files`. */
  async function snapshotOf(request: FastifyRequest, body: { notebook?: unknown; notebookName?: string; files?: Record<string, string>; name?: string }, required: boolean): Promise<Snapshot | undefined> {
    const form = forms.get(request);
    if (form?.bundle) {
      if (body.notebook !== undefined) throw new HttpProblem(400, 'E_INVALID', "give the notebook either inline ('notebook') or in the 'bundle', not both", 'notebook');
      if (body.files !== undefined) throw new HttpProblem(400, 'E_INVALID', "give files either inline ('files') or in the 'bundle', not both", 'files');
      return await snapshotFromBundle(form.bundle, { maxUnpacked, ...(body.notebookName ? { notebook: body.notebookName } : {}) });
    }
    if (body.notebook === undefined) {
      if (body.files !== undefined) throw new HttpProblem(400, 'E_INVALID', "'files' needs 'notebook' (a new snapshot replaces the whole old one)", 'notebook');
      if (required) throw new HttpProblem(400, 'E_INVALID', "missing field 'notebook' (the notebook's JSON), or send a multipart 'bundle'", 'notebook');
      return undefined;
    }
    return snapshotFromInline(body.notebook, body.files, body.notebookName ?? defaultNotebookName(body.name));
  }

  /** The request's content for Idempotency-Key comparison. */
  function requestFingerprint(request: FastifyRequest): string {
    const form = forms.get(request);
    if (form) return fingerprint('multipart', form.raw, form.bundle);
    return fingerprint('json', JSON.stringify(request.body ?? null));
  }

  function idempotencyKey(request: FastifyRequest): string | undefined {
    const v = request.headers['idempotency-key'];
    return Array.isArray(v) ? v[0] : v;
  }

  async function once(request: FastifyRequest, reply: FastifyReply, create: () => Promise<Created>): Promise<FastifyReply> {
    const scope = `${request.method} ${request.routeOptions.url}`;
    const r = await idempotency.run(scope + ' ' + JSON.stringify(request.params ?? {}), idempotencyKey(request), requestFingerprint(request), create);
    if (r.replayed) void reply.header('idempotent-replayed', 'true');
    return reply.code(r.status).send(r.body);
  }

  const stripNotebook = <T extends Record<string, unknown>>(body: T) => {
    const { notebook: _n, files: _f, notebookName: _nn, ...rest } = body;
    return rest;
  };

  // ── health and the API document ──
  app.get('/api/v1/health', { schema: { summary: 'Liveness (no token needed)', security: [], response: { 200: HealthResponse } } }, async () => ({
    status: 'ok' as const,
    version: VERSION,
  }));
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // ── schedules ──
  app.post(
    '/api/v1/schedules',
    {
      preValidation: async (request) => readMultipart(request),
      schema: {
        summary: 'Create a schedule',
        consumes: ['application/json', 'multipart/form-data'],
        body: ScheduleCreateBody,
        response: { 201: ScheduleSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      once(request, reply, async () => {
        const snapshot = (await snapshotOf(request, request.body, true))!;
        const created = await service.createSchedule(stripNotebook(request.body) as ScheduleCreate, snapshot);
        return { status: 201, resource: { kind: 'schedule', id: created.id }, body: redact(created) };
      }),
  );
  app.get(
    '/api/v1/schedules',
    { schema: { summary: 'List schedules', querystring: ListSchedulesQuery, response: { 200: ScheduleList, ...problemResponses } } },
    async (request) => {
      const q = request.query;
      const page = await service.listSchedules({ limit: q.limit ?? 50, ...(q.cursor ? { cursor: q.cursor } : {}), ...(q.tag ? { tag: q.tag } : {}) });
      return { ...page, items: page.items.map(redact) };
    },
  );
  app.get(
    '/api/v1/schedules/:id',
    { schema: { summary: 'A schedule', params: IdParams, response: { 200: ScheduleSchema, ...problemResponses } } },
    async (request) => redact(await service.getSchedule(request.params.id)),
  );
  app.patch(
    '/api/v1/schedules/:id',
    {
      preValidation: async (request) => readMultipart(request),
      schema: {
        summary: 'Change a schedule (a new notebook or bundle replaces its snapshot)',
        consumes: ['application/json', 'multipart/form-data'],
        params: IdParams,
        body: SchedulePatchBody,
        response: { 200: ScheduleSchema, ...problemResponses },
      },
    },
    async (request) => {
      const snapshot = await snapshotOf(request, request.body, false);
      return redact(await service.updateSchedule(request.params.id, stripNotebook(request.body) as SchedulePatch, snapshot));
    },
  );
  app.delete(
    '/api/v1/schedules/:id',
    { schema: { summary: 'Delete a schedule (its runs stay listed until retention removes them)', params: IdParams, response: { 204: Type.Null(), ...problemResponses } } },
    async (request, reply) => {
      await service.deleteSchedule(request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/api/v1/schedules/:id/pause',
    { schema: { summary: 'Pause a schedule (ticks while paused are dropped)', params: IdParams, response: { 200: ScheduleSchema, ...problemResponses } } },
    async (request) => redact(await service.pauseSchedule(request.params.id)),
  );
  app.post(
    '/api/v1/schedules/:id/resume',
    { schema: { summary: 'Resume a schedule', params: IdParams, response: { 200: ScheduleSchema, ...problemResponses } } },
    async (request) => redact(await service.resumeSchedule(request.params.id)),
  );
  app.get(
    '/api/v1/schedules/:id/next',
    { schema: { summary: 'Next fire times, in UTC and in the trigger’s zone', params: IdParams, querystring: NextQuery, response: { 200: NextRunsResponse, ...problemResponses } } },
    async (request) => {
      const schedule = await service.getSchedule(request.params.id);
      const trigger = (schedule as { trigger?: unknown }).trigger as Parameters<SchedulerService['nextFireTimes']>[0] | null | undefined;
      const zone = trigger && 'cron' in trigger ? (trigger.timezone ?? 'UTC') : 'UTC';
      if (!trigger || (schedule as { paused?: boolean }).paused) return { timezone: zone, items: [] };
      const times = service.nextFireTimes(trigger, request.query.count ?? 5);
      return { timezone: zone, items: times.map((t) => ({ utc: t.toISOString(), local: localIso(t, zone) })) };
    },
  );
  app.post(
    '/api/v1/schedules/:id/runs',
    {
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: { summary: 'Run a schedule now (never skipped: queues behind a running one)', params: IdParams, body: RunNowBody, response: { 202: RunSchema, ...problemResponses } },
    },
    async (request, reply) =>
      once(request, reply, async () => {
        const run = await service.runNow(request.params.id, request.body.parameters ? { parameters: request.body.parameters } : {});
        return { status: 202, resource: { kind: 'run', id: run.id }, body: run };
      }),
  );

  // ── runs ──
  app.post(
    '/api/v1/runs',
    {
      preValidation: async (request) => readMultipart(request),
      schema: {
        summary: 'Run a notebook once (no schedule)',
        consumes: ['application/json', 'multipart/form-data'],
        body: OneOffRunBody,
        response: { 202: RunSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      once(request, reply, async () => {
        const snapshot = (await snapshotOf(request, request.body, true))!;
        const run = await service.createRun(stripNotebook(request.body) as OneOffRun, snapshot);
        return { status: 202, resource: { kind: 'run', id: run.id }, body: run };
      }),
  );
  app.get(
    '/api/v1/runs',
    { schema: { summary: 'List runs, newest first', querystring: ListRunsQuery, response: { 200: RunList, ...problemResponses } } },
    async (request) => {
      const q = request.query;
      return service.listRuns({
        limit: q.limit ?? 50,
        ...(q.schedule ? { scheduleId: q.schedule } : {}),
        ...(q.state ? { state: q.state as RunState } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
    },
  );
  app.get(
    '/api/v1/runs/:id',
    { schema: { summary: 'A run', params: IdParams, response: { 200: RunSchema, ...problemResponses } } },
    async (request) => service.getRun(request.params.id),
  );
  app.post(
    '/api/v1/runs/:id/cancel',
    { schema: { summary: 'Cancel a run (its partial notebook is kept)', params: IdParams, response: { 200: RunSchema, ...problemResponses } } },
    async (request) => service.cancelRun(request.params.id),
  );
  app.get(
    '/api/v1/runs/:id/log',
    {
      schema: {
        summary: "A run's log (text); ?follow=1 streams it as text/event-stream until the run ends",
        params: IdParams,
        querystring: LogQuery,
        produces: ['text/plain', 'text/event-stream'],
        response: { 200: Type.String(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      await service.getRun(id); // 404 before any byte is sent
      const follow = request.query.follow === '1' || request.query.follow === 'true';
      if (!follow) {
        // The first line is read before the answer starts: a store that is away is a 503, not a cut body.
        const lines = service.runLog(id, { follow: false })[Symbol.asyncIterator]();
        const first = await lines.next();
        return reply.type('text/plain; charset=utf-8').send(Readable.from(mapLines(first, lines, (l) => l + '\n')) as never);
      }
      return streamEvents(service, id, reply);
    },
  );
  app.get(
    '/api/v1/runs/:id/output',
    {
      schema: {
        summary: 'The executed notebook (partial for a failed or cancelled run), as an attachment',
        params: IdParams,
        produces: ['application/x-ipynb+json'],
        response: { 200: Type.String({ description: 'The .ipynb file' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const out = await service.runOutput(request.params.id);
      const info = out && (await stat(out.path).catch(() => undefined));
      if (!out || !info?.isFile()) throw new HttpProblem(404, 'E_NO_OUTPUT', `run '${request.params.id}' has no executed notebook (yet)`);
      return reply
        .type('application/x-ipynb+json')
        .header('content-length', info.size)
        .header('content-disposition', contentDisposition(out.name))
        .send(createReadStream(out.path) as never);
    },
  );
  app.get(
    '/api/v1/runs/:id/status',
    { schema: { summary: "The runner's status.json of a run (cells done, failed cell)", params: IdParams, response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses } } },
    async (request) => {
      const status = await service.runStatus(request.params.id);
      if (!status) throw new HttpProblem(404, 'E_NO_STATUS', `run '${request.params.id}' has no status yet`);
      return status;
    },
  );

  return app;
}

function defaultNotebookName(name: string | undefined): string {
  const base = (name ?? '').trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  if (!base) return 'notebook.ipynb';
  return base.endsWith('.ipynb') ? base : `${base}.ipynb`;
}

async function* mapLines(first: IteratorResult<string>, rest: AsyncIterator<string>, f: (line: string) => string): AsyncGenerator<string> {
  for (let r = first; !r.done; r = await rest.next()) yield f(r.value);
}

/** `attachment; filename="x.ipynb"; filename*=UTF-8''x.ipynb` (the ASCII form for old clients). */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

const TERMINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'skipped', 'missed', 'lost']);

/**
 * Server-sent events: one `data:` event per log line, a comment every 15 s to keep proxies
 * open, and a final `event: end` with the run's state. Stops when the client goes away.
 */
async function streamEvents(service: SchedulerService, id: string, reply: FastifyReply): Promise<void> {
  const abort = new AbortController();
  reply.raw.on('close', () => abort.abort());
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  try {
    for await (const line of service.runLog(id, { follow: true, signal: abort.signal })) {
      if (abort.signal.aborted) break;
      res.write(line.split(/\r?\n/).map((l) => `data: ${l}`).join('\n') + '\n\n');
    }
    if (!abort.signal.aborted) {
      let run: Run | undefined = await service.getRun(id).catch(() => undefined);
      // The log may end a moment before the state is written.
      for (let i = 0; i < 50 && run && !TERMINAL.has(run.state); i++) {
        await new Promise((r) => setTimeout(r, 100));
        run = await service.getRun(id).catch(() => undefined);
      }
      res.write(`event: end\ndata: ${JSON.stringify({ id, state: run?.state ?? 'unknown' })}\n\n`);
    }
  } catch (err) {
    if (!abort.signal.aborted) res.write(`event: error\ndata: ${JSON.stringify(toProblem(err))}\n\n`);
  } finally {
    clearInterval(keepAlive);
    res.end();
  }
}

