/**
 * Markdown as Jupyter shows it: CommonMark with GFM tables, strikethrough and autolinks
 * (markdown-it), math typeset by KaTeX, fenced code highlighted, headings with anchors,
 * `attachment:` images from the cell's attachments. Markdown that contains HTML is
 * sanitized as a whole; markdown without any `<` produces only markdown-it's own markup
 * (its link check refuses `javascript:` and other unsafe URLs), so it is not.
 */
import type MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import type { Highlighter } from './highlight.js';
import { extractMath, mayContainMath, type MathPiece, type MathTypesetter } from './math.js';
import type { HtmlSanitizer } from './sanitize.js';
import { asRecord, cleanBase64, escapeHtml, multiline, safeDecode } from './text.js';

/** A cell's attachments: name → { mime → base64 }. */
export type Attachments = Record<string, Record<string, unknown>>;

/** Image types an `attachment:` URL may resolve to (shown with `<img>`, where SVG runs nothing). */
const ATTACHMENT_IMAGES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'];

let markdownIt: Promise<typeof MarkdownIt> | undefined;

/**
 * The fence languages of markdown texts (to load their highlighters beforehand).
 * @example fenceLanguages(['```python\nx = 1\n```']) // Set { 'python' }
 */
export function fenceLanguages(texts: Iterable<string>): Set<string> {
  const found = new Set<string>();
  for (const text of texts) {
    if (!text.includes('```') && !text.includes('~~~')) continue;
    for (const m of text.matchAll(/^ {0,3}(?:`{3,}|~{3,})\s*([\w+#.-]+)/gm)) found.add(m[1]!.toLowerCase());
  }
  return found;
}

/** What the markdown renderer uses; those not given are not needed by the texts it renders. */
export interface MarkdownTools {
  highlighter?: Highlighter;
  typesetter?: MathTypesetter;
  /** Absent when rendering trusted output. */
  sanitizer?: HtmlSanitizer;
}

/**
 * Loads markdown-it and returns a renderer.
 * @example const md = await createMarkdownRenderer({ sanitizer }); md.render('# Title')
 */
export async function createMarkdownRenderer(tools: MarkdownTools): Promise<MarkdownRenderer> {
  markdownIt ??= import('markdown-it').then((m) => (m as unknown as { default: typeof MarkdownIt }).default ?? (m as unknown as typeof MarkdownIt));
  return new MarkdownRenderer(await markdownIt, tools);
}

/** Renders markdown texts to HTML fragments. */
export class MarkdownRenderer {
  private readonly md: MarkdownIt;

  constructor(
    MarkdownItClass: typeof MarkdownIt,
    private readonly tools: MarkdownTools,
  ) {
    const md = new MarkdownItClass('default', {
      html: true,
      linkify: true,
      typographer: false,
      highlight: (code, lang) => (lang && tools.highlighter ? tools.highlighter.highlight(code, lang) : ''),
    });
    // Headings end with a ¶ link to themselves, as in JupyterLab and nbconvert.
    md.renderer.rules.heading_close = (tokens, idx, options, _env, self) => {
      const id = tokens[idx - 2]?.attrGet('id');
      const anchor = id ? `<a class="anchor-link" href="#${escapeHtml(encodeURIComponent(id))}" aria-label="link to this heading">¶</a>` : '';
      return anchor + self.renderToken(tokens, idx, options);
    };
    const defaultValidate = md.validateLink.bind(md);
    md.validateLink = (url) => /^attachment:/i.test(url.trim()) || defaultValidate(url);
    this.md = md;
  }

  /**
   * A markdown text as an HTML fragment.
   * @example renderer.render('**bold** and $x^2$', cell.attachments)
   */
  render(source: string, attachments?: Attachments): string {
    const { text, math } = mayContainMath(source) && this.tools.typesetter ? extractMath(source) : { text: source, math: [] as MathPiece[] };
    const env = {};
    const tokens = this.md.parse(text, env);
    this.adjust(tokens, math, attachments);
    let html = this.md.renderer.render(tokens, this.md.options, env);
    const restore = (s: string) => (math.length ? s.replace(/@@(\d+)@@/g, (whole, n: string) => math[Number(n)]?.source ?? whole) : s);
    if (this.tools.sanitizer && source.includes('<')) {
      html = this.tools.sanitizer.sanitize(html, {
        attributeText: restore,
        attachment: (name) => attachmentUrl(attachments, name),
      });
    } else if (math.length) {
      // Our own markup only: placeholders inside a tag (alt text, ids, link targets) get their source back.
      html = html.replace(/<[^>]*@@\d+@@[^>]*>/g, (tag) => escapeAttributePlaceholders(tag, math));
    }
    return math.length && this.tools.typesetter ? this.tools.typesetter.render(html, math) : html;
  }

  /** Code keeps its math source, headings get ids and anchors, `attachment:` images their data. */
  private adjust(tokens: Token[], math: MathPiece[], attachments: Attachments | undefined): void {
    const restore = (s: string) => (math.length && s.includes('@@') ? s.replace(/@@(\d+)@@/g, (w, n: string) => math[Number(n)]?.source ?? w) : s);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.type === 'fence' || token.type === 'code_block') {
        token.content = restore(token.content);
        token.info = restore(token.info);
      } else if (token.type === 'heading_open') {
        const inline = tokens[i + 1];
        const text = restore(inline?.children?.map((c) => (c.type === 'text' || c.type === 'code_inline' ? c.content : '')).join('') ?? '');
        const id = text.trim().replace(/\s+/g, '-');
        if (id) token.attrSet('id', id);
      } else if (token.type === 'inline' && token.children) {
        for (const child of token.children) {
          if (child.type === 'code_inline') child.content = restore(child.content);
          else if (child.type === 'image') {
            const src = child.attrGet('src');
            if (src && /^attachment:/i.test(src)) {
              const url = attachmentUrl(attachments, safeDecode(src.slice('attachment:'.length)));
              child.attrSet('src', url ?? '');
            }
          }
        }
      }
    }
  }
}

function escapeAttributePlaceholders(tag: string, math: MathPiece[]): string {
  return tag.replace(/@@(\d+)@@/g, (whole, n: string) => {
    const piece = math[Number(n)];
    return piece ? escapeHtml(piece.source) : whole;
  });
}

/**
 * The `data:` URL of an image attachment of a cell, if it has one by that name.
 * @example attachmentUrl({ 'a.png': { 'image/png': 'iVBOR…' } }, 'a.png') // 'data:image/png;base64,iVBOR…'
 */
export function attachmentUrl(attachments: Attachments | undefined, name: string): string | undefined {
  const bundle = asRecord(attachments?.[name]);
  if (!bundle) return undefined;
  for (const mime of ATTACHMENT_IMAGES) {
    if (!(mime in bundle)) continue;
    const data = multiline(bundle[mime]);
    if (mime === 'image/svg+xml') return `data:image/svg+xml;base64,${Buffer.from(data, 'utf8').toString('base64')}`;
    const base64 = cleanBase64(data);
    if (base64 !== undefined) return `data:${mime};base64,${base64}`;
  }
  return undefined;
}
