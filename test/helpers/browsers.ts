/**
 * The browsers pages are tested in (the web page of `nbrun serve`, rendered notebooks), driven
 * headless by puppeteer-core (which never downloads a browser here): Debian's Chromium over
 * the DevTools protocol and Debian's Firefox ESR over WebDriver BiDi.
 * `bash scripts/install.sh --all` installs both.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';

/** puppeteer-core's types, for suites in packages that do not depend on it themselves. */
export type { Browser, ElementHandle, Frame, Page } from 'puppeteer-core';

export type BrowserName = 'chromium' | 'firefox';

/** Every browser a page must work in: suites run once in each (`describe.each(BROWSERS)`). */
export const BROWSERS: readonly BrowserName[] = ['chromium', 'firefox'];

/** The binaries: `NBRUN_CHROMIUM` / `NBRUN_FIREFOX`, else Debian's. */
export const BROWSER_PATHS: Record<BrowserName, string> = {
  chromium: process.env.NBRUN_CHROMIUM ?? '/usr/bin/chromium',
  firefox: process.env.NBRUN_FIREFOX ?? '/usr/bin/firefox-esr',
};

/** A browser and a fresh context (whose downloads land in `downloadDir`, when given). */
export interface LaunchedBrowser {
  browser: Browser;
  context: BrowserContext;
  downloadDir: string | undefined;
}

export async function launchBrowser(name: BrowserName, downloadDir?: string): Promise<LaunchedBrowser> {
  const executablePath = BROWSER_PATHS[name];
  if (!existsSync(executablePath)) {
    const pkg = name === 'chromium' ? 'chromium' : 'firefox-esr';
    throw new Error(`no ${name} at ${executablePath}: run 'bash scripts/install.sh --all' (or apt-get install ${pkg}), or set NBRUN_${name.toUpperCase()}`);
  }
  if (name === 'firefox') {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath,
      headless: true,
      extraPrefsFirefox: downloadDir
        ? {
            // Downloads are saved without asking (Firefox's prefs: WebDriver BiDi has no download behaviour here).
            'browser.download.dir': downloadDir,
            'browser.download.folderList': 2,
            'browser.download.useDownloadDir': true,
            'browser.download.always_ask_before_handling_new_types': false,
            'browser.download.start_downloads_in_tmp_dir': false,
          }
        : {},
    });
    return { browser, context: await browser.createBrowserContext(), downloadDir };
  }
  const browser = await puppeteer.launch({
    browser: 'chrome',
    executablePath,
    headless: true,
    args: [
      // Chromium's sandbox cannot start as root (CI runs as root).
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-default-apps',
      '--disable-extensions',
    ],
  });
  const context = await browser.createBrowserContext(downloadDir ? { downloadBehavior: { policy: 'allow', downloadPath: downloadDir } } : {});
  return { browser, context, downloadDir };
}

/** What a guarded page tried to do. */
export interface PageRecord {
  /** Requests refused (aborted: none leaves the browser). */
  refused: string[];
  /** `alert()`, `confirm()`… messages (a confirm is accepted, anything else dismissed). */
  dialogs: string[];
  /** Console messages (policy violations are reported there). */
  console: string[];
}

/**
 * Lets through only the requests `allowed` accepts (`data:`, `blob:` and `about:` always),
 * aborting and recording the others, and records dialogs and console messages.
 */
export async function guardPage(page: Page, allowed: (url: string) => boolean, record: PageRecord = { refused: [], dialogs: [], console: [] }): Promise<PageRecord> {
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.isInterceptResolutionHandled()) return;
    const url = request.url();
    if (/^(data|blob|about):/.test(url) || allowed(url)) return void request.continue();
    record.refused.push(url);
    return void request.abort();
  });
  page.on('dialog', (d) => {
    record.dialogs.push(d.message());
    void (d.type() === 'confirm' ? d.accept() : d.dismiss());
  });
  page.on('console', (m) => record.console.push(m.text()));
  return record;
}

/** Waits until a download named `name` is complete in `dir` and returns its bytes as text. */
export async function downloaded(dir: string, name: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = readdirSync(dir);
    const partial = files.some((f) => f.endsWith('.part') || f.endsWith('.crdownload'));
    if (files.includes(name) && !partial) return readFileSync(join(dir, name), 'utf8');
    if (Date.now() > deadline) throw new Error(`no download '${name}' in ${dir} after ${timeoutMs} ms (there: ${files.join(', ') || 'nothing'})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Where screenshots go (kept by CI as artifacts; gitignored). */
export function screenshotPath(name: string): `${string}.png` {
  const dir = join(import.meta.dirname, '..', '..', '.vitest-tmp', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name) as `${string}.png`;
}
