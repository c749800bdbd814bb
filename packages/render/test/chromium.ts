/**
 * Debian's Chromium driven headless by playwright-core (which never downloads a browser here),
 * and pages loaded with every network request intercepted and recorded.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The browser: `NBRUN_CHROMIUM`, else Debian's (`bash scripts/install.sh --all` installs it). */
export const CHROMIUM = process.env.NBRUN_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go (kept by CI as artifacts; gitignored). */
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', '..', '.vitest-tmp', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run 'bash scripts/install.sh --all' (or apt-get install chromium), or set NBRUN_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
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
}

/** A page opened from a file, with what it tried to do. */
export interface LoadedPage {
  page: Page;
  /** Every request other than the page's own file (none leaves the browser: all are aborted). */
  requests: string[];
  /** `alert()`, `confirm()`… messages. */
  dialogs: string[];
  /** Console messages (CSP violations are reported there). */
  console: string[];
  close(): Promise<void>;
}

/**
 * Writes `html` to a temporary file and opens it in a new context whose every request except
 * that file is recorded and aborted.
 */
export async function openHtml(browser: Browser, html: string, viewport = { width: 1280, height: 900 }): Promise<LoadedPage> {
  const dir = mkdtempSync(join(tmpdir(), 'nbrun-render-'));
  const file = join(dir, 'page.html');
  writeFileSync(file, html);
  const own = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport });
  const requests: string[] = [];
  const dialogs: string[] = [];
  const consoleMessages: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === own) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => consoleMessages.push(m.text()));
  await page.goto(own, { waitUntil: 'load' });
  return {
    page,
    requests,
    dialogs,
    console: consoleMessages,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, name);
}
