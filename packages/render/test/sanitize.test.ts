/**
 * The sanitizer on its own (the browser test loads the same corpus in Chromium): what it
 * removes, what it keeps, and the invariants of a whole untrusted render of the XSS corpus.
 */
import type { Element } from 'hast';
import { describe, expect, it } from 'vitest';
import { renderNotebook } from '../src/index.js';
import { createSanitizer, isUnsafeCss } from '../src/sanitize.js';
import { attr, byClass, byTag, parseHtml, select } from './html.js';
import { PAYLOADS, xssNotebook } from './xss-payloads.js';

/** Elements that must never come out of an untrusted render. */
const FORBIDDEN_TAGS = new Set(['script', 'iframe', 'object', 'embed', 'base', 'meta', 'link', 'form', 'foreignObject', 'animate', 'set', 'noscript', 'template', 'math', 'frame', 'frameset', 'applet', 'textarea', 'select', 'xmp', 'title']);
const URL_ATTRIBUTES = ['href', 'src', 'xLinkHref', 'action', 'formAction', 'data', 'srcSet', 'background', 'poster'];

/** Every way an element could run script or leave the page; an empty list when it is clean. */
function problemsOf(el: Element, inHead: boolean): string[] {
  const problems: string[] = [];
  if (FORBIDDEN_TAGS.has(el.tagName) && !(inHead && (el.tagName === 'meta' || el.tagName === 'title'))) problems.push(`<${el.tagName}>`);
  for (const [name, value] of Object.entries(el.properties)) {
    if (/^on/i.test(name)) problems.push(`${el.tagName}[${name}]`);
    if (['srcDoc', 'formAction', 'action'].includes(name)) problems.push(`${el.tagName}[${name}]`);
    if (URL_ATTRIBUTES.includes(name) && typeof value === 'string') {
      // eslint-disable-next-line no-control-regex -- browsers drop these before the scheme
      const scheme = value.replace(/[\s\x00-\x20]+/g, '').toLowerCase();
      if (/^(javascript|vbscript):/.test(scheme)) problems.push(`${el.tagName}[${name}=${value}]`);
      if (scheme.startsWith('data:') && !(name === 'src' && /^data:image\//.test(scheme))) problems.push(`${el.tagName}[${name}=data:]`);
    }
    if (name === 'style' && typeof value === 'string' && isUnsafeCss(value)) problems.push(`${el.tagName}[style=${value}]`);
  }
  return problems;
}

describe('an untrusted render of the XSS corpus', () => {
  it('keeps no script, handler, frame, form, base, meta, unsafe URL or CSS', async () => {
    const html = await renderNotebook(xssNotebook());
    const tree = parseHtml(html);
    const head = byTag(tree, 'head')[0]!;
    const body = byTag(tree, 'body')[0]!;
    // MathML is allowed only as KaTeX's own output (typeset on the server, never from HTML).
    const katexMathml = new Set(byClass(body, 'katex-mathml').flatMap((el) => select(el, () => true)));
    const bodyElements = select(body, (el) => !katexMathml.has(el));
    const problems = [...select(head, () => true).flatMap((el) => problemsOf(el, true)), ...bodyElements.flatMap((el) => problemsOf(el, false))];
    expect(problems).toEqual([]);
    // <style> elements left hold no way to fetch; in HTML (raw text) no way to end early either.
    const inSvg = new Set(byTag(body, 'svg').flatMap((svg) => select(svg, () => true)));
    for (const style of byTag(body, 'style')) {
      const css = style.children.map((c) => (c.type === 'text' ? c.value : '')).join('');
      if (!inSvg.has(style)) expect(css).not.toContain('<');
      expect(isUnsafeCss(css)).toBe(false);
    }
    // JavaScript outputs are not shown; their text fallback is.
    expect(html).not.toContain('__xss_300');
    expect(html).toContain('&lt;payload 300&gt;');
  });

  it('renders every payload (none breaks the page): one cell each, in order', async () => {
    const tree = parseHtml(await renderNotebook(xssNotebook()));
    const ids = byClass(tree, 'nb-cell').map((el) => attr(el, 'id'));
    expect(ids).toEqual(PAYLOADS.map((p) => (p.kind === 'markdown' ? `cell-md-${p.id}` : `cell-out-${p.id}`)));
  });

  it('shows SVG outputs as images: a data: URL in <img>, where SVG runs nothing', async () => {
    const tree = parseHtml(await renderNotebook(xssNotebook(PAYLOADS.filter((p) => p.kind === 'svg'))));
    const imgs = byTag(tree, 'img');
    expect(imgs).toHaveLength(2);
    for (const img of imgs) expect(attr(img, 'src')).toMatch(/^data:image\/svg\+xml;base64,/);
  });
});

describe('createSanitizer', () => {
  it.each([
    ['a pandas table with its <style> first', '<style>.dataframe tbody tr th { vertical-align: top; }</style><table class="dataframe" border="1"><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>'],
    ['inline styles and classes', '<span class="x" style="color: red; font-weight: bold">hot</span>'],
    ['ids and in-page links', '<a id="top" name="top"></a><a href="#top">up</a>'],
    ['web links and mail', '<a href="https://example.org/a?b=1" title="t">w</a> <a href="mailto:a@b.c">m</a>'],
    ['data: images', '<img src="data:image/png;base64,iVBORw0KGgo=" alt="a" width="10">'],
    ['inline SVG shapes', '<svg width="20" height="10" viewBox="0 0 20 10"><g><rect x="1" y="1" width="5" height="5" fill="#123456"></rect><path d="M0 0L1 1" stroke="red" stroke-width="2"></path><text x="1" y="9">t</text></g></svg>'],
    ['details and summary', '<details open><summary>s</summary><p>body</p></details>'],
  ])('keeps %s', async (_, html) => {
    const s = await createSanitizer();
    expect(s.sanitize(html)).toBe(html);
  });

  it.each([
    ['a script', '<p>a</p><script>x()</script>', '<p>a</p>'],
    ['handlers', '<b onclick="x()" onmouseover="y()">b</b>', '<b>b</b>'],
    ['javascript: links', '<a href="javascript:x()">a</a>', '<a>a</a>'],
    ['iframes and their content', '<iframe srcdoc="<b>x</b>">fallback</iframe>ok', 'ok'],
    ['CSS that fetches', '<div style="background: url(http://x.test/a.png)">d</div>', '<div>d</div>'],
    ['a <style> that imports', '<style>@import "http://x.test/a.css";</style>ok', 'ok'],
    ['an unclosed element (closed, so it cannot swallow the page)', '<div><table><tr><td>x', '<div><table><tbody><tr><td>x</td></tr></tbody></table></div>'],
    ['comments', 'a<!-- <img src=x onerror=y> -->b', 'ab'],
  ])('removes %s', async (_, html, expected) => {
    const s = await createSanitizer();
    expect(s.sanitize(html)).toBe(expected);
  });

  it('resolves attachment: images to the cell attachment before checking URLs', async () => {
    const s = await createSanitizer();
    const out = s.sanitize('<img src="attachment:a%20b.png"><img src="attachment:missing.png">', {
      attachment: (name) => (name === 'a b.png' ? 'data:image/png;base64,AAAA' : undefined),
    });
    expect(out).toBe('<img src="data:image/png;base64,AAAA"><img>');
  });

  it('puts math placeholders back as source outside text (attributes, <style>)', async () => {
    const s = await createSanitizer();
    const out = s.sanitize('<a title="@@0@@" href="#">@@1@@</a><style>p{}/*@@2@@*/</style>', { attributeText: (v) => v.replace(/@@(\d)@@/g, 'M$1') });
    expect(out).toBe('<a title="M0" href="#">@@1@@</a><style>p{}/*M2*/</style>');
  });
});

describe('isUnsafeCss', () => {
  it.each([
    ['color: red', false],
    ['background: url(data:image/png;base64,AAAA)', false],
    ['fill: url(#gradient)', false],
    ['background: url(http://x.test/a.png)', true],
    ['background: URL( "//x.test/a.png" )', true],
    ['background: u\\72l(http://x.test)', true],
    ['background: u\\000072 l(http://x.test)', true],
    ['background: u/**/rl(http://x.test)', true], // not a url() to CSS, but refused all the same
    ['width: expression(alert(1))', true],
    ['width: expr/**/ession(alert(1))', true],
    ['behavior: url(x.htc)', true],
    ['-moz-binding: url(x.xml#y)', true],
    ['@import "x.css"', true],
    ['background: image-set("x.png" 1x)', true],
  ])('%s → %s', (css, unsafe) => {
    expect(isUnsafeCss(css)).toBe(unsafe);
  });
});
