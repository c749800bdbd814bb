/**
 * The web page of `nbrun serve` (issue 15): a small Preact app bundled at build time into one
 * JS and one CSS file (`dist/web/`), served at `/` by the API's own server, nothing fetched
 * from the network.
 *
 * `registerWebUi(app, …)` adds to a Fastify instance:
 * - `GET /` (the page), `GET /ui/app.js`, `GET /ui/app.css`;
 * - `POST /ui/login` (the server's token → an HttpOnly, SameSite=Strict session cookie),
 *   at most 10 wrong tokens a minute per client address, then 429 with Retry-After;
 *   `POST /ui/logout`, `GET /ui/api/session` (the CSRF token of the session);
 * - `GET /ui/api/drivers` (drivers and their option schemas), `POST /ui/api/inspect` (the
 *   parameters of an uploaded notebook, as `nbrun inspect` reads them), `POST /ui/api/preview`
 *   (next fire times of a trigger being typed);
 * - `GET /ui/runs/:id/notebook.html` (the executed notebook rendered by `@nbrun/render`, with a
 *   CSP that allows no script unless `trustedOutputs`);
 * - an `onRequest` hook that lets the session cookie stand for the bearer token on `/api/…`
 *   (changes need the CSRF header and the same origin). Register it before the API's own
 *   token check.
 */
import { readFileSync, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { inspectParameters, parseNotebook } from '@nbrun/core';
import { PROBLEM_CONTENT_TYPE, problem, toProblem, type Problem } from '../http/problem.js';
import type { SchedulerService } from '../service.js';
import type { Trigger } from '../model.js';
import { driverCatalog } from './drivers.js';
import { LoginLimiter } from './login-limit.js';
import { SESSION_COOKIE, Sessions, authenticate, crossSiteReason, readCookie } from './session.js';

export { CSRF_HEADER, SESSION_COOKIE } from './session.js';

export interface WebUiOptions {
  /** The server's bearer token: the login form asks for it. */
  token: string;
  /** Let the executed notebooks' scripts run (in a sandboxed frame without the page's origin). Default false. */
  trustedOutputs?: boolean;
  service: SchedulerService;
  /** Where `app.js` and `app.css` are; default the `web/` directory built beside this module. */
  assetsDir?: string;
  /** Lifetime of a session in seconds; default 12 hours. */
  sessionSeconds?: number;
  /** Mark the cookie `Secure` (behind an HTTPS proxy). Default false. */
  secureCookie?: boolean;
  /** Where server-side failures are reported; default stderr. */
  log?: (line: string) => void;
  /** Failed logins allowed per client address within `windowMs` before 429; default 10 a minute. */
  loginLimit?: { max: number; windowMs: number };
}

/** The page's routes are not part of the API document (`hide` is read by @fastify/swagger). */
const HIDDEN = { schema: { hide: true } as unknown as FastifySchema };

/** Content-Security-Policy of the page itself. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * CSP of a rendered notebook. Untrusted: a sandbox without scripts, nothing fetched (what
 * `nbrun render` writes into its own page, as a header too). Trusted: scripts run, but in a
 * sandbox without the page's origin, so they cannot reach the API with the session.
 */
export function notebookCsp(trusted: boolean): string {
  if (trusted) return 'sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox; frame-ancestors \'self\'';
  return (
    "sandbox; default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; media-src data:; " +
    "form-action 'none'; base-uri 'none'; frame-src 'none'; object-src 'none'; frame-ancestors 'self'"
  );
}

function sendProblem(reply: FastifyReply, status: number, code: string, detail: string, field?: string): FastifyReply {
  return sendBody(reply, problem(status, code, detail, field));
}

function sendBody(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).header('cache-control', 'no-store').send(JSON.stringify(body));
}

/**
 * Directory of the built assets: `dist/web` of this package, found from the bundle
 * (`dist/index.js`, `dist/http/index.js`) or from the source (`src/web/index.ts`).
 */
function defaultAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'web'), join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')];
  return candidates.find((d) => existsSync(join(d, 'app.js'))) ?? candidates[0]!;
}

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function loadAsset(dir: string, name: string, type: string): Asset | undefined {
  try {
    const body = readFileSync(join(dir, name));
    return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 20)}"` };
  } catch {
    return undefined;
  }
}

function pageHtml(js: Asset | undefined, css: Asset | undefined): string {
  if (!js || !css) {
    return (
      '<!doctype html><html lang="en"><meta charset="utf-8"><title>nbrun</title>' +
      '<p>The web page of nbrun serve is not built: run <code>pnpm build</code>. The API is at <code>/api/v1/</code>.</p></html>\n'
    );
  }
  const v = (a: Asset) => encodeURIComponent(a.etag.slice(1, 9));
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="color-scheme" content="light dark">' +
    `<title>nbrun</title><link rel="stylesheet" href="/ui/app.css?v=${v(css)}">` +
    `<script type="module" src="/ui/app.js?v=${v(js)}"></script>` +
    '</head><body><div id="app"><noscript>The nbrun page needs JavaScript. The API is at /api/v1/.</noscript></div></body></html>\n'
  );
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin');
}

/** Renders executed notebooks, keeping the last few (a run's output changes only until it ends). */
class RenderCache {
  private readonly entries = new Map<string, string>();
  constructor(private readonly max = 8) {}
  async get(key: string, make: () => Promise<string>): Promise<string> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const html = await make();
    this.entries.set(key, html);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return html;
  }
}

/** `report.ipynb` → `report.html`, safe in a header. */
function htmlName(name: string): string {
  const base = basename(name).replace(/\.ipynb$/i, '') || 'notebook';
  return `${base.replace(/[^\w.-]+/g, '_')}.html`;
}

/**
 * Adds the web page to a Fastify instance (see the module's comment).
 * @example registerWebUi(app, { token, trustedOutputs: false, service })
 */
export function registerWebUi(app: FastifyInstance, options: WebUiOptions): void {
  const sessions = new Sessions(options.token, options.sessionSeconds, options.secureCookie === true);
  const trusted = options.trustedOutputs === true;
  const service = options.service;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  const js = loadAsset(assetsDir, 'app.js', 'text/javascript; charset=utf-8');
  const css = loadAsset(assetsDir, 'app.css', 'text/css; charset=utf-8');
  const page = pageHtml(js, css);
  const renders = new RenderCache();
  const logins = new LoginLimiter(options.loginLimit?.max, options.loginLimit?.windowMs);

  /** Runs a handler of the page's own endpoints: authenticated, errors as problems. */
  const guarded =
    (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const auth = authenticate(sessions, request);
      if (!auth.ok) return sendProblem(reply, auth.status, auth.code, auth.detail);
      try {
        return await handler(request, reply);
      } catch (err) {
        const body = toProblem(err);
        if (body.code === 'E_INTERNAL') log(`nbrun serve (web): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return sendBody(reply, body);
      }
    };

  // The session cookie stands for the token on the API (changes: CSRF header + same origin).
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (!path.startsWith('/api/')) return;
    if (request.headers.authorization !== undefined) return; // the API checks the token itself
    if (!readCookie(request.headers.cookie, SESSION_COOKIE)) return; // and answers 401
    const auth = authenticate(sessions, request);
    if (auth.ok) {
      request.headers.authorization = `Bearer ${options.token}`;
      return;
    }
    if (auth.status === 403) return sendProblem(reply, 403, auth.code, auth.detail);
  });

  app.get('/', HIDDEN, async (_request, reply) =>
    securityHeaders(reply).header('content-security-policy', PAGE_CSP).header('x-frame-options', 'DENY').header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page),
  );
  for (const [name, asset] of [['app.js', js], ['app.css', css]] as const) {
    app.get(`/ui/${name}`, HIDDEN, async (request, reply) => {
      if (!asset) return sendProblem(reply, 404, 'E_NOT_FOUND', `the web page is not built (no ${name}): run pnpm build`);
      securityHeaders(reply).header('etag', asset.etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.type(asset.type).send(asset.body);
    });
  }

  app.post('/ui/login', HIDDEN, async (request, reply) => {
    const reason = crossSiteReason(request);
    if (reason) return sendProblem(reply, 403, 'E_CSRF', `refused: ${reason}`);
    if (!request.headers['content-type']?.startsWith('application/json')) return sendProblem(reply, 400, 'E_INVALID', 'send {"token": "…"} as application/json', 'token');
    // Checked before the token, so a limited client learns nothing from further guesses.
    const wait = logins.retryAfter(request.ip);
    if (wait) return sendProblem(reply.header('retry-after', String(wait)), 429, 'E_RATE_LIMITED', `too many failed logins from ${request.ip}: try again in ${wait} s`);
    const token = (request.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || !sessions.tokenMatches(token.trim())) {
      logins.fail(request.ip);
      return sendProblem(reply, 401, 'E_UNAUTHORIZED', 'wrong token', 'token');
    }
    logins.succeed(request.ip);
    const { cookie, csrf } = sessions.create();
    return reply.header('set-cookie', cookie).header('cache-control', 'no-store').send({ csrf, trustedOutputs: trusted });
  });
  app.post('/ui/logout', HIDDEN, guarded(async (_request, reply) => reply.header('set-cookie', sessions.clearCookie()).code(204).send()));
  app.get(
    '/ui/api/session',
    HIDDEN,
    guarded(async (request, reply) => {
      const session = sessions.read(request);
      return reply.header('cache-control', 'no-store').send({ csrf: session ? sessions.csrf(session) : null, trustedOutputs: trusted });
    }),
  );
  app.get('/ui/api/drivers', HIDDEN, guarded(async () => ({ items: driverCatalog() })));
  app.post(
    '/ui/api/inspect',
    HIDDEN,
    guarded(async (request, reply) => {
      const body = request.body as { notebook?: unknown; name?: unknown } | undefined;
      const name = typeof body?.name === 'string' && body.name ? basename(body.name) : 'notebook.ipynb';
      if (typeof body?.notebook !== 'string') return sendProblem(reply, 400, 'E_INVALID', "send {name, notebook}: the notebook's text", 'notebook');
      const nb = parseNotebook(body.notebook, name);
      const md = (nb.metadata ?? {}) as { kernelspec?: { name?: unknown; display_name?: unknown }; language_info?: { name?: unknown } };
      return {
        parameters: inspectParameters(nb),
        kernel: typeof md.kernelspec?.name === 'string' ? md.kernelspec.name : null,
        language: typeof md.language_info?.name === 'string' ? md.language_info.name : null,
        cells: nb.cells.length,
      };
    }),
  );
  app.post(
    '/ui/api/preview',
    HIDDEN,
    guarded(async (request, reply) => {
      const body = request.body as { trigger?: unknown; count?: unknown } | undefined;
      const trigger = body?.trigger;
      if (!trigger || typeof trigger !== 'object') return sendProblem(reply, 400, 'E_INVALID', 'send {trigger: {cron, timezone} | {intervalSeconds}}', 'trigger');
      const count = typeof body?.count === 'number' && body.count >= 1 && body.count <= 20 ? Math.floor(body.count) : 5;
      const times = service.nextFireTimes(trigger as Trigger, count);
      return { items: times.map((t) => t.toISOString()) };
    }),
  );
  app.get(
    '/ui/runs/:id/notebook.html',
    HIDDEN,
    guarded(async (request, reply) => {
      const id = (request.params as { id: string }).id;
      const download = (request.query as { download?: string }).download === '1';
      await service.getRun(id); // 404 for an unknown run
      const out = await service.runOutput(id);
      const info = out && (await stat(out.path).catch(() => undefined));
      if (!out || !info?.isFile()) return sendProblem(reply, 404, 'E_NO_OUTPUT', `run '${id}' has no executed notebook (yet)`);
      const key = `${id}:${info.mtimeMs}:${info.size}`;
      const html = await renders.get(key, async () => {
        const { renderNotebook } = await import('@nbrun/render');
        const nb = parseNotebook(await readFile(out.path, 'utf8'), out.name);
        return renderNotebook(nb, { name: out.name, trusted });
      });
      securityHeaders(reply)
        .header('content-security-policy', notebookCsp(trusted))
        .header('cross-origin-resource-policy', 'same-origin')
        .header('cache-control', 'no-store');
      if (download) reply.header('content-disposition', `attachment; filename="${htmlName(out.name)}"`);
      return reply.type('text/html; charset=utf-8').send(html);
    }),
  );
}

