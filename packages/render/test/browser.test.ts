/**
 * Rendered pages in real headless browsers, the same suite in Debian's Chromium and in Debian's
 * Firefox ESR (puppeteer-core): the XSS corpus runs nothing and fetches nothing (with the
 * page's Content-Security-Policy, and with the sanitizer alone), while the same notebook
 * rendered as trusted does run it; an executed notebook opens offline with its fonts and
 * images; pages read at 360 px and on a desktop (screenshots kept in
 * .vitest-tmp/screenshots/render-<browser>-*.png).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNotebook } from '@nbrun/core';
import { renderNotebook, UNTRUSTED_CSP } from '../src/index.js';
import { BROWSERS, launchBrowser, screenshotPath, type Browser, type Page } from '../../../test/helpers/browsers.js';
import { openHtml } from './pages.js';
import { PAYLOADS, xssNotebook } from './xss-payloads.js';

// The page's globals, for the callbacks that run in the browser (this program has Node's types, not the DOM's).
interface PageElement {
  className: string;
  textContent: string | null;
  dispatchEvent(event: MouseEvent): boolean;
  focus?(): void;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  querySelector(selector: string): PageElement | null;
  documentElement: { scrollWidth: number };
  images: Iterable<{ src: string; complete: boolean; naturalWidth: number }>;
  fonts: { ready: Promise<unknown> } & Iterable<{ status: string; family: string }>;
};
declare const window: object;
declare const requestAnimationFrame: (callback: () => void) => number;
declare class MouseEvent {
  constructor(type: string, init?: { bubbles?: boolean; cancelable?: boolean; view?: object });
}

const fixture = async (name: string) => parseNotebook(await readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'), name);

/** Does what a reader might: hovers and focuses everything, clicks every link and button (one at a time). */
async function interact(page: Page): Promise<void> {
  const settle = () => page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
  await page.evaluate(() => {
    for (const el of document.querySelectorAll('*')) {
      el.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
      el.focus?.();
    }
  });
  const clickable = await page.evaluate(() => document.querySelectorAll('a, button').length);
  for (let i = 0; i < clickable; i++) {
    await page.evaluate((n) => {
      const el = document.querySelectorAll('a, button')[n];
      el?.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window }));
    }, i);
    // A javascript: URL runs in a task of its own, before two animation frames have passed.
    await settle();
  }
  await settle();
}

async function flagsSet(page: Page): Promise<number[]> {
  const keys = await page.evaluate(() => Object.keys(window).filter((k) => k.startsWith('__xss_')));
  return keys.map((k) => Number(k.slice('__xss_'.length))).sort((a, b) => a - b);
}

/** Payloads of the corpus that fire in Chromium and in Firefox when nothing is sanitized (a sample: the checks are live). */
const LIVE_SAMPLE = [1, 2, 3, 4, 6, 10, 11, 12, 13, 14, 15, 16, 50, 104, 105, 300, 500];

describe.each(BROWSERS)('rendered pages in %s', (browserName) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = (await launchBrowser(browserName)).browser;
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('the XSS corpus', () => {
    it('trusted, it runs: scripts, handlers and JavaScript outputs fire (the corpus and the checks are live)', async () => {
      // Without <base> and <meta refresh>, which would take the trusted page elsewhere before it is checked.
      const live = PAYLOADS.filter((p) => p.id !== 32 && p.id !== 33);
      const loaded = await openHtml(browser, await renderNotebook(xssNotebook(live), { trusted: true }));
      try {
        await interact(loaded.page);
        const flags = await flagsSet(loaded.page);
        expect(flags).toEqual(expect.arrayContaining(LIVE_SAMPLE));
        expect(loaded.requests.some((u) => u.startsWith('http://xss.test/'))).toBe(true);
      } finally {
        await loaded.close();
      }
    });

    it('untrusted, with the Content-Security-Policy: nothing runs, no dialog, no request', async () => {
      const html = await renderNotebook(xssNotebook());
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${UNTRUSTED_CSP}">`);
      const loaded = await openHtml(browser, html);
      try {
        await interact(loaded.page);
        expect(await flagsSet(loaded.page)).toEqual([]);
        expect(loaded.dialogs).toEqual([]);
        expect(loaded.requests).toEqual([]);
        // Every payload's cell is on the page: none was lost or broke the page.
        expect(await loaded.page.$$eval('.nb-cell', (cells) => cells.length)).toBe(PAYLOADS.length);
      } finally {
        await loaded.close();
      }
    });

    it('untrusted, with the policy removed: the sanitizer alone lets nothing run', async () => {
      const html = await renderNotebook(xssNotebook());
      const withoutCsp = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n/, '');
      expect(withoutCsp).not.toContain('Content-Security-Policy');
      const loaded = await openHtml(browser, withoutCsp);
      try {
        await interact(loaded.page);
        expect(await flagsSet(loaded.page)).toEqual([]);
        expect(loaded.dialogs).toEqual([]);
        // Without the policy, only plain images may be asked for: remote ones (<img src="http…">,
        // markdown images; Firefox asks for them over https) and relative ones (<img src=x>, next
        // to the page): nothing scripted, no stylesheet, frame, CSS url() or <base>-relative URL.
        const pageDir = loaded.page.url().replace(/[^/]*$/, '');
        const allowed = (u: string) => /^https?:\/\/xss\.test\/(46|47|55|114)\.png$/.test(u) || u.startsWith(pageDir);
        expect(loaded.requests.filter((u) => !allowed(u))).toEqual([]);
      } finally {
        await loaded.close();
      }
    });
  });

  describe('an executed notebook', () => {
    it('opens offline: no request at all, no policy violation, fonts and images loaded', async () => {
      const html = await renderNotebook(await fixture('showcase.executed.ipynb'), { name: 'showcase.ipynb' });
      const loaded = await openHtml(browser, html);
      try {
        const { page } = loaded;
        const fonts = await page.evaluate(async () => {
          await document.fonts.ready;
          return [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family.replace(/"/g, ''));
        });
        expect(fonts).toEqual(expect.arrayContaining(['KaTeX_Main', 'KaTeX_Math']));
        const images = await page.evaluate(() => [...document.images].map((img) => ({ src: img.src.slice(0, 30), ok: img.complete && img.naturalWidth > 0 })));
        expect(images.length).toBe(3); // the markdown attachment, the SVG chart, the PNG
        expect(images.filter((i) => !i.ok)).toEqual([]);
        expect(loaded.requests).toEqual([]);
        expect(loaded.console.filter((m) => /Content Security Policy|Refused/i.test(m))).toEqual([]);
        await page.screenshot({ path: screenshotPath(`render-${browserName}-showcase-1280.png`), fullPage: true });
      } finally {
        await loaded.close();
      }
    });

    it('reads at 360 px: nothing wider than the screen but code and outputs, which scroll in place', async () => {
      for (const name of ['showcase', 'failing']) {
        const html = await renderNotebook(await fixture(`${name}.executed.ipynb`), { name: `${name}.ipynb` });
        const loaded = await openHtml(browser, html, { width: 360, height: 740 });
        try {
          const { page } = loaded;
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
          // Prompts sit above their cells on a phone.
          const prompt = await (await page.$('.nb-cell--code .nb-prompt'))!.boundingBox();
          const source = await (await page.$('.nb-cell--code .nb-source'))!.boundingBox();
          expect(prompt!.y + prompt!.height).toBeLessThanOrEqual(source!.y + 1);
          await page.screenshot({ path: screenshotPath(`render-${browserName}-${name}-360.png`), fullPage: true });
        } finally {
          await loaded.close();
        }
      }
    });

    it('links the failed run\'s header to the failed cell', async () => {
      const html = await renderNotebook(await fixture('failing.executed.ipynb'), { name: 'failing.ipynb' });
      const loaded = await openHtml(browser, html, { width: 1280, height: 400 });
      try {
        const { page } = loaded;
        const link = await page.waitForFunction(() => [...document.querySelectorAll('a')].find((a) => /Go to cell 3/.test(a.textContent ?? '')));
        await link.asElement()!.click();
        await page.waitForFunction(() => document.querySelector(':target') !== null);
        const target = await page.evaluate(() => document.querySelector(':target')?.className);
        expect(target).toContain('nb-cell--failed');
        await page.screenshot({ path: screenshotPath(`render-${browserName}-failing-1280.png`), fullPage: true });
      } finally {
        await loaded.close();
      }
    });
  });
});
