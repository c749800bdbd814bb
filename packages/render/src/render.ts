/**
 * A notebook as one self-contained HTML page, as nbconvert's lab template shows it, with
 * nbrun's run record on top. Heavy parts load only when the notebook needs them: markdown-it
 * for markdown, KaTeX for math, highlight.js per language, jsdom + DOMPurify for untrusted HTML.
 */
import type { ICell, ICodeCell, IMarkdownCell, IOutput } from '@jupyterlab/nbformat';
import { NotebookFormatError, type Notebook } from '@nbrun/core';
import { cellLanguage, loadHighlighter, type Highlighter } from './highlight.js';
import { createMarkdownRenderer, fenceLanguages, type Attachments, type MarkdownRenderer } from './markdown.js';
import { createMathTypesetter, katexStyles, mayContainMath } from './math.js';
import { chooseMime, mergeStreams, renderOutput, type OutputTools, type RenderedOutput } from './outputs.js';
import { badge, readCellRun, readRunSummary, renderRunHeader, type RunSummary } from './record.js';
import { createSanitizer } from './sanitize.js';
import { PAGE_CSS } from './styles.js';
import { asRecord, escapeHtml, formatDuration, multiline } from './text.js';

/** Options of {@link renderNotebook}. */
export interface RenderOptions {
  /**
   * Leave out code cells' sources and all prompts: outputs and markdown only (the report view).
   * Default false.
   */
  noInput?: boolean;
  /**
   * Trust the notebook: keep its HTML as written, scripts included, run JavaScript outputs, and
   * omit the Content-Security-Policy. Only for notebooks whose every output you trust. Default false.
   */
  trusted?: boolean;
  /** The page title; default the notebook's `metadata.title`, else `name`, else "Notebook". */
  title?: string;
  /** The notebook's file name (e.g. `analysis.ipynb`), for the title. */
  name?: string;
}

/**
 * Content-Security-Policy of an untrusted page: no script of any kind, nothing fetched (images,
 * fonts and media only as `data:` URLs), no form submission, no `<base>`, no frames.
 */
export const UNTRUSTED_CSP =
  "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; media-src data:; " +
  "form-action 'none'; base-uri 'none'; frame-src 'none'; object-src 'none'";

/** Tag of the marker cells nbrun adds to a failed run's notebook: the page's header says the same. */
const ERROR_MARKER_TAG = 'nbrun-error';

/**
 * Renders a notebook to one self-contained HTML page (CSS, fonts and images inline; nothing
 * fetched when it is opened). Untrusted by default: HTML and SVG outputs and markdown are
 * sanitized, JavaScript outputs dropped, and a Content-Security-Policy forbids any script.
 *
 * Throws `NotebookFormatError` (code `E_NOTEBOOK_INVALID`) when `nb` is not a notebook.
 * @example
 * import { readNotebook } from '@nbrun/core';
 * import { renderNotebook } from '@nbrun/render';
 * const html = await renderNotebook(await readNotebook('report.out.ipynb'), { noInput: true });
 */
export async function renderNotebook(nb: Notebook, options: RenderOptions = {}): Promise<string> {
  assertNotebookShape(nb);
  const trusted = options.trusted === true;
  const noInput = options.noInput === true;
  const language = notebookLanguage(nb);
  const cells = nb.cells.map((cell, index) => ({ cell, index })).filter(({ cell }) => !hasTag(cell, ERROR_MARKER_TAG));
  const widgets = asRecord(asRecord(asRecord(nb.metadata)?.widgets)?.['application/vnd.jupyter.widget-state+json'])?.state;
  const tools = await loadTools(cells.map((c) => c.cell), language, trusted, noInput, asRecord(widgets));
  const run = readRunSummary(nb.metadata);
  const failed = findFailedCell(nb, run);

  const body: string[] = [];
  // Cells are numbered as nbrun's messages number them: without the marker cells of a failed run.
  cells.forEach(({ cell, index }, shown) => body.push(renderCell(cell, index, shown, { ...tools, language, noInput, run, failed: index === failed })));
  const title = options.title ?? (typeof asRecord(nb.metadata)?.title === 'string' ? (asRecord(nb.metadata)!.title as string) : undefined) ?? options.name ?? 'Notebook';
  const failedCell = failed === undefined ? undefined : nb.cells[failed];
  const failedLabel = failedCell ? cellLabel(failedCell, cells.findIndex((c) => c.index === failed)) : undefined;
  const header = run || options.title || options.name ? renderRunHeaderFor(title, run, failedCell, failed, failedLabel) : '';
  const css = PAGE_CSS + (tools.typesetter?.used ? katexStyles(tools.typesetter.usedClasses()) : '');
  return page({ title, css, trusted, noInput, status: run?.status, content: header + body.join('') });
}

/** The tools a notebook needs, loaded in parallel; absent ones are not needed. */
interface Tools extends OutputTools {
  highlighter?: Highlighter;
}

async function loadTools(cells: ICell[], language: string | undefined, trusted: boolean, noInput: boolean, widgets: Record<string, unknown> | undefined): Promise<Tools> {
  let markdown = false;
  let math = false;
  let html = false;
  const languages = new Set<string | undefined>();
  const markdownTexts: string[] = [];
  const seeMarkdown = (text: string) => {
    markdown = true;
    markdownTexts.push(text);
    math ||= mayContainMath(text);
    html ||= text.includes('<');
  };
  for (const cell of cells) {
    const source = multiline(cell.source);
    if (cell.cell_type === 'markdown') {
      if (source.trim()) seeMarkdown(source);
    } else if (cell.cell_type === 'raw') {
      html ||= rawMime(cell) === 'text/html';
    } else if (cell.cell_type === 'code') {
      if (!noInput && source) languages.add(cellLanguage(source, language));
      for (const output of outputsOf(cell)) {
        if (output.output_type !== 'execute_result' && output.output_type !== 'display_data') continue;
        const data = asRecord(output.data);
        const mime = chooseMime(data, trusted);
        if (mime === 'text/html') html = true;
        else if (mime === 'text/markdown') seeMarkdown(multiline(data![mime]));
        else if (mime === 'text/latex') math = true;
      }
    }
  }
  for (const fence of fenceLanguages(markdownTexts)) languages.add(fence);
  languages.delete(undefined);
  const [highlighter, typesetter, sanitizer] = await Promise.all([
    languages.size ? loadHighlighter(languages) : undefined,
    math ? createMathTypesetter() : undefined,
    html && !trusted ? createSanitizer() : undefined,
  ]);
  const mdRenderer: MarkdownRenderer | undefined = markdown ? await createMarkdownRenderer({ highlighter, typesetter, sanitizer }) : undefined;
  return { trusted, highlighter, typesetter, sanitizer, markdown: mdRenderer, widgets };
}

interface CellContext extends Tools {
  language: string | undefined;
  noInput: boolean;
  run: RunSummary | undefined;
  failed: boolean;
}

/** A cell; `index` is its place in the file (for its anchor), `shown` its number in messages. */
function renderCell(cell: ICell, index: number, shown: number, ctx: CellContext): string {
  const anchor = escapeHtml(cellAnchor(cell, index));
  const source = multiline(cell.source);
  const promptCol = (text: string, extra = '', out = false) => (ctx.noInput ? '' : `<div class="nb-prompt${out ? ' nb-prompt--out' : ''}">${escapeHtml(text)}${extra}</div>`);
  if (cell.cell_type === 'markdown') {
    if (!source.trim()) return '';
    const attachments = asRecord((cell as IMarkdownCell).attachments) as Attachments | undefined;
    const html = ctx.markdown ? guarded(() => ctx.markdown!.render(source, attachments), () => TOO_DEEP_OUTPUT) : `<pre>${escapeHtml(source)}</pre>`;
    return `<section class="nb-cell nb-cell--markdown" id="${anchor}"><div class="nb-row">${promptCol('')}<div class="nb-body nb-markdown">${html}</div></div></section>`;
  }
  if (cell.cell_type === 'raw') {
    const mime = rawMime(cell);
    if (mime && mime !== 'text/html') return ''; // meant for another format (LaTeX, reST…), as nbconvert does
    if (!source.trim()) return '';
    const html = mime === 'text/html' ? `<div class="nb-html">${ctx.sanitizer ? ctx.sanitizer.sanitize(source) : source}</div>` : `<pre class="nb-raw">${escapeHtml(source)}</pre>`;
    return `<section class="nb-cell nb-cell--raw" id="${anchor}"><div class="nb-row">${promptCol('')}<div class="nb-body">${html}</div></div></section>`;
  }
  if (cell.cell_type !== 'code') return '';
  const code = cell as ICodeCell;
  const count = typeof code.execution_count === 'number' ? code.execution_count : null;
  const run = readCellRun(cell);
  // nbrun records the cells it ran; a code cell without record or count after a failed run never ran.
  const unrun = ctx.run?.tool === 'nbrun' && ctx.run.status !== 'completed' && !run && count === null && source.trim() !== '';
  const status = ctx.failed ? 'failed' : (run?.status ?? (unrun ? 'pending' : undefined));
  const classes = ['nb-cell', 'nb-cell--code'];
  if (ctx.failed) classes.push('nb-cell--failed');
  if (status === 'pending' || status === 'skipped') classes.push('nb-cell--unrun');
  let meta = '';
  if (run?.duration !== undefined && status !== 'pending') meta += escapeHtml(formatDuration(run.duration));
  if (status && status !== 'completed') meta += `${meta ? ' ' : ''}${badge(status)}`;
  let html = `<section class="${classes.join(' ')}" id="${anchor}"${status ? ` data-status="${escapeHtml(status)}"` : ''}${ctx.failed ? ' aria-label="failed cell"' : ''}>`;
  if (!ctx.noInput) {
    const highlighted = ctx.highlighter ? ctx.highlighter.highlightCell(source, ctx.language) : escapeHtml(source);
    html += `<div class="nb-row">${promptCol(`In [${count ?? ' '}]:`, meta ? `<span class="nb-meta">${meta}</span>` : '')}`;
    html += `<div class="nb-body"><pre class="nb-source"><code>${highlighted}</code></pre></div></div>`;
  } else if (ctx.failed) {
    html += `<p class="nb-note">${badge('failed')} ${escapeHtml(cellLabel(cell, shown))}</p>`;
  }
  const outputs = mergeStreams(outputsOf(cell));
  if (outputs.length) {
    html += '<div class="nb-outputs">';
    for (const output of outputs) {
      const rendered = guarded<RenderedOutput>(() => renderOutput(output, ctx), () => ({ html: `<div class="nb-output">${TOO_DEEP_OUTPUT}</div>` }));
      if (!rendered.html) continue;
      html += `<div class="nb-row">${promptCol(rendered.prompt ?? '', '', true)}<div class="nb-body">${rendered.html}</div></div>`;
    }
    html += '</div>';
  }
  return `${html}</section>`;
}

const TOO_DEEP_OUTPUT = '<p class="nb-note">[nested too deeply to be shown]</p>';

/**
 * Runs a renderer that walks untrusted structure recursively (JSON values, markdown, HTML):
 * input nested thousands deep exhausts the stack, and then only that piece is replaced.
 */
function guarded<T>(render: () => T, instead: () => T): T {
  try {
    return render();
  } catch (err) {
    if (err instanceof RangeError) return instead();
    throw err;
  }
}

function renderRunHeaderFor(title: string, run: RunSummary | undefined, failedCell: ICell | undefined, failed: number | undefined, failedLabel: string | undefined): string {
  return renderRunHeader(title, run, failedCell ? cellAnchor(failedCell, failed!) : undefined, failedLabel);
}

/** The index of the cell the run failed in: the record's id, else its index, else a cell marked failed. */
function findFailedCell(nb: Notebook, run: RunSummary | undefined): number | undefined {
  const fc = run?.failedCell;
  if (fc?.id) {
    const byId = nb.cells.findIndex((c) => c.id === fc.id);
    if (byId >= 0) return byId;
  }
  if (fc?.index !== undefined && nb.cells[fc.index]?.cell_type === 'code') return fc.index;
  const marked = nb.cells.findIndex((c) => c.cell_type === 'code' && readCellRun(c)?.status === 'failed');
  return marked >= 0 ? marked : undefined;
}

/** `cell 4 (In [3])`: how messages name a cell. */
function cellLabel(cell: ICell, index: number): string {
  const count = cell.cell_type === 'code' ? (cell as ICodeCell).execution_count : null;
  return `cell ${index}${typeof count === 'number' ? ` (In [${count}])` : ''}`;
}

/** The element id of a cell: `cell-<id>` (nbformat 4.5 ids), else `cell-<index>`. */
function cellAnchor(cell: ICell, index: number): string {
  return typeof cell.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(cell.id) ? `cell-${cell.id}` : `cell-${index}`;
}

function outputsOf(cell: ICell): IOutput[] {
  const outputs = (cell as ICodeCell).outputs;
  return Array.isArray(outputs) ? outputs.filter((o) => asRecord(o) !== undefined) : [];
}

function rawMime(cell: ICell): string | undefined {
  const md = asRecord(cell.metadata);
  const mime = md?.raw_mimetype ?? md?.format;
  return typeof mime === 'string' && mime ? mime.toLowerCase() : undefined;
}

function hasTag(cell: ICell, tag: string): boolean {
  const tags = asRecord(cell.metadata)?.tags;
  return Array.isArray(tags) && tags.includes(tag);
}

/** The notebook's language: `language_info.name`, else the kernelspec's. */
function notebookLanguage(nb: Notebook): string | undefined {
  const md = asRecord(nb.metadata);
  const name = asRecord(md?.language_info)?.name ?? asRecord(md?.kernelspec)?.language;
  return typeof name === 'string' ? name : undefined;
}

function assertNotebookShape(nb: unknown): asserts nb is Notebook {
  const record = asRecord(nb);
  const problem = !record
    ? 'not a notebook (expected a JSON object)'
    : !Array.isArray(record.cells)
      ? 'not a notebook (no "cells" list)'
      : record.cells.findIndex((c) => typeof asRecord(c)?.cell_type !== 'string');
  if (typeof problem === 'string') throw new NotebookFormatError('<notebook>', `<notebook>: ${problem}`);
  if (problem >= 0) throw new NotebookFormatError('<notebook>', `<notebook>: /cells/${problem}: not a cell (no "cell_type")`, `/cells/${problem}`);
}

interface PageParts {
  title: string;
  css: string;
  trusted: boolean;
  noInput: boolean;
  status?: string;
  content: string;
}

function page(p: PageParts): string {
  const csp = p.trusted ? '' : `<meta http-equiv="Content-Security-Policy" content="${UNTRUSTED_CSP}">\n`;
  const classes = ['nb-notebook', ...(p.noInput ? ['nb-no-input'] : [])].join(' ');
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n${csp}` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="referrer" content="no-referrer">\n` +
    `<meta name="generator" content="nbrun">\n<title>${escapeHtml(p.title)}</title>\n<style>${p.css}</style>\n</head>\n` +
    `<body>\n<main class="${classes}"${p.status && /^[a-z-]+$/.test(p.status) ? ` data-status="${p.status}"` : ''}>\n${p.content}\n</main>\n</body>\n</html>\n`
  );
}
