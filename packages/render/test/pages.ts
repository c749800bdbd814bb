/**
 * Rendered pages opened from a file in a real browser (test/helpers/browsers.ts: Chromium or
 * Firefox ESR), with every network request refused and recorded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { guardPage, type Browser, type Page } from '../../../test/helpers/browsers.js';

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
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(viewport);
  const record = await guardPage(page, (url) => url === own);
  await page.goto(own, { waitUntil: 'load' });
  return {
    page,
    requests: record.refused,
    dialogs: record.dialogs,
    console: record.console,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
