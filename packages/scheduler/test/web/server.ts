/**
 * The server the web page's tests talk to: Fastify with the web page mounted by
 * `registerWebUi` before a bearer-token check on `/api/`, and the REST endpoints the page
 * calls (issue 14's paths and shapes) over a SchedulerService.
 */
import { createReadStream } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ScheduleCreate } from '../../src/model.js';
import { SchedulerError, type SchedulerService } from '../../src/service.js';
import { registerWebUi } from '../../src/web/index.js';
import { sameSecret } from '../../src/web/session.js';

export async function createTestServer(service: SchedulerService, options: { token: string; trustedOutputs?: boolean; assetsDir: string }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024 });
  app.setErrorHandler((err, _request, reply) => {
    const e = err as Error & { status?: number; statusCode?: number; code?: string; field?: string };
    const status = err instanceof SchedulerError ? err.status : (e.statusCode ?? 500);
    void reply.code(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: 'Error', status, detail: e.message, code: e.code ?? 'E_INTERNAL', ...(e.field ? { field: e.field } : {}) }));
  });
  registerWebUi(app, { token: options.token, trustedOutputs: options.trustedOutputs ?? false, service, assetsDir: options.assetsDir });
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (!path.startsWith('/api/') || path === '/api/v1/health') return;
    const h = request.headers.authorization;
    if (!sameSecret(options.token, h?.startsWith('Bearer ') ? h.slice(7) : undefined)) {
      return reply.code(401).type('application/problem+json').send(JSON.stringify({ status: 401, code: 'E_UNAUTHORIZED', detail: 'missing or wrong token' }));
    }
  });

  const snapshot = (body: { notebook: unknown; notebookName?: string; files?: Record<string, string> }) => ({
    notebookName: body.notebookName ?? 'notebook.ipynb',
    notebook: Buffer.from(JSON.stringify(body.notebook)),
    files: new Map(Object.entries(body.files ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  });
  type Body = ScheduleCreate & { notebook: unknown; notebookName?: string; files?: Record<string, string> };
  const strip = ({ notebook: _n, notebookName: _nn, files: _f, ...rest }: Body) => rest;

  app.get('/api/v1/health', async () => ({ status: 'ok' }));
  app.post('/api/v1/schedules', async (request, reply) => {
    const body = request.body as Body;
    return reply.code(201).send(await service.createSchedule(strip(body), snapshot(body)));
  });
  app.get('/api/v1/schedules', async () => service.listSchedules({}));
  app.get('/api/v1/schedules/:id', async (request) => service.getSchedule((request.params as { id: string }).id));
  app.delete('/api/v1/schedules/:id', async (request, reply) => {
    await service.deleteSchedule((request.params as { id: string }).id);
    return reply.code(204).send();
  });
  app.post('/api/v1/schedules/:id/pause', async (request) => service.pauseSchedule((request.params as { id: string }).id));
  app.post('/api/v1/schedules/:id/resume', async (request) => service.resumeSchedule((request.params as { id: string }).id));
  app.post('/api/v1/schedules/:id/runs', async (request, reply) => {
    const parameters = (request.body as { parameters?: Record<string, unknown> } | undefined)?.parameters;
    return reply.code(202).send(await service.runNow((request.params as { id: string }).id, parameters ? { parameters } : {}));
  });
  app.post('/api/v1/runs', async (request, reply) => {
    const body = request.body as Body;
    return reply.code(202).send(await service.createRun(strip(body), snapshot(body)));
  });
  app.get('/api/v1/runs', async (request) => {
    const q = request.query as { schedule?: string; state?: string };
    return service.listRuns({ ...(q.schedule ? { scheduleId: q.schedule } : {}), ...(q.state ? { state: q.state as never } : {}) });
  });
  app.get('/api/v1/runs/:id', async (request) => service.getRun((request.params as { id: string }).id));
  app.post('/api/v1/runs/:id/cancel', async (request) => service.cancelRun((request.params as { id: string }).id));
  app.get('/api/v1/runs/:id/output', async (request, reply) => {
    const out = await service.runOutput((request.params as { id: string }).id);
    if (!out) return reply.code(404).send({ code: 'E_NO_OUTPUT' });
    return reply.type('application/x-ipynb+json').header('content-disposition', `attachment; filename="${out.name}"`).send(createReadStream(out.path));
  });
  app.get('/api/v1/runs/:id/log', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    await service.getRun(id);
    if ((request.query as { follow?: string }).follow !== '1') {
      const lines: string[] = [];
      for await (const l of service.runLog(id)) lines.push(l);
      return reply.type('text/plain; charset=utf-8').send(lines.map((l) => l + '\n').join(''));
    }
    const abort = new AbortController();
    reply.raw.on('close', () => abort.abort());
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    for await (const line of service.runLog(id, { follow: true, signal: abort.signal })) reply.raw.write(`data: ${line}\n\n`);
    const run = await service.getRun(id);
    reply.raw.write(`event: end\ndata: ${JSON.stringify({ id, state: run.state })}\n\n`);
    reply.raw.end();
  });
  return app;
}
