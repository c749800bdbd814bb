/**
 * The web page's server side, against the real service (the scheduler on SQLite in a temporary
 * directory, the local driver), through Fastify's inject: login and session cookie, the cookie
 * standing for the token on the API only with the CSRF header and the same origin, the page's
 * own endpoints (inspect, cron preview, drivers), the rendered notebook's
 * Content-Security-Policy, the login rate limit.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openScheduler, type Scheduler } from '../../src/scheduler.js';
import { createServer } from '../../src/http/server.js';
import { buildWebAssets } from '../../src/web/build.js';
import { CSRF_HEADER, PAGE_CSP, notebookCsp } from '../../src/web/index.js';
import { describeCron, describeTrigger } from '../../src/web/client/describe.js';
import { driverOptionValues, parameterValues } from '../../src/web/client/values.js';
import { LOGIN_LIMIT, LoginLimiter } from '../../src/web/login-limit.js';
import { createTestServer } from './server.js';
import { tempDirs } from './temp.js';

const temp = tempDirs();
afterAll(() => temp.clean());

const TOKEN = 'web-test-token-0123456789';
const HOST = 'nbrun.test:8585';

function notebook(sources: { source: string; tags?: string[] }[]) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    cells: sources.map((c, i) => ({ cell_type: 'code', id: `c${i}`, metadata: c.tags ? { tags: c.tags } : {}, source: c.source, outputs: [], execution_count: null })),
  };
}

/** The real service on SQLite in a temporary directory (the local driver), started. */
async function realService(): Promise<Scheduler> {
  const service = await openScheduler({ stateDir: temp.make('nbrun-web-state-'), pollMs: 100 });
  await service.start();
  return service;
}

describe('web page: server side', () => {
  let app: FastifyInstance;
  let service: Scheduler;
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    const assets = temp.make('nbrun-web-assets-');
    await buildWebAssets(assets);
    service = await realService();
    app = await createTestServer(service, { token: TOKEN, assetsDir: assets });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await service?.close();
  });

  const login = async (headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/ui/login', headers: { host: HOST, origin: `http://${HOST}`, 'content-type': 'application/json', ...headers }, payload: { token: TOKEN } });

  it('serves the page with a strict CSP and the bundled assets', async () => {
    const page = await app.inject({ url: '/', headers: { host: HOST } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).toMatch(/<script type="module" src="\/ui\/app\.js\?v=/);
    expect(page.body).not.toMatch(/https?:\/\//); // nothing from the network
    const js = await app.inject({ url: '/ui/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body.length).toBeGreaterThan(10_000);
    const again = await app.inject({ url: '/ui/app.js', headers: { 'if-none-match': js.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    expect((await app.inject({ url: '/ui/app.css' })).headers['content-type']).toMatch(/text\/css/);
    // The page's routes are not part of the API document.
    const doc = await app.inject({ url: '/api/v1/openapi.json', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(Object.keys(doc.json().paths).filter((p) => !p.startsWith('/api/'))).toEqual([]);
  });

  it('refuses a wrong token and a cross-site login; a right one sets an HttpOnly, SameSite=Strict cookie', async () => {
    const wrong = await app.inject({ method: 'POST', url: '/ui/login', headers: { host: HOST, 'content-type': 'application/json' }, payload: { token: 'nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const cross = await login({ origin: 'http://evil.test' });
    expect(cross.statusCode).toBe(403);
    expect(cross.json().code).toBe('E_CSRF');
    const form = await app.inject({ method: 'POST', url: '/ui/login', headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${TOKEN}` });
    expect(form.statusCode).toBe(415); // only JSON: a cross-site HTML form cannot send it without CORS
    const ok = await login();
    expect(ok.statusCode).toBe(200);
    const set = String(ok.headers['set-cookie']);
    expect(set).toMatch(/^nbrun_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(set).not.toContain(TOKEN);
    cookie = set.split(';')[0]!;
    csrf = ok.json().csrf;
    expect(csrf).toMatch(/^[\w-]{20,}$/);
    const session = await app.inject({ url: '/ui/api/session', headers: { host: HOST, cookie } });
    expect(session.json().csrf).toBe(csrf);
  });

  it('lets the cookie read the API, but a change needs the CSRF header and the same origin', async () => {
    expect((await app.inject({ url: '/api/v1/schedules', headers: { host: HOST } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/schedules', headers: { host: HOST, cookie: 'nbrun_session=1.forged.mac' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/schedules', headers: { host: HOST, cookie } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/schedules', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);

    const nb = notebook([{ source: 'x = 1', tags: ['parameters'] }]);
    const body = { name: 'csrf', notebook: nb, trigger: null };
    const post = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/api/v1/schedules', headers: { host: HOST, cookie, 'content-type': 'application/json', ...headers }, payload: body });
    const none = await post({});
    expect(none.statusCode).toBe(403);
    expect(none.json().code).toBe('E_CSRF');
    expect((await post({ [CSRF_HEADER]: 'wrong' })).statusCode).toBe(403);
    expect((await post({ [CSRF_HEADER]: csrf, origin: 'http://evil.test' })).statusCode).toBe(403);
    expect((await post({ [CSRF_HEADER]: csrf, 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await post({ [CSRF_HEADER]: csrf, 'sec-fetch-site': 'same-site' })).statusCode).toBe(403);
    expect((await service.listSchedules({})).items).toHaveLength(0);
    const ok = await post({ [CSRF_HEADER]: csrf, origin: `http://${HOST}`, 'sec-fetch-site': 'same-origin' });
    expect(ok.statusCode).toBe(201);
    // The page's own endpoints follow the same rule.
    const preview = { method: 'POST' as const, url: '/ui/api/preview', payload: { trigger: { cron: '0 6 * * *', timezone: 'Europe/Berlin' } } };
    expect((await app.inject({ ...preview, headers: { host: HOST, cookie } })).statusCode).toBe(403);
    expect((await app.inject({ ...preview, headers: { host: HOST } })).statusCode).toBe(401);
    // Logging out clears the cookie.
    const out = await app.inject({ method: 'POST', url: '/ui/logout', headers: { host: HOST, cookie, [CSRF_HEADER]: csrf, 'content-type': 'application/json' }, payload: {} });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^nbrun_session=; .*Max-Age=0/);
  });

  it('inspects an uploaded notebook as nbrun inspect does', async () => {
    const nb = notebook([{ source: 'region = "eu"  # where\ncount: int = 3\nloud = False\nrate = 0.5', tags: ['parameters'] }, { source: 'print(region)' }]);
    const r = await app.inject({ method: 'POST', url: '/ui/api/inspect', headers: { authorization: `Bearer ${TOKEN}` }, payload: { name: 'a.ipynb', notebook: JSON.stringify(nb) } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      kernel: 'python3',
      language: 'python',
      parameters: [
        { name: 'region', inferredType: 'str', default: '"eu"', help: 'where' },
        { name: 'count', inferredType: 'int', default: '3' },
        { name: 'loud', inferredType: 'bool', default: 'False' },
        { name: 'rate', inferredType: 'float', default: '0.5' },
      ],
    });
    const bad = await app.inject({ method: 'POST', url: '/ui/api/inspect', headers: { authorization: `Bearer ${TOKEN}` }, payload: { name: 'b.ipynb', notebook: '{"cells": 1' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect(bad.json().detail).toContain('b.ipynb');
  });

  it('previews fire times; a bad cron or zone is a 400 naming the field', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const r = await app.inject({ method: 'POST', url: '/ui/api/preview', headers: auth, payload: { trigger: { cron: '30 6 * * 1-5', timezone: 'Europe/Berlin' } } });
    expect(r.statusCode).toBe(200);
    const items = r.json().items as string[];
    expect(items).toHaveLength(5);
    for (const t of items) expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(new Date(t))).toBe('06:30');
    const bad = await app.inject({ method: 'POST', url: '/ui/api/preview', headers: auth, payload: { trigger: { cron: '61 * * * *' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'E_INVALID', field: 'trigger.cron' });
    const zone = await app.inject({ method: 'POST', url: '/ui/api/preview', headers: auth, payload: { trigger: { cron: '0 6 * * *', timezone: 'Mars/Olympus' } } });
    expect(zone.json()).toMatchObject({ status: 400, field: 'trigger.timezone' });
  });

  it('lists the drivers with their option schemas', async () => {
    const r = await app.inject({ url: '/ui/api/drivers', headers: { authorization: `Bearer ${TOKEN}` } });
    const items = r.json().items as { name: string; options: { type: string; properties: object } }[];
    expect(items.map((d) => d.name)).toContain('local');
    for (const d of items) expect(d.options.type).toBe('object');
  });

  it('gives rendered notebooks a CSP without script unless outputs are trusted', () => {
    const untrusted = notebookCsp(false);
    expect(untrusted).toMatch(/^sandbox; /);
    expect(untrusted).toContain("script-src 'none'");
    expect(untrusted).toContain("default-src 'none'");
    const trusted = notebookCsp(true);
    expect(trusted).toContain('sandbox allow-scripts');
    expect(trusted).not.toContain('allow-same-origin');
  });

  it('serves a run\'s executed notebook (local driver, real kernel) rendered, with that CSP and no caching; as a download with ?download=1', async () => {
    const nb = notebook([{ source: 'from IPython.display import HTML, display\ndisplay(HTML("<b id=\'out\'>served</b><script>alert(1)</script>"))' }]);
    const created = await app.inject({ method: 'POST', url: '/api/v1/runs', headers: { authorization: `Bearer ${TOKEN}` }, payload: { name: 'served', notebook: nb, notebookName: 'served.ipynb' } });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id as string;
    let run = await service.getRun(id);
    while (run.state === 'queued' || run.state === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      run = await service.getRun(id);
    }
    expect(run.state, JSON.stringify(run.error)).toBe('succeeded');
    const url = `/ui/runs/${id}/notebook.html`;
    expect((await app.inject({ url, headers: { host: HOST } })).statusCode).toBe(401);
    const session = String((await login()).headers['set-cookie']).split(';')[0]!;
    const page = await app.inject({ url, headers: { host: HOST, cookie: session } });
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': notebookCsp(false),
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    expect(page.headers['content-disposition']).toBeUndefined();
    expect(page.body).toContain('<b id="out">served</b>');
    expect(page.body).not.toContain('<script>alert(1)');
    const download = await app.inject({ url: `${url}?download=1`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="served[^"]*\.html"$/);
    const unknown = await app.inject({ url: '/ui/runs/run_nope/notebook.html', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('web page: the API through the cookie', () => {
  it('logs in, previews fire times and creates, pauses and deletes a schedule with driver options through the cookie', async () => {
    const assets = temp.make('nbrun-web-assets-');
    await buildWebAssets(assets);
    const service = await realService();
    const app = await createServer(service, { token: TOKEN, webAssetsDir: assets });
    try {
      const login = await app.inject({ method: 'POST', url: '/ui/login', headers: { host: HOST, origin: `http://${HOST}`, 'content-type': 'application/json' }, payload: { token: TOKEN } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const headers = { host: HOST, origin: `http://${HOST}`, cookie, [CSRF_HEADER]: login.json().csrf as string, 'content-type': 'application/json' };
      const preview = await app.inject({ method: 'POST', url: '/ui/api/preview', headers, payload: { trigger: { cron: '0 6 * * *', timezone: 'Europe/Berlin' } } });
      expect(preview.json().items).toHaveLength(5);
      const badZone = await app.inject({ method: 'POST', url: '/ui/api/preview', headers, payload: { trigger: { cron: '0 6 * * *', timezone: 'Mars/Olympus' } } });
      expect(badZone.statusCode).toBe(400);
      const drivers = (await app.inject({ url: '/ui/api/drivers', headers })).json().items as { name: string; options: { properties: Record<string, unknown> } }[];
      expect(Object.keys(drivers.find((d) => d.name === 'docker')!.options.properties)).toContain('network');
      const nb = notebook([{ source: 'x = 1', tags: ['parameters'] }]);
      const body = { name: 'real', notebook: nb, notebookName: 'real.ipynb', parameters: { x: 2 }, trigger: { cron: '0 6 * * *', timezone: 'Europe/Berlin' } };
      const bad = await app.inject({ method: 'POST', url: '/api/v1/schedules', headers, payload: { ...body, driver: { name: 'docker', options: { bogus: 1 } } } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().detail).toContain('bogus');
      const created = await app.inject({ method: 'POST', url: '/api/v1/schedules', headers, payload: { ...body, driver: { name: 'docker', options: { network: 'none' } } } });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as string;
      expect(created.json()).toMatchObject({ driver: { name: 'docker', options: { network: 'none' } }, nextRuns: expect.any(Array) });
      expect((await app.inject({ method: 'POST', url: `/api/v1/schedules/${id}/pause`, headers: { ...headers, [CSRF_HEADER]: 'x' }, payload: {} })).statusCode).toBe(403);
      expect((await app.inject({ method: 'POST', url: `/api/v1/schedules/${id}/pause`, headers, payload: {} })).json().paused).toBe(true);
      const { 'content-type': _json, ...noBody } = headers;
      expect((await app.inject({ method: 'DELETE', url: `/api/v1/schedules/${id}`, headers: noBody })).statusCode).toBe(204);
    } finally {
      await app.close();
      await service.close();
    }
  });
});

describe('web page: words and values', () => {
  it('says triggers in words', () => {
    expect(describeTrigger({ cron: '0 6 * * *', timezone: 'Europe/Berlin' })).toBe('every day at 06:00 Europe/Berlin');
    expect(describeTrigger({ cron: '30 9 * * 1-5' })).toBe('on weekdays at 09:30 UTC');
    expect(describeCron('*/15 * * * *')).toBe('every 15 minutes');
    expect(describeCron('0 0 1 * *')).toBe('on the 1st of every month at 00:00');
    expect(describeCron('0 7 * * mon,thu')).toBe('on Monday and Thursday at 07:00');
    expect(describeCron('5 4 * 1 0')).toBe('on Sunday in January at 04:05');
    expect(describeCron('1-5/2 * * * *')).toBeUndefined();
    expect(describeTrigger({ cron: '1-5/2 * * * *' })).toBe('cron 1-5/2 * * * * UTC');
    expect(describeTrigger({ intervalSeconds: 600 })).toBe('every 10 minutes');
    expect(describeTrigger(null)).toBe('on demand only');
  });

  it('turns form strings into typed parameters and driver options', () => {
    const params = [
      { name: 'n', inferredType: 'int', default: '3', help: '' },
      { name: 'rate', inferredType: 'float', default: '0.5', help: '' },
      { name: 'loud', inferredType: 'bool', default: 'False', help: '' },
      { name: 'tags', inferredType: 'list', default: '[]', help: '' },
      { name: 'who', inferredType: 'str', default: '"x"', help: '' },
      { name: 'unset', inferredType: 'str', default: '"y"', help: '' },
    ];
    expect(parameterValues(params, { n: '4', rate: '1e-3', loud: true, tags: '["a", 2]', who: '42', unset: '' })).toEqual({ n: 4, rate: 0.001, loud: true, tags: ['a', 2], who: '42' });
    expect(parameterValues(params, { loud: false })).toEqual({});
    expect(() => parameterValues(params, { n: '4.5' })).toThrow(/parameter n: an integer/);
    const schema = { type: 'object', properties: { network: { type: 'string' }, keep: { type: 'boolean' }, stopTimeout: { type: 'integer' }, label: { type: 'array', items: { type: 'string' } } } };
    expect(driverOptionValues(schema, { network: 'host', keep: true, stopTimeout: '5', label: 'a=1\n\nb=2\n' })).toEqual({ network: 'host', keep: true, stopTimeout: 5, label: ['a=1', 'b=2'] });
    expect(() => driverOptionValues(schema, { stopTimeout: 'soon' })).toThrow(/stopTimeout/);
  });
});

describe('web page: login rate limit', () => {
  it('refuses a client after 10 wrong tokens in a minute with 429 and Retry-After, even with the right token; others may still log in', async () => {
    const assets = temp.make('nbrun-web-assets-');
    await buildWebAssets(assets);
    const service = await realService();
    const app = await createTestServer(service, { token: TOKEN, assetsDir: assets });
    try {
      const attempt = (token: string, remoteAddress = '192.0.2.7') =>
        app.inject({ method: 'POST', url: '/ui/login', remoteAddress, headers: { host: HOST, 'content-type': 'application/json' }, payload: { token } });
      for (let i = 0; i < LOGIN_LIMIT.max; i++) expect((await attempt(`guess-${i}`)).statusCode).toBe(401);
      for (const token of ['guess-again', TOKEN]) {
        const limited = await attempt(token);
        expect(limited.statusCode).toBe(429);
        expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(limited.headers['set-cookie']).toBeUndefined();
        expect(limited.json()).toMatchObject({ status: 429, code: 'E_RATE_LIMITED', title: 'Too Many Requests' });
        const wait = Number(limited.headers['retry-after']);
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(wait).toBeLessThanOrEqual(60);
      }
      // Another address is not held back by the first one's failures.
      expect((await attempt(TOKEN, '192.0.2.8')).statusCode).toBe(200);
    } finally {
      await app.close();
      await service.close();
    }
  });

  it('forgets failures older than the window, and a right token clears them', () => {
    const limiter = new LoginLimiter(3, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) limiter.fail('a', t0 + i * 1000);
    expect(limiter.retryAfter('a', t0 + 2000)).toBe(58);
    expect(limiter.retryAfter('a', t0 + 59_999)).toBe(1);
    expect(limiter.retryAfter('a', t0 + 60_000)).toBe(0); // the first failure left the window
    limiter.fail('a', t0 + 60_000);
    expect(limiter.retryAfter('a', t0 + 60_001)).toBe(1);
    expect(limiter.retryAfter('b', t0)).toBe(0);
    limiter.fail('b', t0);
    limiter.fail('b', t0);
    limiter.succeed('b');
    limiter.fail('b', t0);
    limiter.fail('b', t0);
    expect(limiter.retryAfter('b', t0)).toBe(0);
  });
});
