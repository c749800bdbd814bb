/**
 * The browsers the web page is tested in, driven headless by puppeteer-core (which never
 * downloads a browser here): Debian's Chromium over the DevTools protocol and Debian's
 * Firefox ESR over WebDriver BiDi. `bash scripts/install.sh --all` installs both.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type BrowserContext } from 'puppeteer-core';

export type BrowserName = 'chromium' | 'firefox';

/** The binaries: `NBRUN_CHROMIUM` / `NBRUN_FIREFOX`, else Debian's. */
export const BROWSER_PATHS: Record<BrowserName, string> = {
  chromium: process.env.NBRUN_CHROMIUM ?? '/usr/bin/chromium',
  firefox: process.env.NBRUN_FIREFOX ?? '/usr/bin/firefox-esr',
};

/** A browser and a fresh context whose downloads land in `downloadDir`. */
export interface LaunchedBrowser {
  browser: Browser;
  context: BrowserContext;
  downloadDir: string;
}

export async function launchBrowser(name: BrowserName, downloadDir: string): Promise<LaunchedBrowser> {
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
      extraPrefsFirefox: {
        // Downloads are saved without asking (Firefox's prefs: WebDriver BiDi has no download behaviour here).
        'browser.download.dir': downloadDir,
        'browser.download.folderList': 2,
        'browser.download.useDownloadDir': true,
        'browser.download.always_ask_before_handling_new_types': false,
        'browser.download.start_downloads_in_tmp_dir': false,
      },
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
  const context = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloadDir } });
  return { browser, context, downloadDir };
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

/** Where screenshots go (kept by CI as artifacts; gitignored), as the render tests' do. */
export function screenshotPath(name: string): `${string}.png` {
  const dir = join(import.meta.dirname, '..', '..', '..', '..', '.vitest-tmp', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name) as `${string}.png`;
}
