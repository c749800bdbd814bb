/**
 * The web page of `nbrun serve`, end to end, in Debian's Chromium and Debian's Firefox ESR
 * (puppeteer-core; the same suite in each), against the real service: the scheduler on SQLite
 * in a temporary directory, runs executed by the local driver with a real kernel. Log in with
 * the keyboard, create schedules from an uploaded notebook through the generated parameter and
 * driver forms with a live cron preview, run one now with an override and watch it go from
 * queued to succeeded without a reload while its log streams, open the rendered notebook,
 * download it; a failing run shows its failed cell on top; hostile outputs execute nothing;
 * requests without the cookie or token, or from another site, are refused; lists page; the
 * pages fit 360 px. Screenshots go to .vitest-tmp/screenshots/web-<browser>-*.png.
 *
 * Deterministic under load: every wait is on a state (a run's state, an element, a file), and
 * the run that must be seen queued is held queued by a run occupying the only slot until the
 * test releases it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ElementHandle, Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openScheduler, type Scheduler } from '../../src/scheduler.js';
import { buildWebAssets } from '../../src/web/build.js';
import type { Run } from '../../src/model.js';
import { BROWSERS, downloaded, guardPage, launchBrowser, screenshotPath, type LaunchedBrowser, type PageRecord } from '../../../../test/helpers/browsers.js';
import { createTestServer } from './server.js';
import { tempDirs } from './temp.js';

// What the functions evaluated in the page see (the workspace's TypeScript has no DOM library).
declare const document: any, window: any, MutationObserver: any, Node: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const temp = tempDirs();
afterAll(() => temp.clean());

const TOKEN = 'browser-test-token-abcdef0123';

function notebook(cells: { source: string; tags?: string[] }[]) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    cells: cells.map((c, i) => ({ cell_type: 'code', id: `cell-${i}`, metadata: c.tags ? { tags: c.tags } : {}, source: c.source, outputs: [], execution_count: null })),
  };
}

const GREETER = notebook([
  { source: 'name = "world"  # who to greet\ncount: int = 2  # lines to print\nloud = False  # shout', tags: ['parameters'] },
  { source: 'import time\nfor i in range(count):\n    print(f"tick {i + 1} of {count} for {name}", flush=True)\n    time.sleep(0.8)' },
  { source: 'print("data:", open("data.txt").read().strip())' },
  { source: 'from IPython.display import HTML, display\ndisplay(HTML(f"<h2 id=\'greeting\'>Hello {name.upper() if loud else name}</h2>"))' },
]);

const FAILING = notebook([{ source: 'print("before the failure")' }, { source: 'raise ValueError("boom from the web test")' }]);

/** Holds the only run slot until `flag` exists (at most two minutes). */
const blocker = (flag: string) =>
  notebook([{ source: `import os, time\nfor _ in range(2400):\n    if os.path.exists(${JSON.stringify(flag)}):\n        break\n    time.sleep(0.05)\nprint("released")` }]);

/** Outputs that would set a flag in the page (or call home) if any of their script ran. */
const HOSTILE = notebook([
  {
    source: [
      'from IPython.display import HTML, Javascript, SVG, Markdown, display',
      'display(HTML(\'<p id="hostile">hostile outputs</p><img src=x onerror="parent.__pwned=1;top.__pwned=1;alert(1)"><script>parent.__pwned=2;fetch("/pwned")</script>\'))',
      'display(HTML(\'<a id="jslink" href="javascript:parent.__pwned=3">link</a><iframe srcdoc="<script>top.__pwned=4</script>"></iframe><form action="/pwned"><button id="sub">go</button></form>\'))',
      'display(Javascript("parent.__pwned = 5; top.__pwned = 5; new Image().src = \'/pwned\'"))',
      'display(SVG(\'<svg xmlns="http://www.w3.org/2000/svg" onload="parent.__pwned=6"><script>parent.__pwned=7</script><rect width="10" height="10"/></svg>\'))',
      'display(Markdown(\'<details open ontoggle="parent.__pwned=8">x</details> [click](javascript:parent.__pwned=9)\'))',
    ].join('\n'),
  },
]);

const TRUSTED = notebook([
  {
    source:
      'from IPython.display import HTML, display\ndisplay(HTML("<p id=\'t\'>trusted</p><script>document.body.setAttribute(\'data-ran\', \'1\'); try { parent.document.body.setAttribute(\'data-pwned\', \'1\') } catch (e) { document.body.setAttribute(\'data-blocked\', \'1\') }</script>"))',
  },
]);

describe.each(BROWSERS)('web page in %s, against the real service', (browserName) => {
  let scheduler: Scheduler;
  let app: FastifyInstance;
  let trustedApp: FastifyInstance | undefined;
  let hostile: FastifyInstance | undefined;
  let launched: LaunchedBrowser;
  let page: Page;
  let base: string;
  let files: string;
  const responses: { method: string; url: string; status: number }[] = [];
  // What every page tried: requests leaving loopback (refused), dialogs.
  const record: PageRecord = { refused: [], dialogs: [], console: [] };
  const shot = (name: string, p: Page = page) => p.screenshot({ path: screenshotPath(`web-${browserName}-${name}.png`), fullPage: true });

  /** A page that records dialogs and lets only loopback requests through. */
  async function newPage(width = 1280, height = 900): Promise<Page> {
    const p = await launched.context.newPage();
    await p.setViewport({ width, height });
    await guardPage(p, (url) => url.startsWith('http://127.0.0.1:') || url.startsWith('http://localhost:'), record);
    return p;
  }

  beforeAll(async () => {
    const assets = temp.make('nbrun-web-assets-');
    await buildWebAssets(assets);
    files = temp.make(`nbrun-web-${browserName}-files-`);
    // One run at a time, so a run can be held queued behind another.
    scheduler = await openScheduler({ stateDir: temp.make(`nbrun-web-${browserName}-state-`), pollMs: 100, maxConcurrent: 1 });
    await scheduler.start();
    app = await createTestServer(scheduler, { token: TOKEN, assetsDir: assets });
    app.addHook('onResponse', async (request, reply) => {
      responses.push({ method: request.method, url: request.url, status: reply.statusCode });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    launched = await launchBrowser(browserName, temp.make(`nbrun-web-${browserName}-downloads-`));
    page = await newPage();
  });
  afterAll(async () => {
    await launched?.browser.close();
    await app?.close();
    await trustedApp?.close();
    await hostile?.close();
    await scheduler?.close();
  });

  const text = (selector: string, p: Page | Frame = page) => p.$eval(selector, (e) => e.textContent?.trim() ?? '');
  const attr = (selector: string, name: string, p: Page | Frame = page) => p.$eval(selector, (e, n) => e.getAttribute(n), name);
  /** Waits until some element matching `selector` contains `needle`. */
  const waitText = (selector: string, needle: string, p: Page | Frame = page, timeout = 30_000) =>
    p.waitForFunction((s, n) => [...document.querySelectorAll(s)].some((e) => e.textContent?.includes(n)), { timeout }, selector, needle);
  /** The button or link in `scope` whose text is `label` (waits for it). */
  async function control(scope: string, label: string, p: Page = page): Promise<ElementHandle> {
    const handle = await p.waitForFunction(
      (s, l) => [...document.querySelectorAll(`${s} button, ${s} a`)].find((e) => e.textContent?.trim() === l),
      { timeout: 30_000 },
      scope,
      label,
    );
    return handle.asElement() as ElementHandle;
  }
  const click = async (scope: string, label: string) => (await control(scope, label)).click();
  /** Replaces an input's value as a user would (select all, type). */
  async function fill(selector: string, value: string): Promise<void> {
    await page.locator(selector).fill(value);
  }
  async function notebookFrame(p: Page = page): Promise<Frame> {
    const handle = await p.waitForSelector('iframe.notebook', { timeout: 30_000 });
    const frame = await handle!.contentFrame();
    if (!frame) throw new Error('the notebook frame has no document');
    return frame;
  }

  async function apiPost<T = Run>(path: string, body: unknown): Promise<T> {
    const res = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as T;
  }

  /** Waits for the run page's state to become `state`; the states it showed on the way (watched in the page, every render). */
  async function waitForState(state: string, timeout = 120_000): Promise<string[]> {
    await page.waitForSelector('#run-state');
    await page.evaluate(() => {
      const w = window as unknown as { __states?: string[]; __watching?: boolean };
      w.__states ??= [];
      const note = () => {
        const s = document.querySelector('#run-state')?.textContent?.trim() ?? '';
        if (s && w.__states![w.__states!.length - 1] !== s) w.__states!.push(s);
      };
      note();
      if (!w.__watching) {
        w.__watching = true;
        new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
      }
    });
    await page.waitForFunction((s) => document.querySelector('#run-state')?.textContent?.trim() === s, { timeout, polling: 100 }, state);
    return page.evaluate(() => (window as unknown as { __states: string[] }).__states.splice(0));
  }

  async function runEnded(id: string): Promise<Run> {
    for (;;) {
      const run = await scheduler.getRun(id);
      if (run.state !== 'queued' && run.state !== 'running') return run;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('refuses requests without the cookie or the token', async () => {
    for (const path of ['/api/v1/schedules', '/api/v1/runs', '/ui/api/drivers', '/ui/api/session', '/ui/runs/run_x/notebook.html']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
    expect((await fetch(base + '/api/v1/runs', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    // The page itself, without a session, shows only the login form; its script's calls are refused.
    await page.goto(base + '/#/runs');
    await page.waitForSelector('#token');
    expect(await page.$('main#main')).toBeNull();
    expect(await page.evaluate(async () => (await fetch('/api/v1/runs')).status)).toBe(401);
  });

  it('logs in with the keyboard', async () => {
    await page.goto(base + '/');
    await page.waitForSelector('#token');
    await shot('login');
    // The token field has the focus; a wrong token says so.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
    await page.keyboard.type('wrong-token');
    await page.keyboard.press('Enter');
    await waitText('.error', 'Wrong token.');
    await fill('#token', '');
    await page.focus('#token');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await waitText('h1', 'Schedules');
    const cookies = await launched.context.cookies();
    const session = cookies.find((c) => c.name === 'nbrun_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).toBe(''); // not readable by script
  });

  it('creates schedules from an uploaded notebook with the generated parameter and driver forms and a live cron preview', async () => {
    writeFileSync(join(files, 'greeter.ipynb'), JSON.stringify(GREETER));
    writeFileSync(join(files, 'data.txt'), 'forty-two\n');
    await click('header', 'Schedules');
    await click('main', 'New schedule');
    await (await page.waitForSelector('input#notebook'))!.uploadFile(join(files, 'greeter.ipynb'));
    await (await page.waitForSelector('input#files'))!.uploadFile(join(files, 'data.txt'));
    // The parameter form comes from the notebook's parameters cell.
    await page.waitForSelector('#param-name');
    expect(await attr('#param-name', 'placeholder')).toBe('"world"');
    await waitText('#param-count-help', 'int, default 2 — lines to print');
    expect(await page.$eval('#param-loud', (e) => (e as { value: string; checked: boolean }).checked)).toBe(false);
    expect(await page.$eval('#name', (e) => (e as { value: string; checked: boolean }).value)).toBe('greeter');
    await fill('#name', 'Greeter');
    await fill('#param-name', 'web');
    await fill('#param-count', '3');
    // Driver options: a form generated from each driver's option schema.
    const drivers = await page.$$eval('#driver option', (os) => os.map((o) => (o as { value: string }).value));
    expect(drivers).toEqual(expect.arrayContaining(['local', 'docker', 'kubernetes']));
    await page.select('#driver', 'docker');
    await page.waitForSelector('#opt-network');
    expect(await attr('#opt-stopTimeout', 'type')).toBe('number');
    expect(await attr('#opt-keep', 'type')).toBe('checkbox');
    expect(await page.$eval('#opt-label', (e) => e.tagName)).toBe('TEXTAREA');
    expect(await text('#opt-network-help')).toContain('container network');
    await page.select('#driver', 'local');
    await waitText('.options, .hint', 'The local driver has no options.');
    // Cron with a live preview in the chosen zone.
    await fill('#cron', '30 6 * * 1-5');
    await fill('#zone', 'Europe/Berlin');
    await waitText('.preview', 'on weekdays at 06:30 Europe/Berlin');
    await page.waitForFunction(() => document.querySelectorAll('.fire-times[data-zone="Europe/Berlin"] li').length === 5);
    for (const t of await page.$$eval('.fire-times li', (li) => li.map((e) => e.textContent ?? ''))) expect(t).toMatch(/^\d{4}-\d\d-\d\d 06:30 \((Mon|Tue|Wed|Thu|Fri)\)$/);
    await fill('#cron', '61 * * * *');
    await page.waitForSelector('.preview .error');
    await fill('#cron', '30 6 * * 1-5');
    await page.waitForFunction(() => document.querySelectorAll('.fire-times li').length === 5 && !document.querySelector('.preview .error'));
    await shot('new-schedule');
    await click('form', 'Create schedule');
    await page.waitForSelector('tr[data-schedule="Greeter"]');
    const row = 'tr[data-schedule="Greeter"]';
    expect(await text(row)).toContain('on weekdays at 06:30 Europe/Berlin');
    expect(await text(row)).toContain('30 6 * * 1-5');
    expect(await text(row)).toContain('active');
    const [stored] = (await scheduler.listSchedules({})).items;
    expect(stored).toMatchObject({ name: 'Greeter', parameters: { name: 'web', count: 3 }, driver: { name: 'local' }, trigger: { cron: '30 6 * * 1-5', timezone: 'Europe/Berlin' } });
    expect(stored!.snapshot.files).toEqual(['data.txt']);
    // Pause and resume; left paused, so no tick of the cron interferes with the runs below.
    await click(row, 'Pause');
    await waitText(row, 'paused');
    await click(row, 'Resume');
    await waitText(row, 'active');
    await click(row, 'Pause');
    await waitText(row, 'paused');

    // A second schedule on the docker driver with options (stored, never run here), on demand only.
    await click('main', 'New schedule');
    await (await page.waitForSelector('input#notebook'))!.uploadFile(join(files, 'greeter.ipynb'));
    await page.waitForSelector('#param-name');
    await fill('#name', 'Containerised');
    await page.select('#driver', 'docker');
    await page.waitForSelector('#opt-network');
    await fill('#opt-network', 'none');
    await fill('#opt-stopTimeout', '7');
    await page.locator('#opt-keep').click();
    await fill('#opt-label', 'team=data\nnbrun.test=1');
    await page.locator('input[name="trigger"][value="none"]').click();
    await page.waitForFunction(() => !document.querySelector('#cron'));
    await click('form', 'Create schedule');
    await page.waitForSelector('tr[data-schedule="Containerised"]');
    const docker = (await scheduler.listSchedules({})).items.find((s) => s.name === 'Containerised');
    expect(docker).toMatchObject({ driver: { name: 'docker', options: { network: 'none', stopTimeout: 7, keep: true, label: ['team=data', 'nbrun.test=1'] } }, trigger: null });
  });

  it('runs it now with an override, queued then running then succeeded without a reload, the log live, then the rendered notebook and the downloads', async () => {
    // A run holding the only slot keeps the next one queued until it is released.
    const flag = join(files, 'release');
    onTestFinished(() => writeFileSync(flag, '')); // never left holding the slot
    const hold = await apiPost('/api/v1/runs', { name: 'hold', notebook: blocker(flag), notebookName: 'hold.ipynb' });
    while ((await scheduler.getRun(hold.id)).state === 'queued') await new Promise((r) => setTimeout(r, 100));
    expect((await scheduler.getRun(hold.id)).state).toBe('running');

    const row = 'tr[data-schedule="Greeter"]';
    await click(row, 'Run now');
    const count = await page.waitForSelector('input[aria-label="Value of count"]');
    expect(await count!.evaluate((e) => (e as { value: string; checked: boolean }).value)).toBe('3');
    await fill('input[aria-label="Value of count"]', '4');
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 1));
    await click(row, 'Start run');
    expect(await waitForState('queued')).toEqual(['queued']);
    await waitText('pre.log', 'waiting for output');
    writeFileSync(flag, '');
    // The log streams while the run is running (server-sent events): the first tick is shown
    // while the page still follows the log (the run sleeps 2.4 s after it before it can end).
    await page.waitForFunction(
      () => document.querySelector('pre.log')?.textContent?.includes('tick 1 of 4 for web') && document.querySelector('#log-h')?.textContent?.includes('following'),
      { timeout: 120_000, polling: 50 },
    );
    await shot('run-live');
    const seen = await waitForState('succeeded');
    expect(seen[seen.length - 1]).toBe('succeeded');
    expect(seen).toContain('running');
    expect(seen.indexOf('running')).toBeLessThan(seen.indexOf('succeeded'));
    // Never reloaded.
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(1);
    await waitText('pre.log', 'data: forty-two');
    expect(await text('pre.log')).toContain('tick 4 of 4 for web');
    // The executed notebook, rendered in a sandboxed frame.
    const frame = await notebookFrame();
    await frame.waitForSelector('#greeting');
    expect(await text('#greeting', frame)).toBe('Hello web');
    expect(await attr('iframe.notebook', 'sandbox')).toBe('');
    await shot('run');
    // Downloads: the .ipynb and the .html, saved by the browser.
    await click('main', 'Download .ipynb');
    const nb = JSON.parse(await downloaded(launched.downloadDir!, 'greeter.ipynb')) as { cells: { outputs?: { text?: string | string[] }[] }[] };
    expect(nb.cells.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(nb)).toContain('tick 4 of 4 for web');
    await click('main', 'Download .html');
    expect(await downloaded(launched.downloadDir!, 'greeter.html')).toContain('Hello web');
    // The run is listed, newest first, and the filters work.
    await click('header', 'Runs');
    await page.waitForSelector('tr[data-run]');
    // The row names its schedule from the start (the run carries the name; the page once showed
    // the id until a second request brought the schedules' names).
    expect(await text('tr[data-run]')).toMatch(/Greeter.*succeeded.*manual/);
    await page.select('#f-state', 'failed');
    await waitText('main p', 'No runs match.');
    await page.select('#f-state', '');
    await page.waitForSelector('tr[data-run]');
    await shot('runs');
    await click('header', 'Schedules');
    await page.waitForSelector('tr[data-schedule="Greeter"] .state-succeeded');
    await shot('schedules');
    await runEnded(hold.id);
  });

  it('shows a failed run with its failed cell and error on top', async () => {
    const run = await apiPost('/api/v1/runs', { name: 'failing', notebook: FAILING, notebookName: 'failing.ipynb' });
    await page.goto(`${base}/#/runs/${run.id}`);
    await waitForState('failed');
    const failure = await page.waitForSelector('.failure');
    const said = (await failure!.evaluate((e) => e.textContent)) ?? '';
    expect(said).toContain('The run failed');
    expect(said).toMatch(/Failed cell: index \d+ of the executed notebook/);
    expect(said).toContain('cell 2 failed: ValueError: boom from the web test');
    // It comes before the log and the notebook.
    expect(await page.evaluate(() => Boolean(document.querySelector('.failure')!.compareDocumentPosition(document.querySelector('pre.log')!) & Node.DOCUMENT_POSITION_FOLLOWING))).toBe(true);
    // The rendered notebook marks the failed cell, with its error.
    const frame = await notebookFrame();
    await frame.waitForSelector('.nb-cell--failed');
    expect(await text('.nb-cell--failed', frame)).toContain('ValueError: boom from the web test');
    expect(await frame.$$eval('.nb-cell--failed', (cells) => cells.length)).toBe(1);
    await shot('run-failed');
  });

  it('runs no script of a hostile notebook output', async () => {
    const run = await apiPost('/api/v1/runs', { name: 'hostile', notebook: HOSTILE, notebookName: 'hostile.ipynb' });
    await page.goto(`${base}/#/runs/${run.id}`);
    await waitForState('succeeded');
    const frame = await notebookFrame();
    await frame.waitForSelector('#hostile');
    // Interact as a user would: click the links and the button if the sanitizer left them.
    for (const sel of ['#jslink', '#sub']) {
      const el = await frame.$(sel);
      if (el) await el.click().catch(() => {});
    }
    // The page is still there and nothing of the outputs ran in it.
    await page.waitForSelector('iframe.notebook');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(record.dialogs).toEqual([]);
    expect(responses.filter((r) => r.url.includes('pwned'))).toEqual([]);
    const res = await fetch(`${base}/ui/runs/${run.id}/notebook.html`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox; .*script-src 'none'/);
  });

  it('with trusted outputs, runs their scripts in a sandbox that cannot reach the page', async () => {
    const assets = temp.make('nbrun-web-assets-');
    await buildWebAssets(assets);
    trustedApp = await createTestServer(scheduler, { token: TOKEN, assetsDir: assets, trustedOutputs: true });
    await trustedApp.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(trustedApp.server.address() as { port: number }).port}`;
    const run = await apiPost('/api/v1/runs', { name: 'trusted', notebook: TRUSTED, notebookName: 'trusted.ipynb' });
    expect((await runEnded(run.id)).state).toBe('succeeded');
    const p = await newPage();
    // Same host, same token: the session cookie of the first server is valid here too.
    await p.goto(`${url}/#/runs/${run.id}`);
    const frame = await notebookFrame(p);
    await frame.waitForSelector('#t');
    expect(await attr('iframe.notebook', 'sandbox', p)).toBe('allow-scripts allow-popups allow-popups-to-escape-sandbox');
    await frame.waitForFunction(() => document.body.getAttribute('data-ran') === '1');
    expect(await frame.evaluate(() => document.body.getAttribute('data-blocked'))).toBe('1');
    expect(await p.evaluate(() => document.body.getAttribute('data-pwned'))).toBeNull();
    await p.close();
  });

  it('refuses cross-site requests: another site posting with the session, and a POST without the CSRF header', async () => {
    const schedule = (await scheduler.listSchedules({})).items.find((s) => s.name === 'Containerised')!;
    expect(schedule.paused).toBe(false);
    const target = `${base}/api/v1/schedules/${schedule.id}/pause`;
    hostile = Fastify();
    hostile.get('/', async (_r, reply) =>
      reply.type('text/html').send(
        `<!doctype html><form id="f" method="POST" action="${target}" enctype="text/plain"><input name='{"a":"' value='"}'></form>` +
          `<script>fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors', body: '{}' }).finally(() => document.getElementById('f').submit());</script>`,
      ),
    );
    await hostile.listen({ host: '127.0.0.1', port: 0 });
    const evil = `http://localhost:${(hostile.server.address() as { port: number }).port}/`;
    const before = responses.length;
    const other = await newPage();
    await other.goto(evil);
    await expect.poll(() => responses.slice(before).filter((r) => r.url.endsWith('/pause')).length, { timeout: 30_000 }).toBe(2);
    for (const r of responses.slice(before).filter((x) => x.url.endsWith('/pause'))) expect([401, 403]).toContain(r.status);
    expect((await scheduler.getSchedule(schedule.id)).paused).toBe(false);
    await other.close();
    // The page's own origin, with the cookie but without the CSRF header: refused too.
    const status = await page.evaluate(async (u) => (await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, target);
    expect(status).toBe(403);
    expect((await scheduler.getSchedule(schedule.id)).paused).toBe(false);
  });

  it('pages through the schedules and the runs', async () => {
    // Two rows a page: the runs so far are hold, greeter, failing, hostile, trusted (newest first).
    const all = (await scheduler.listRuns({ limit: 500 })).items.map((r) => r.id);
    expect(all.length).toBe(5);
    await page.goto(`${base}/#/runs?limit=2`);
    const shown: string[] = [];
    for (let n = 1; ; n++) {
      await page.waitForFunction((k) => document.querySelector('.page-number')?.textContent?.trim() === `Page ${k}`, {}, n);
      await page.waitForFunction(
        (seen) => {
          const ids = Array.from(document.querySelectorAll('tr[data-run]')).map((r: any) => r.getAttribute('data-run')); // eslint-disable-line @typescript-eslint/no-explicit-any
          return ids.length > 0 && !ids.some((id) => seen.includes(id));
        },
        {},
        shown,
      );
      shown.push(...(await page.$$eval('tr[data-run]', (rows) => rows.map((r) => r.getAttribute('data-run')!))));
      const next = await control('.pager', 'Next page');
      if (await next.evaluate((b) => (b as { disabled: boolean }).disabled)) break;
      await next.click();
    }
    expect(shown).toEqual(all);
    await click('.pager', 'Previous page');
    await page.waitForFunction(() => document.querySelector('.page-number')?.textContent?.trim() === 'Page 2');
    await page.waitForFunction((ids) => JSON.stringify(Array.from(document.querySelectorAll('tr[data-run]')).map((r: any) => r.getAttribute('data-run'))) === ids, {}, JSON.stringify(all.slice(2, 4))); // eslint-disable-line @typescript-eslint/no-explicit-any
    // A filter starts again at the first page.
    const succeeded = (await scheduler.listRuns({ state: 'succeeded', limit: 2 })).items.map((r) => r.id);
    await page.select('#f-state', 'succeeded');
    await waitText('.page-number', 'Page 1');
    await page.waitForFunction((ids) => JSON.stringify(Array.from(document.querySelectorAll('tr[data-run]')).map((r: any) => r.getAttribute('data-run'))) === ids, {}, JSON.stringify(succeeded)); // eslint-disable-line @typescript-eslint/no-explicit-any
    // Schedules: one a page.
    await page.goto(`${base}/#/schedules?limit=1`);
    await waitText('.page-number', 'Page 1');
    const first = await page.$$eval('tr[data-schedule]', (rows) => rows.map((r) => r.getAttribute('data-schedule')));
    await click('.pager', 'Next page');
    await waitText('.page-number', 'Page 2');
    await page.waitForFunction((f) => [null, f].indexOf(document.querySelector('tr[data-schedule]')?.getAttribute('data-schedule') ?? null) < 0, {}, first[0]);
    const second = await page.$$eval('tr[data-schedule]', (rows) => rows.map((r) => r.getAttribute('data-schedule')));
    expect([...first, ...second].sort()).toEqual(['Containerised', 'Greeter']);
    expect(await (await control('.pager', 'Next page')).evaluate((b) => (b as { disabled: boolean }).disabled)).toBe(true);
  });

  it('fits a 360 px wide screen', async () => {
    const p = await newPage(360, 760);
    const ok = (await scheduler.listRuns({ state: 'succeeded' })).items.find((r) => r.scheduleId)!;
    for (const [name, hash] of [['schedules', '#/schedules'], ['new-schedule', '#/schedules/new'], ['runs', '#/runs'], ['run', `#/runs/${ok.id}`]] as const) {
      await p.goto(`${base}/${hash}`);
      await p.waitForSelector('main h1');
      if (name === 'runs' || name === 'schedules') await p.waitForSelector('table.list tbody tr');
      if (name === 'run') await (await notebookFrame(p)).waitForSelector('#greeting');
      const width = await p.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${name} at 360 px`).toBeLessThanOrEqual(360);
      await shot(`360-${name}`, p);
    }
    await p.close();
    expect(record.refused).toEqual([]);
  });
});

