/**
 * The page's structure, parsed as a browser parses it: executed notebooks of real runs
 * (fixtures/*.executed.ipynb, made by `nbrun run examples/render/*.ipynb`) and small
 * notebooks named after the behaviour they check.
 */
import { readFile } from 'node:fs/promises';
import type { Element } from 'hast';
import { describe, expect, it } from 'vitest';
import { NbrunError, parseNotebook, type Notebook } from '@nbrun/core';
import { MIME_PRIORITY, UNTRUSTED_CSP, chooseMime, renderNotebook } from '../src/index.js';
import { attr, byClass, byTag, classes, parseHtml, select, textOf } from './html.js';

const fixture = async (name: string) => parseNotebook(await readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'), name);

/** A notebook of the given cells (ids and metadata filled in). */
function notebook(cells: Record<string, unknown>[], metadata: Record<string, unknown> = {}): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' }, ...metadata },
    cells: cells.map((c, i) => ({ id: `c${i}`, metadata: {}, ...(c.cell_type === 'code' ? { outputs: [], execution_count: null } : {}), ...c })),
  } as unknown as Notebook;
}
const code = (source: string, outputs: unknown[] = [], extra: Record<string, unknown> = {}) => ({ cell_type: 'code', source, outputs, execution_count: 1, ...extra });
const display = (data: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ output_type: 'display_data', data, metadata });

const cellOf = (root: Element | ReturnType<typeof parseHtml>, id: string) => select(root, (el) => attr(el, 'id') === `cell-${id}`)[0]!;

describe('an executed notebook (showcase: every kind of output)', async () => {
  const nb = await fixture('showcase.executed.ipynb');
  const html = await renderNotebook(nb, { name: 'showcase.ipynb' });
  const tree = parseHtml(html);
  const cells = byClass(tree, 'nb-cell');
  const codeCells = byClass(tree, 'nb-cell--code');

  it('is one document with the untrusted policy, the title and inline styles only', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const metas = byTag(tree, 'meta');
    expect(metas.find((m) => attr(m, 'httpEquiv') === 'Content-Security-Policy')?.properties.content).toBe(UNTRUSTED_CSP);
    expect(textOf(byTag(tree, 'title')[0]!)).toBe('showcase.ipynb');
    expect(byTag(tree, 'link')).toHaveLength(0);
    expect(byTag(tree, 'script')).toHaveLength(0);
    // Every URL on the page is a data: URL or an in-page anchor.
    const urls = select(tree, () => true).flatMap((el) => ['src', 'href'].map((a) => attr(el, a)).filter((u): u is string => u !== undefined));
    expect(urls.filter((u) => !u.startsWith('data:') && !u.startsWith('#'))).toEqual([]);
    expect(html).not.toMatch(/url\((?!data:|#)/);
  });

  it('has a header with the run: status, times, kernel, parameters', () => {
    const header = byClass(tree, 'nb-run')[0]!;
    expect(textOf(byTag(header, 'h1')[0]!)).toBe('showcase.ipynb');
    expect(textOf(byClass(header, 'nb-badge')[0]!)).toBe('completed');
    const facts = Object.fromEntries(byTag(header, 'dt').map((dt, i) => [textOf(dt), textOf(byTag(header, 'dd')[i]!)]));
    expect(facts.Kernel).toBe('python3');
    expect(facts.Duration).toMatch(/^\d+\.\d+ s$/);
    expect(facts.Started).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const params = byTag(byClass(header, 'nb-params')[0]!, 'tr').map((tr) => [textOf(byTag(tr, 'th')[0]!), textOf(byTag(tr, 'td')[0]!)]);
    expect(params).toEqual([['threshold', '0.75']]);
    expect(byClass(header, 'nb-failure')).toHaveLength(0);
  });

  it('shows every cell, code with prompts, durations and highlighting', () => {
    expect(cells).toHaveLength(nb.cells.length);
    const prompts = codeCells.map((c) => byClass(c, 'nb-prompt')[0]!.children.map((n) => (n.type === 'text' ? n.value : '')).join(''));
    expect(prompts.slice(0, 3)).toEqual(['In [1]:', 'In [2]:', 'In [3]:']);
    expect(byClass(codeCells[0]!, 'nb-meta')[0] && textOf(byClass(codeCells[0]!, 'nb-meta')[0]!)).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    const source = byClass(codeCells[2]!, 'nb-source')[0]!;
    expect(textOf(source)).toContain("print('warning: south data is from yesterday', file=sys.stderr)");
    expect(byClass(source, 'hljs-keyword').map(textOf)).toContain('import');
    expect(byClass(source, 'hljs-string').length).toBeGreaterThan(2);
  });

  it('renders markdown: headings with anchors, GFM tables, code, math, attachments, HTML', () => {
    const md = byClass(cells[0]!, 'nb-markdown')[0]!;
    const h1 = byTag(md, 'h1')[0]!;
    expect(attr(h1, 'id')).toBe('Sales-report');
    expect(attr(byClass(h1, 'anchor-link')[0]!, 'href')).toBe('#Sales-report');
    const table = byTag(md, 'table')[0]!;
    expect(byTag(byTag(table, 'tbody')[0]!, 'tr')).toHaveLength(2);
    expect(attr(byTag(table, 'th')[1]!, 'style')).toBe('text-align:right');
    expect(byClass(md, 'katex').length).toBe(3);
    expect(byClass(md, 'katex-display').length).toBe(2);
    expect(byClass(md, 'katex-error')).toHaveLength(0);
    // An escaped dollar is a dollar; a dollar in code stays code.
    expect(textOf(byTag(md, 'blockquote')[0]!).trim()).toBe('Prices like $5 are not math; $PATH in code is not either.');
    const img = byTag(md, 'img')[0]!;
    expect(attr(img, 'src')).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(attr(img, 'alt')).toBe('the logo');
    expect(byClass(byTag(md, 'pre')[0]!, 'hljs-keyword').map(textOf)).toEqual(['def', 'return']);
    expect(textOf(byTag(md, 'summary')[0]!)).toBe('Notes (HTML in markdown)');
  });

  it('shows streams as a terminal would: colours, \\r and \\b applied, stderr apart', () => {
    const outputs = byClass(codeCells[2]!, 'nb-stream');
    expect(outputs).toHaveLength(2);
    const stdout = outputs[0]!;
    expect(textOf(stdout)).toBe('OK loaded 2 regions, 1 warning, 256-colour, underlined\nprogress 100% ##########\nbackspace: 34\n');
    expect(select(stdout, (el) => classes(el).includes('ansi-green-intense-fg') && textOf(el) === 'OK')).toHaveLength(1);
    expect(select(stdout, (el) => attr(el, 'style') === 'color:rgb(255,135,0)')).toHaveLength(1);
    expect(classes(outputs[1]!)).toContain('nb-stderr');
  });

  it('picks one representation per output by mime priority', () => {
    const mimes = (i: number) => select(codeCells[i]!, (el) => attr(el, 'dataMimeType') !== undefined).map((el) => attr(el, 'dataMimeType'));
    expect(mimes(3)).toEqual(['text/html']);
    expect(textOf(byClass(codeCells[3]!, 'nb-prompt--out')[0]!)).toMatch(/^Out\[\d+\]:$/);
    expect(byTag(byClass(codeCells[3]!, 'nb-html')[0]!, 'tr')).toHaveLength(3);
    expect(mimes(4)).toEqual(['image/svg+xml']);
    expect(Buffer.from(attr(byTag(codeCells[4]!, 'img')[0]!, 'src')!.split(',')[1]!, 'base64').toString()).toContain('<rect');
    expect(mimes(5)).toEqual(['image/png']);
    // Markdown, LaTeX, JSON, and JavaScript's text fallback (JavaScript itself is untrusted).
    expect(mimes(6)).toEqual(['text/markdown', 'text/latex', 'application/json', 'text/plain']);
    expect(byClass(byClass(codeCells[6]!, 'nb-markdown')[0]!, 'katex')).toHaveLength(1);
    expect(byClass(byClass(codeCells[6]!, 'nb-latex')[0]!, 'katex-display')).toHaveLength(1);
    expect(JSON.parse(textOf(byClass(codeCells[6]!, 'nb-json')[0]!))).toEqual({ ok: true, region: 'north', threshold: 0.75 });
  });

  it('shows a widget without saved state as [widget], a cell magic highlighted as such', () => {
    expect(textOf(byClass(codeCells[7]!, 'nb-widget')[0]!)).toBe('[widget]');
    const bash = byClass(codeCells[8]!, 'nb-source')[0]!;
    expect(textOf(byClass(bash, 'hljs-meta')[0]!)).toBe('%%bash\n');
    expect(byClass(bash, 'hljs-built_in').map(textOf)).toContain('echo');
  });

  it('shows an error with its coloured traceback', () => {
    const error = byClass(codeCells[10]!, 'nb-error')[0]!;
    expect(textOf(error)).toMatch(/ZeroDivisionError\s+Traceback \(most recent call last\)[\s\S]*ZeroDivisionError: division by zero$/);
    expect(select(error, (el) => classes(el).some((c) => c.startsWith('ansi-'))).length).toBeGreaterThan(3);
  });

  it('inlines KaTeX\'s CSS with its fonts as data: URLs', () => {
    const css = byTag(tree, 'style').map(textOf).join('');
    expect(css).toMatch(/@font-face\{[^}]*font-family:KaTeX_Main;[^}]*src:url\(data:font\/woff2;base64,/);
    expect(css).not.toMatch(/url\(fonts\//);
  });
});

describe('a failed run', async () => {
  const nb = await fixture('failing.executed.ipynb');
  const tree = parseHtml(await renderNotebook(nb, { name: 'failing.ipynb' }));
  const failedId = (nb.metadata as { nbrun: { failed_cell: { id: string } } }).nbrun.failed_cell.id;

  it('says so on top and links to the failed cell, which is marked', () => {
    const header = byClass(tree, 'nb-run')[0]!;
    expect(classes(header)).toContain('nb-run--failed');
    const failure = byClass(header, 'nb-failure')[0]!;
    expect(textOf(failure)).toBe('Failed: ZeroDivisionError: division by zero. Go to cell 3 (In [3])');
    expect(attr(byTag(failure, 'a')[0]!, 'href')).toBe(`#cell-${failedId}`);
    const failed = cellOf(tree, failedId);
    expect(classes(failed)).toContain('nb-cell--failed');
    expect(textOf(byClass(failed, 'nb-badge')[0]!)).toBe('failed');
  });

  it('leaves out nbrun\'s marker cells (the header says it) and marks the cells that never ran', () => {
    expect(byClass(tree, 'nb-cell')).toHaveLength(5);
    expect(textOf(tree)).not.toContain('nbrun: execution failed');
    const last = byClass(tree, 'nb-cell--code').at(-1)!;
    expect(classes(last)).toContain('nb-cell--unrun');
    expect(textOf(byClass(last, 'nb-badge')[0]!)).toBe('not run');
  });
});

describe('options', async () => {
  const nb = await fixture('showcase.executed.ipynb');

  it('noInput: outputs and markdown only, no code and no prompts', async () => {
    const tree = parseHtml(await renderNotebook(nb, { noInput: true }));
    expect(byClass(tree, 'nb-source')).toHaveLength(0);
    expect(byClass(tree, 'nb-prompt')).toHaveLength(0);
    expect(byClass(tree, 'nb-markdown').length).toBeGreaterThan(3);
    expect(byClass(tree, 'nb-output').length).toBeGreaterThan(8);
    expect(classes(byTag(tree, 'main')[0]!)).toContain('nb-no-input');
  });

  it('trusted: no policy, HTML as written, JavaScript outputs as scripts', async () => {
    const html = await renderNotebook(nb, { trusted: true });
    const tree = parseHtml(html);
    expect(html).not.toContain('Content-Security-Policy');
    const scripts = byTag(tree, 'script');
    expect(scripts.map(textOf)).toEqual(['document.title = "changed by a script"']);
  });

  it('title: wins over the file name and metadata', async () => {
    const tree = parseHtml(await renderNotebook(nb, { name: 'x.ipynb', title: 'Q3 <report>' }));
    expect(textOf(byTag(tree, 'title')[0]!)).toBe('Q3 <report>');
  });
});

describe('choosing a representation', () => {
  it('follows the priority html > svg > png > jpeg > markdown > latex > json > plain', () => {
    const all = Object.fromEntries(MIME_PRIORITY.map((m) => [m, 'x']));
    const order: string[] = [];
    const data: Record<string, unknown> = { ...all };
    for (;;) {
      const mime = chooseMime(data, false);
      if (!mime) break;
      order.push(mime);
      delete data[mime];
    }
    expect(order).toEqual(['text/html', 'image/svg+xml', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/markdown', 'text/latex', 'application/json', 'text/plain']);
  });

  it('puts JavaScript first only when trusted', () => {
    const data = { 'application/javascript': 'x', 'text/html': '<b>x</b>' };
    expect(chooseMime(data, true)).toBe('application/javascript');
    expect(chooseMime(data, false)).toBe('text/html');
    expect(chooseMime({ 'application/javascript': 'x' }, false)).toBeUndefined();
  });
});

describe('small notebooks', () => {
  it('merges consecutive streams so \\r overwrites across chunks', async () => {
    const tree = parseHtml(await renderNotebook(notebook([code('x', [{ output_type: 'stream', name: 'stdout', text: ' 10%' }, { output_type: 'stream', name: 'stdout', text: '\r100%\n' }])])));
    expect(byClass(tree, 'nb-stream').map(textOf)).toEqual(['100%\n']);
  });

  it('shows a JavaScript-only output as a note when untrusted', async () => {
    const tree = parseHtml(await renderNotebook(notebook([code('x', [display({ 'application/javascript': 'alert(1)' })])])));
    expect(textOf(byClass(tree, 'nb-note')[0]!)).toBe('[application/javascript output not shown (JavaScript runs only in a trusted render)]');
  });

  it('shows a widget from its saved state', async () => {
    const view = { 'application/vnd.jupyter.widget-view+json': { model_id: 'm1', version_major: 2, version_minor: 0 } };
    const state = { 'application/vnd.jupyter.widget-state+json': { state: { m1: { model_name: 'IntSliderModel', state: { _model_name: 'IntSliderModel', description: 'units', value: 7, min: 0, max: 10, layout: 'IPY_MODEL_x' } } } } };
    const tree = parseHtml(await renderNotebook(notebook([code('w', [display(view)])], { widgets: state })));
    expect(textOf(byClass(tree, 'nb-widget')[0]!)).toBe("IntSlider(description='units', value=7, min=0, max=10)");
    // With a text fallback (ipywidgets 7+), the text is shown.
    const withText = parseHtml(await renderNotebook(notebook([code('w', [display({ ...view, 'text/plain': 'IntSlider(value=7)' })])])));
    expect(textOf(byClass(withText, 'nb-output')[0]!)).toBe('IntSlider(value=7)');
  });

  it('sizes images from their metadata and refuses data that is not base64', async () => {
    const tree = parseHtml(
      await renderNotebook(notebook([code('i', [display({ 'image/png': 'iVBORw0KGgo=\n' }, { 'image/png': { width: 320, height: 200 } }), display({ 'image/jpeg': '"><script>' })])])),
    );
    const img = byTag(tree, 'img')[0]!;
    expect([attr(img, 'src'), attr(img, 'width'), attr(img, 'height')]).toEqual(['data:image/png;base64,iVBORw0KGgo=', '320', '200']);
    expect(byTag(tree, 'img')).toHaveLength(1);
    expect(textOf(byClass(tree, 'nb-note')[0]!)).toBe('[image/jpeg output is not valid base64]');
  });

  it('shows raw cells: HTML ones sanitized, untyped ones as text, those for other formats not at all', async () => {
    const tree = parseHtml(
      await renderNotebook(
        notebook([
          { cell_type: 'raw', source: '<b onclick="x()">bold</b>', metadata: { raw_mimetype: 'text/html' } },
          { cell_type: 'raw', source: 'plain <text>' },
          { cell_type: 'raw', source: '\\section{x}', metadata: { raw_mimetype: 'text/latex' } },
        ]),
      ),
    );
    const raws = byClass(tree, 'nb-cell--raw');
    expect(raws).toHaveLength(2);
    expect(byTag(raws[0]!, 'b').map((b) => [textOf(b), b.properties.onClick])).toEqual([['bold', undefined]]);
    expect(textOf(byClass(raws[1]!, 'nb-raw')[0]!)).toBe('plain <text>');
  });

  it('resolves attachment: images in markdown, in markdown syntax and in HTML', async () => {
    const attachments = { 'a.png': { 'image/png': 'iVBORw0KGgo=' }, 'page.html': { 'text/html': '<script>x</script>' } };
    const tree = parseHtml(await renderNotebook(notebook([{ cell_type: 'markdown', source: '![a](attachment:a.png) <img src="attachment:a.png"> ![h](attachment:page.html)', attachments }])));
    // An attachment that is not an image is not shown (an empty source loads nothing).
    expect(byTag(tree, 'img').map((i) => attr(i, 'src'))).toEqual(['data:image/png;base64,iVBORw0KGgo=', 'data:image/png;base64,iVBORw0KGgo=', '']);
  });

  it('keeps \\newcommand across cells and typesets LaTeX outputs', async () => {
    const tree = parseHtml(
      await renderNotebook(
        notebook([
          { cell_type: 'markdown', source: '$\\newcommand{\\RR}{\\mathbb{R}}$' },
          { cell_type: 'markdown', source: '$x \\in \\RR$' },
          code('l', [display({ 'text/latex': '\\begin{equation}E = mc^2\\end{equation}', 'text/plain': 'E' })]),
        ]),
      ),
    );
    expect(select(tree, (el) => attr(el, 'style')?.includes('#cc0000') === true)).toHaveLength(0);
    expect(byClass(byClass(tree, 'nb-latex')[0]!, 'katex-display')).toHaveLength(1);
  });

  it('reads notebooks whose text is still split in lines, and odd but valid shapes', async () => {
    const nb = notebook([
      { cell_type: 'markdown', source: ['# Title\n', 'text'] },
      code('a = 1\n', [{ output_type: 'stream', name: 'stdout', text: ['a\n', 'b\n'] }, display({})], { execution_count: null }),
      { cell_type: 'markdown', source: '' },
    ]);
    const tree = parseHtml(await renderNotebook(nb));
    expect(textOf(byTag(tree, 'h1')[0]!)).toBe('Title¶');
    expect(byClass(tree, 'nb-stream').map(textOf)).toEqual(['a\nb\n']);
    expect(textOf(byClass(byClass(tree, 'nb-cell--code')[0]!, 'nb-prompt')[0]!)).toBe('In [ ]:');
    expect(byClass(tree, 'nb-cell')).toHaveLength(2);
  });

  it('escapes code in an unknown language and highlights R', async () => {
    const unknown = parseHtml(await renderNotebook(notebook([code('if a < b { print("<x>") }')], { language_info: { name: 'brainf' }, kernelspec: { name: 'bf', language: 'brainf' } })));
    expect(textOf(byClass(unknown, 'nb-source')[0]!)).toBe('if a < b { print("<x>") }');
    expect(select(byClass(unknown, 'nb-source')[0]!, (el) => classes(el).some((c) => c.startsWith('hljs')))).toHaveLength(0);
    const r = parseHtml(await renderNotebook(notebook([code('x <- c(1, 2)\nprint(x)')], { language_info: { name: 'R' }, kernelspec: { name: 'ir', language: 'R' } })));
    expect(byClass(byClass(r, 'nb-source')[0]!, 'hljs-number').map(textOf)).toEqual(['1', '2']);
  });

  it('shows papermill\'s record when there is no nbrun record', async () => {
    const tree = parseHtml(await renderNotebook(notebook([code('x')], { papermill: { parameters: { alpha: 0.5 }, start_time: '2024-05-01T06:00:00Z', end_time: '2024-05-01T06:00:03Z', duration: 3.2, exception: null } })));
    const header = byClass(tree, 'nb-run')[0]!;
    expect(textOf(byClass(header, 'nb-badge')[0]!)).toBe('completed');
    expect(textOf(header)).toContain('Run bypapermill');
    expect(textOf(byClass(header, 'nb-params')[0]!)).toContain('alpha0.5');
  });

  it('has no header for a notebook without a run and without a name', async () => {
    expect(byClass(parseHtml(await renderNotebook(notebook([code('x')]))), 'nb-run')).toHaveLength(0);
  });
});

describe('hostile nesting', () => {
  it('replaces only the piece nested too deeply to walk (HTML, markdown with HTML, JSON, raw HTML)', async () => {
    let json: unknown = 1;
    for (let i = 0; i < 200_000; i++) json = [json];
    const deep = '<div>'.repeat(20_000) + 'x';
    const tree = parseHtml(
      await renderNotebook(
        notebook([
          code('a', [display({ 'text/html': deep }), display({ 'application/json': json }), { output_type: 'stream', name: 'stdout', text: 'still here\n' }]),
          { cell_type: 'markdown', source: '<span>'.repeat(20_000) },
          { cell_type: 'raw', source: deep, metadata: { raw_mimetype: 'text/html' } },
          { cell_type: 'markdown', source: '# After' },
        ]),
      ),
    );
    expect(byClass(tree, 'nb-note').map(textOf)).toEqual([
      '[HTML nested too deeply to be shown safely]',
      '[nested too deeply to be shown]',
      '[HTML nested too deeply to be shown safely]',
      '[HTML nested too deeply to be shown safely]',
    ]);
    expect(byClass(tree, 'nb-stream').map(textOf)).toEqual(['still here\n']);
    expect(textOf(byTag(tree, 'h1')[0]!)).toBe('After¶');
  });
});

describe('bad input', () => {
  it.each([
    ['not an object', [], '<notebook>: not a notebook (expected a JSON object)'],
    ['no cells', { metadata: {} }, '<notebook>: not a notebook (no "cells" list)'],
    ['a cell without type', { cells: [{ cell_type: 'code', source: '' }, { source: 'x' }] }, '<notebook>: /cells/1: not a cell (no "cell_type")'],
  ])('%s is one line with a stable code', async (_, value, message) => {
    const err = await renderNotebook(value as unknown as Notebook).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbrunError);
    expect((err as NbrunError).code).toBe('E_NOTEBOOK_INVALID');
    expect((err as NbrunError).message).toBe(message);
  });
});
