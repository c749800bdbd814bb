/**
 * Makes the README's screenshots of the web page of `nbrun serve` from the real service: the
 * scheduler on SQLite in a temporary directory, a run executed by the local driver with a real
 * kernel, the page in Debian's Chromium (headless, puppeteer-core) at 1280 px and at 360 px.
 *
 *   node --import tsx scripts/web-screenshots.ts [OUT_DIR]      # pnpm screenshots:web; OUT_DIR defaults to docs/
 *
 * Writes web-new-schedule.png, web-run.png (1280 px, full page) and web-new-schedule-360.png
 * (360 px, full page), web-run-360.png (a 360 × 760 screen scrolled to the run's log and
 * notebook). Every wait is on a state of the page, never on a delay.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from '../packages/scheduler/src/http/server.js';
import { openScheduler } from '../packages/scheduler/src/scheduler.js';
import { buildWebAssets } from '../packages/scheduler/src/web/build.js';
import { guardPage, launchBrowser, type Page } from '../test/helpers/browsers.js';

// What the functions evaluated in the page see (the workspace's TypeScript has no DOM library).
declare const document: any, requestAnimationFrame: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const OUT = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'docs'));
const TOKEN = 'screenshots-token-0123456789abcdef';
const WIDTHS = [
  { suffix: '', width: 1280, height: 900 },
  { suffix: '-360', width: 360, height: 760 },
];

const code = (source: string, tags?: string[]) => ({ cell_type: 'code', metadata: tags ? { tags } : {}, source, outputs: [], execution_count: null });
const REPORT = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
  cells: [
    { cell_type: 'markdown', metadata: {}, source: '# Daily sales\n\nOrders of the last `days` days for one region, from `orders.csv`.' },
    code('region = "EU"  # sales region\ndays: int = 7  # how many days back\nround_to = 0.01  # rounding of the totals', ['parameters']),
    code('import csv\nrows = [r for r in csv.DictReader(open("orders.csv")) if r["region"] == region][-days:]\nprint(f"{len(rows)} days of orders for {region}")'),
    code(
      [
        'from IPython.display import HTML, display',
        'total = sum(float(r["amount"]) for r in rows)',
        'cells = "".join(f"<tr><td>{r[\'day\']}</td><td style=\'text-align:right\'>{float(r[\'amount\']):,.2f}</td></tr>" for r in rows)',
        'display(HTML(f"<table><thead><tr><th>Day</th><th>Amount (€)</th></tr></thead><tbody>{cells}</tbody><tfoot><tr><th>Total</th><th>{round(total / round_to) * round_to:,.2f}</th></tr></tfoot></table>"))',
      ].join('\n'),
    ),
  ],
};
const ORDERS = ['day,region,amount', ...Array.from({ length: 10 }, (_, i) => `2026-11-${String(20 + i).padStart(2, '0')},EU,${(1200 + ((i * 379) % 900)).toFixed(2)}`)].join('\n') + '\n';

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'nbrun-screenshots-'));
  const assets = join(work, 'assets');
  await buildWebAssets(assets);
  const scheduler = await openScheduler({ stateDir: join(work, 'state'), pollMs: 100 });
  await scheduler.start();
  const app = await createServer(scheduler, { token: TOKEN, webAssetsDir: assets });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const launched = await launchBrowser('chromium');
  try {
    writeFileSync(join(work, 'daily-sales.ipynb'), JSON.stringify(REPORT));
    writeFileSync(join(work, 'orders.csv'), ORDERS);
    const api = async (path: string, body: unknown) => {
      const res = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string };
    };
    // A schedule with its notebook and file, and a run of it executed now.
    const files = { 'orders.csv': Buffer.from(ORDERS).toString('base64') };
    const schedule = await api('/api/v1/schedules', {
      name: 'Daily sales',
      notebook: REPORT,
      notebookName: 'daily-sales.ipynb',
      files,
      parameters: { region: 'EU', days: 5 },
      trigger: { cron: '0 6 * * *', timezone: 'Europe/Berlin' },
    });
    const run = await api(`/api/v1/schedules/${schedule.id}/runs`, {});
    for (;;) {
      const state = (await scheduler.getRun(run.id)).state;
      if (state === 'succeeded') break;
      if (state !== 'queued' && state !== 'running') throw new Error(`the run ended ${state}: ${JSON.stringify((await scheduler.getRun(run.id)).error)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const page = await launched.context.newPage();
    const record = await guardPage(page, (url) => url.startsWith(base));
    await page.goto(base + '/');
    await page.waitForSelector('#token');
    await page.type('#token', TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent?.includes('Schedules'));
    mkdirSync(OUT, { recursive: true });
    for (const { suffix, width, height } of WIDTHS) {
      await page.setViewport({ width, height });
      await newSchedule(page, base, work);
      await shoot(page, `web-new-schedule${suffix}.png`);
      await runPage(page, base, run.id);
      await shoot(page, `web-run${suffix}.png`, width < 600 ? '#log-h' : undefined);
    }
    if (record.refused.length) throw new Error(`the page asked for something off the server: ${record.refused.join(', ')}`);
    process.stdout.write(`screenshots in ${OUT}\n`);
  } finally {
    await launched.browser.close();
    await app.close();
    await scheduler.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The new-schedule form: the notebook and its file uploaded, the parameters read, the cron previewed. */
async function newSchedule(page: Page, base: string, work: string): Promise<void> {
  await page.goto(`${base}/#/schedules/new`);
  await (await page.waitForSelector('input#notebook'))!.uploadFile(join(work, 'daily-sales.ipynb'));
  await (await page.waitForSelector('input#files'))!.uploadFile(join(work, 'orders.csv'));
  await page.waitForSelector('#param-region');
  await page.locator('#param-days').fill('5');
  await page.locator('#cron').fill('0 6 * * 1-5');
  await page.locator('#zone').fill('Europe/Berlin');
  await page.waitForFunction(() => document.querySelectorAll('.fire-times[data-zone="Europe/Berlin"] li').length === 5 && !document.querySelector('.preview .error'));
  await page.evaluate(() => document.activeElement?.blur());
}

/**
 * A full-page screenshot, or with `scrollTo` the screen scrolled to that element at its top (the
 * notebook's sandboxed frame is another process in Chromium, painted only once it is on screen).
 */
async function shoot(page: Page, name: string, scrollTo?: string): Promise<void> {
  const painted = () => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  if (scrollTo) await page.$eval(scrollTo, (e) => e.scrollIntoView({ block: 'start' }));
  await page.evaluate(painted);
  await page.screenshot({ path: join(OUT, name) as `${string}.png`, fullPage: !scrollTo });
}

/** A finished run's page: its state, its log and its executed notebook rendered. */
async function runPage(page: Page, base: string, id: string): Promise<void> {
  await page.goto(`${base}/#/runs/${id}`);
  await page.waitForFunction(() => document.querySelector('#run-state')?.textContent?.trim() === 'succeeded');
  await page.waitForFunction(() => document.querySelector('pre.log')?.textContent?.includes('days of orders for EU'));
  const frame = await (await page.waitForSelector('iframe.notebook'))!.contentFrame();
  await frame.waitForSelector('tfoot');
}

await main();
