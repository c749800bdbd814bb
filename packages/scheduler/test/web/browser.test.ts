/**
 * The web page of `nbrun serve` in Debian's Chromium (playwright-core, never a downloaded
 * browser): log in with the keyboard, create a schedule from an uploaded notebook through the
 * generated parameter and driver forms with a live cron preview, run it now with an override,
 * watch its state and log live, open the rendered notebook, download it; a failing run shows
 * its failed cell on top; hostile outputs execute nothing; a cross-site POST is refused; the
 * pages fit 360 px. Screenshots go to .vitest-tmp/screenshots/.
 */
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath } from '../../../render/test/chromium.js';
import { buildWebAssets } from '../../src/web/build.js';
import { MemoryService } from './memory-service.js';
import { createTestServer } from './server.js';
import { tempDirs } from './temp.js';

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

describe('web page in Chromium', () => {
  let service: MemoryService;
  let app: FastifyInstance;
  let hostile: FastifyInstance;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const offsite: string[] = [];
  const responses: { method: string; url: string; status: number }[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    const assets = temp.make('nbrun-web-assets-');
    await buildWebAssets(assets);
    service = new MemoryService();
    app = await createTestServer(service, { token: TOKEN, assetsDir: assets });
    app.addHook('onResponse', async (request, reply) => {
      responses.push({ method: request.method, url: request.url, status: reply.statusCode });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    // Nothing leaves for the network: every request goes to the servers of the test (loopback).
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('http://127.0.0.1:') || url.startsWith('http://localhost:')) return route.continue();
      offsite.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void (d.type() === 'confirm' ? d.accept() : d.dismiss());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await hostile?.close();
    await service?.close();
  });

  async function waitForState(state: string, timeout = 90_000): Promise<string[]> {
    const seen: string[] = [];
    const deadline = Date.now() + timeout;
    for (;;) {
      const s = (await page.locator('#run-state').textContent())?.trim() ?? '';
      if (s && seen[seen.length - 1] !== s) seen.push(s);
      if (s === state) return seen;
      if (Date.now() > deadline) throw new Error(`run state ${s}, expected ${state} (seen ${seen.join(' → ')})`);
      await page.waitForTimeout(100);
    }
  }

  async function apiPost(path: string, body: unknown): Promise<{ id: string }> {
    const res = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as { id: string };
  }

  it('logs in with the keyboard', async () => {
    await page.goto(base + '/');
    await page.locator('#token').waitFor();
    await page.screenshot({ path: screenshotPath('web-login.png') });
    // The token field has the focus; a wrong token says so.
    await page.keyboard.type('wrong-token');
    await page.keyboard.press('Enter');
    await page.getByText('Wrong token.').waitFor();
    await page.locator('#token').fill('');
    await page.locator('#token').focus();
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Schedules' }).waitFor();
    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === 'nbrun_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate('document.cookie')).toBe(''); // not readable by script
  });

  it('creates a schedule from an uploaded notebook with the generated forms and a live cron preview', async () => {
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.locator('#notebook').setInputFiles({ name: 'greeter.ipynb', mimeType: 'application/x-ipynb+json', buffer: Buffer.from(JSON.stringify(GREETER)) });
    await page.locator('#files').setInputFiles({ name: 'data.txt', mimeType: 'text/plain', buffer: Buffer.from('forty-two\n') });
    // The parameter form comes from the notebook's parameters cell.
    await page.locator('#param-name').waitFor();
    expect(await page.locator('#param-name').getAttribute('placeholder')).toBe('"world"');
    await expect.poll(() => page.locator('#param-count-help').textContent()).toContain('int, default 2 — lines to print');
    expect(await page.locator('#param-loud').isChecked()).toBe(false);
    expect(await page.locator('#name').inputValue()).toBe('greeter');
    await page.locator('#name').fill('Greeter');
    await page.locator('#param-name').fill('web');
    await page.locator('#param-count').fill('3');
    // Driver options: a form generated from each driver's option schema.
    const drivers = await page.locator('#driver option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    expect(drivers).toEqual(expect.arrayContaining(['local', 'docker', 'kubernetes']));
    await page.locator('#driver').selectOption('docker');
    await page.locator('#opt-network').waitFor();
    expect(await page.locator('#opt-stopTimeout').getAttribute('type')).toBe('number');
    expect(await page.locator('#opt-keep').getAttribute('type')).toBe('checkbox');
    expect(await page.locator('#opt-label').evaluate((e) => e.tagName)).toBe('TEXTAREA');
    expect(await page.locator('#opt-network-help').textContent()).toContain('container network');
    await page.locator('#driver').selectOption('local');
    // Cron with a live preview in the chosen zone.
    await page.locator('#cron').fill('30 6 * * 1-5');
    await page.locator('#zone').fill('Europe/Berlin');
    await page.getByText('on weekdays at 06:30 Europe/Berlin').waitFor();
    const berlin = page.locator('.fire-times[data-zone="Europe/Berlin"] li');
    await expect.poll(() => berlin.count()).toBe(5);
    for (const t of await berlin.allTextContents()) expect(t).toMatch(/^\d{4}-\d\d-\d\d 06:30 \((Mon|Tue|Wed|Thu|Fri)\)$/);
    await page.locator('#cron').fill('61 * * * *');
    await page.locator('.preview .error').waitFor();
    await page.locator('#cron').fill('30 6 * * 1-5');
    await expect.poll(() => page.locator('.fire-times li').count()).toBe(5);
    await page.screenshot({ path: screenshotPath('web-new-schedule.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByRole('heading', { name: 'Schedules' }).waitFor();
    const row = page.locator('tr[data-schedule="Greeter"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('on weekdays at 06:30 Europe/Berlin');
    expect(await row.textContent()).toContain('30 6 * * 1-5');
    expect(await row.textContent()).toContain('active');
    const [stored] = (await service.listSchedules({})).items;
    expect(stored).toMatchObject({ name: 'Greeter', parameters: { name: 'web', count: 3 }, driver: { name: 'local' }, trigger: { cron: '30 6 * * 1-5', timezone: 'Europe/Berlin' } });
    expect(stored!.snapshot.files).toEqual(['data.txt']);
    // Pause and resume.
    await row.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => row.textContent()).toContain('paused');
    await row.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => row.textContent()).toContain('active');
  });

  it('runs it now with an override and follows state and log live, then shows the rendered notebook', async () => {
    const row = page.locator('tr[data-schedule="Greeter"]');
    await row.getByRole('button', { name: 'Run now' }).click();
    const count = page.getByLabel('Value of count');
    expect(await count.inputValue()).toBe('3');
    await count.fill('4');
    await page.evaluate('window.__marker = 1');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('#run-state').waitFor();
    // The log streams while the run is running (server-sent events).
    await page.locator('pre.log', { hasText: 'tick 1 of 4 for web' }).waitFor({ timeout: 90_000 });
    // Seen before the run ended (the state is polled, so it may still say queued).
    const stateDuringLog = (await page.locator('#run-state').textContent())?.trim();
    expect(['queued', 'running']).toContain(stateDuringLog);
    await page.screenshot({ path: screenshotPath('web-run-live.png'), fullPage: true });
    const seen = await waitForState('succeeded');
    expect(seen).toContain('running');
    // Never reloaded.
    expect(await page.evaluate('window.__marker')).toBe(1);
    await expect.poll(() => page.locator('pre.log').textContent()).toContain('data: forty-two');
    expect(await page.locator('pre.log').textContent()).toContain('tick 4 of 4 for web');
    // The executed notebook, rendered in a sandboxed frame.
    const frame = page.frameLocator('iframe.notebook');
    await frame.locator('#greeting').waitFor();
    expect(await frame.locator('#greeting').textContent()).toBe('Hello web');
    expect(await page.locator('iframe.notebook').getAttribute('sandbox')).toBe('');
    await page.screenshot({ path: screenshotPath('web-run.png'), fullPage: true });
    // Downloads: the .ipynb and the .html.
    const [ipynb] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download .ipynb' }).click()]);
    const nb = JSON.parse(readFileSync((await ipynb.path())!, 'utf8')) as { cells: { outputs?: unknown[] }[] };
    expect(nb.cells.length).toBeGreaterThanOrEqual(4);
    const [htmlFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download .html' }).click()]);
    expect(htmlFile.suggestedFilename()).toBe('greeter.out.html');
    expect(readFileSync((await htmlFile.path())!, 'utf8')).toContain('Hello web');
    // The run is listed, newest first, and the filters work.
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.locator('tr[data-run]').first().waitFor();
    expect(await page.locator('tr[data-run]').first().textContent()).toMatch(/Greeter.*succeeded.*manual/);
    await page.locator('#f-state').selectOption('failed');
    await page.getByText('No runs match.').waitFor();
    await page.locator('#f-state').selectOption('');
    await page.locator('tr[data-run]').first().waitFor();
    await page.screenshot({ path: screenshotPath('web-runs.png'), fullPage: true });
    await page.getByRole('link', { name: 'Schedules' }).click();
    await page.locator('tr[data-schedule="Greeter"] .state-succeeded').waitFor();
    await page.screenshot({ path: screenshotPath('web-schedules.png'), fullPage: true });
  });

  it('shows a failed run with its failed cell and error on top', async () => {
    const run = await apiPost('/api/v1/runs', { name: 'failing', notebook: FAILING, notebookName: 'failing.ipynb' });
    await page.goto(`${base}/#/runs/${run.id}`);
    await waitForState('failed');
    const failure = page.locator('.failure');
    await failure.waitFor();
    expect(await failure.textContent()).toContain('The run failed');
    expect(await failure.textContent()).toMatch(/Failed cell: index \d/);
    expect(await failure.textContent()).toContain('cell 2 failed: ValueError: boom from the web test');
    // It comes before the log and the notebook.
    const order = await page.evaluate("Boolean(document.querySelector('.failure').compareDocumentPosition(document.querySelector('pre.log')) & Node.DOCUMENT_POSITION_FOLLOWING)");
    expect(order).toBe(true);
    await page.frameLocator('iframe.notebook').getByText('boom from the web test').first().waitFor();
    await page.screenshot({ path: screenshotPath('web-run-failed.png'), fullPage: true });
  });

  it('runs no script of a hostile notebook output', async () => {
    const run = await apiPost('/api/v1/runs', { name: 'hostile', notebook: HOSTILE, notebookName: 'hostile.ipynb' });
    await page.goto(`${base}/#/runs/${run.id}`);
    await waitForState('succeeded');
    const frame = page.frameLocator('iframe.notebook');
    await frame.locator('#hostile').waitFor();
    // Interact as a user would: click the links and the button if the sanitizer left them.
    for (const sel of ['#jslink', '#sub']) if (await frame.locator(sel).count()) await frame.locator(sel).click({ timeout: 2000 }).catch(() => {});
    await page.waitForTimeout(500);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(responses.filter((r) => r.url.includes('pwned'))).toEqual([]);
    const res = await fetch(`${base}/ui/runs/${run.id}/notebook.html`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox; .*script-src 'none'/);
  });

  it('with trusted outputs, runs their scripts in a sandbox that cannot reach the page', async () => {
    const trustedService = new MemoryService();
    const assets = temp.make('nbrun-web-assets-');
    await buildWebAssets(assets);
    const trusted = await createTestServer(trustedService, { token: TOKEN, assetsDir: assets, trustedOutputs: true });
    try {
      await trusted.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(trusted.server.address() as { port: number }).port}`;
      const run = await trustedService.createRun({}, {
        notebookName: 'trusted.ipynb',
        notebook: Buffer.from(JSON.stringify(notebook([{
          source: 'from IPython.display import HTML, display\ndisplay(HTML("<p id=\'t\'>trusted</p><script>document.body.setAttribute(\'data-ran\', \'1\'); try { parent.document.body.setAttribute(\'data-pwned\', \'1\') } catch (e) { document.body.setAttribute(\'data-blocked\', \'1\') }</script>"))',
        }]))),
        files: new Map(),
      });
      await Promise.all(trustedService.executions);
      const p = await context.newPage();
      // Same host, same token: the session cookie of the first server is valid here too.
      await p.goto(`${url}/#/runs/${run.id}`);
      const frame = p.frameLocator('iframe.notebook');
      await frame.locator('#t').waitFor();
      expect(await p.locator('iframe.notebook').getAttribute('sandbox')).toBe('allow-scripts allow-popups allow-popups-to-escape-sandbox');
      await expect.poll(() => frame.locator('body').getAttribute('data-ran')).toBe('1');
      expect(await frame.locator('body').getAttribute('data-blocked')).toBe('1');
      expect(await p.locator('body').getAttribute('data-pwned')).toBeNull();
      await p.close();
    } finally {
      await trusted.close();
      await trustedService.close();
    }
  });

  it('refuses cross-site requests: another site posting with the session, and a POST without the CSRF header', async () => {
    const [schedule] = (await service.listSchedules({})).items;
    const target = `${base}/api/v1/schedules/${schedule!.id}/pause`;
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
    const other = await context.newPage();
    await other.goto(evil);
    await expect.poll(() => responses.slice(before).filter((r) => r.url.endsWith('/pause')).length, { timeout: 15_000 }).toBe(2);
    for (const r of responses.slice(before).filter((x) => x.url.endsWith('/pause'))) expect([401, 403]).toContain(r.status);
    expect((await service.getSchedule(schedule!.id)).paused).toBe(false);
    await other.close();
    // The page's own origin, with the cookie but without the CSRF header: refused too.
    const status = await page.evaluate(async (url) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, target);
    expect(status).toBe(403);
    expect((await service.getSchedule(schedule!.id)).paused).toBe(false);
  });

  it('fits a 360 px wide screen', async () => {
    const narrow = await browser.newContext({ viewport: { width: 360, height: 760 }, storageState: await context.storageState() });
    const p = await narrow.newPage();
    const runs = (await service.listRuns({})).items;
    const ok = runs.find((r) => r.state === 'succeeded' && r.scheduleId)!;
    for (const [name, hash] of [['schedules', '#/schedules'], ['new-schedule', '#/schedules/new'], ['runs', '#/runs'], ['run', `#/runs/${ok.id}`]] as const) {
      await p.goto(`${base}/${hash}`);
      await p.locator('main h1').waitFor();
      if (name === 'runs' || name === 'schedules') await p.locator('table.list tbody tr').first().waitFor();
      if (name === 'run') await p.frameLocator('iframe.notebook').locator('#greeting').waitFor();
      const width = await p.evaluate<number>('document.documentElement.scrollWidth');
      expect(width, `${name} at 360 px`).toBeLessThanOrEqual(360);
      await p.screenshot({ path: screenshotPath(`web-360-${name}.png`), fullPage: true });
    }
    await narrow.close();
    expect(offsite).toEqual([]);
  });
});
