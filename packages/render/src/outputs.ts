/**
 * A code cell's outputs as HTML: streams and errors as terminal text, rich outputs by mime
 * priority (as nbconvert picks one representation per output).
 */
import type { IOutput } from '@jupyterlab/nbformat';
import { ansiToHtml } from './ansi.js';
import type { MarkdownRenderer } from './markdown.js';
import { typesetLatexText, type MathTypesetter } from './math.js';
import type { HtmlSanitizer } from './sanitize.js';
import { asRecord, cleanBase64, escapeHtml, multiline } from './text.js';

/** Mime types shown, best first; an output shows the first one it has. */
export const MIME_PRIORITY = [
  'text/html',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'text/markdown',
  'text/latex',
  'application/json',
  'text/plain',
] as const;

/** With `trusted`, JavaScript comes first: it is what the output's author meant to show. */
const TRUSTED_PRIORITY = ['application/javascript', ...MIME_PRIORITY] as const;

const BASE64_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * The mime type an output bundle is shown as, or undefined when it has none nbrun shows
 * (e.g. only `application/javascript` without `trusted`, or a widget without a text fallback).
 * @example chooseMime({ 'text/plain': 'x', 'text/html': '<b>x</b>' }, false) // 'text/html'
 */
export function chooseMime(data: Record<string, unknown> | undefined, trusted: boolean): string | undefined {
  if (!data) return undefined;
  for (const mime of trusted ? TRUSTED_PRIORITY : MIME_PRIORITY) if (mime in data && data[mime] != null) return mime;
  return undefined;
}

/** What rendering outputs uses; tools the notebook does not need may be absent. */
export interface OutputTools {
  trusted: boolean;
  /** The notebook's saved widget states (`metadata.widgets[…widget-state+json].state`), by model id. */
  widgets?: Record<string, unknown>;
  markdown?: MarkdownRenderer;
  typesetter?: MathTypesetter;
  sanitizer?: HtmlSanitizer;
}

/** Consecutive stream outputs of the same name, merged as JupyterLab shows them (`\r` spans chunks). */
export function mergeStreams(outputs: IOutput[]): IOutput[] {
  const merged: IOutput[] = [];
  for (const output of outputs) {
    const last = merged[merged.length - 1];
    if (output.output_type === 'stream' && last?.output_type === 'stream' && last.name === output.name) {
      merged[merged.length - 1] = { ...last, text: multiline(last.text) + multiline(output.text) };
    } else merged.push(output);
  }
  return merged;
}

/** One output: its prompt (`Out[n]:` for execute_result) and its HTML. */
export interface RenderedOutput {
  prompt?: string;
  html: string;
}

/**
 * One output as HTML.
 * @example renderOutput({ output_type: 'stream', name: 'stdout', text: 'hi\n' }, tools).html // '<div class="nb-output nb-stream"…'
 */
export function renderOutput(output: IOutput, tools: OutputTools): RenderedOutput {
  switch (output.output_type) {
    case 'stream': {
      const stderr = output.name === 'stderr';
      return { html: `<div class="nb-output nb-stream${stderr ? ' nb-stderr' : ''}"><pre>${ansiToHtml(multiline(output.text))}</pre></div>` };
    }
    case 'error': {
      const traceback = Array.isArray(output.traceback) ? output.traceback.map((l) => multiline(l)).join('\n') : '';
      const text = traceback || `${multiline(output.ename)}: ${multiline(output.evalue)}`;
      return { html: `<div class="nb-output nb-error"><pre>${ansiToHtml(text)}</pre></div>` };
    }
    case 'execute_result':
    case 'display_data': {
      const count = output.output_type === 'execute_result' ? output.execution_count : undefined;
      const html = renderBundle(asRecord(output.data), asRecord(output.metadata), tools);
      return { ...(output.output_type === 'execute_result' ? { prompt: `Out[${count ?? ' '}]:` } : {}), html };
    }
    default:
      return { html: '' };
  }
}

function renderBundle(data: Record<string, unknown> | undefined, metadata: Record<string, unknown> | undefined, tools: OutputTools): string {
  const mime = chooseMime(data, tools.trusted);
  if (!mime && data?.[WIDGET_VIEW]) return `<div class="nb-output nb-widget"><pre>${escapeHtml(widgetText(data[WIDGET_VIEW], tools.widgets))}</pre></div>`;
  if (!mime || !data) {
    const kinds = data ? Object.keys(data) : [];
    if (!kinds.length) return '';
    const why = kinds.includes('application/javascript') && !tools.trusted ? ' (JavaScript runs only in a trusted render)' : '';
    return `<div class="nb-output"><p class="nb-note">[${escapeHtml(kinds.join(', '))} output not shown${why}]</p></div>`;
  }
  const value = data[mime];
  const attr = ` data-mime-type="${escapeHtml(mime)}"`;
  if (mime === 'text/html') {
    const html = multiline(value);
    return `<div class="nb-output nb-html"${attr}>${tools.trusted || !tools.sanitizer ? html : tools.sanitizer.sanitize(html)}</div>`;
  }
  if (mime === 'image/svg+xml' || BASE64_IMAGES.has(mime)) return image(mime, value, asRecord(metadata?.[mime]), attr);
  if (mime === 'text/markdown' && tools.markdown) {
    return `<div class="nb-output nb-markdown"${attr}>${tools.markdown.render(multiline(value))}</div>`;
  }
  if (mime === 'text/latex' && tools.typesetter) {
    return `<div class="nb-output nb-latex"${attr}><div class="nb-text">${typesetLatexText(tools.typesetter, multiline(value))}</div></div>`;
  }
  if (mime === 'application/json') {
    let json = value;
    if (typeof json === 'string') {
      try {
        json = JSON.parse(json);
      } catch {
        // shown as the text it is
      }
    }
    const text = typeof json === 'string' ? json : JSON.stringify(json, null, 2);
    return `<div class="nb-output"${attr}><pre class="nb-json">${escapeHtml(text ?? '')}</pre></div>`;
  }
  if (mime === 'application/javascript') {
    // Only with `trusted`: the notebook's author asked for this script to run.
    return `<div class="nb-output"${attr}><script>${multiline(value).replace(/<\/(script)/gi, '<\\/$1')}</script></div>`;
  }
  return `<div class="nb-output"${attr}><pre>${ansiToHtml(multiline(value))}</pre></div>`;
}

const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';
/** Widget state fields worth showing in a text form, in this order. */
const WIDGET_FIELDS = ['description', 'value', 'min', 'max', 'step', 'options', 'placeholder'];

/**
 * A widget without a text fallback, as text from its saved state: `IntSlider(description='units', value=7)`;
 * `[widget]` when the notebook did not save its state.
 */
function widgetText(view: unknown, widgets: Record<string, unknown> | undefined): string {
  const modelId = asRecord(view)?.model_id;
  const model = typeof modelId === 'string' ? asRecord(asRecord(widgets?.[modelId])?.state) : undefined;
  if (!model) return '[widget]';
  const name = typeof model._model_name === 'string' ? model._model_name.replace(/Model$/, '') : 'Widget';
  const fields = WIDGET_FIELDS.filter((k) => k in model && model[k] !== null && model[k] !== '').map((k) => {
    const v = model[k];
    return `${k}=${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)}`;
  });
  return `${name}(${fields.join(', ')})`;
}

/** An image as an `<img>` with a `data:` URL: SVG shown this way runs no script and loads nothing. */
function image(mime: string, value: unknown, metadata: Record<string, unknown> | undefined, attr: string): string {
  let url: string;
  if (mime === 'image/svg+xml') {
    url = `data:image/svg+xml;base64,${Buffer.from(multiline(value), 'utf8').toString('base64')}`;
  } else {
    const base64 = cleanBase64(multiline(value));
    if (base64 === undefined) return `<div class="nb-output"${attr}><p class="nb-note">[${escapeHtml(mime)} output is not valid base64]</p></div>`;
    url = `data:${mime};base64,${base64}`;
  }
  const size = (['width', 'height'] as const)
    .map((k) => (typeof metadata?.[k] === 'number' && Number.isFinite(metadata[k]) ? ` ${k}="${Math.round(metadata[k] as number)}"` : ''))
    .join('');
  const unconfined = metadata?.unconfined === true ? ' class="nb-unconfined"' : '';
  return `<div class="nb-output nb-image"${attr}><img src="${url}"${size}${unconfined} alt="output image"></div>`;
}
