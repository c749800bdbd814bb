/**
 * Math as Jupyter reads it, typeset on the server with KaTeX.
 *
 * {@link extractMath} finds math the way the Notebook and JupyterLab do before markdown sees
 * the text (`$…$`, `$$…$$`, `\\(…\\)`, `\\[…\\]`, `\begin{env}…\end{env}`; braces balanced; never
 * across a blank line; never inside code), so `$a_1 * b_2$` is not emphasis. The math is replaced
 * by `@@N@@` placeholders that {@link MathTypesetter.render} turns into KaTeX HTML afterwards.
 *
 * {@link katexStyles} inlines KaTeX's CSS with only the font faces the page's math uses, as
 * `data:` URLs: the page never fetches a font.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { KatexOptions } from 'katex';
import { escapeHtml } from './text.js';

/** One piece of math found in a text, with its delimiters. */
export interface MathPiece {
  /** The source as written, delimiters included. */
  source: string;
  /** Set for `@@N@@` strings the text itself contained: restored verbatim, never typeset. */
  literal?: boolean;
}

/** A text whose math is replaced by `@@N@@` placeholders (N indexes `math`). */
export interface MathExtraction {
  text: string;
  math: MathPiece[];
}

/**
 * Delimiters, braces, escaped braces and dollars, runs of newlines, and our own placeholders.
 * In markdown, `\\(` is written with two backslashes (markdown eats one); in LaTeX outputs, one.
 */
const MATH_SPLIT = /(\$\$?|\\(?:begin|end)\{[a-z]*\*?\}|\\[{}$]|[{}]|(?:\n\s*)+|@@\d+@@|\\\\(?:\(|\)|\[|\]))/i;
const LATEX_SPLIT = /(\$\$?|\\(?:begin|end)\{[a-z]*\*?\}|\\[{}$]|[{}]|(?:\n\s*)+|@@\d+@@|\\(?:\(|\)|\[|\]))/i;

/**
 * Whether a text may contain math (a cheap test before {@link extractMath}).
 * @example mayContainMath('price: 5 EUR') // false
 */
export function mayContainMath(text: string): boolean {
  return text.includes('$') || text.includes('\\begin{') || text.includes('\\\\(') || text.includes('\\\\[') || text.includes('@@');
}

/**
 * Replaces the math of a markdown text by `@@N@@` placeholders, as Jupyter does before
 * rendering markdown.
 * @example extractMath('area $\\pi r^2$') // { text: 'area @@0@@', math: [{ source: '$\\pi r^2$' }] }
 */
export function extractMath(input: string, options: { latex?: boolean } = {}): MathExtraction {
  const bs = options.latex ? '\\' : '\\\\';
  const math: MathPiece[] = [];
  let text = input.replace(/\r\n?/g, '\n');
  // Dollars inside code spans and fences are not delimiters: hide them as `~D` (and every
  // real `~` as `~T`) until the split is done.
  const hidesCode = text.includes('`') || text.includes('~~~');
  if (hidesCode) {
    text = text
      .replace(/~/g, '~T')
      .replace(/^(`{3,}|(?:~T){3,})[^`\n]*\n[\s\S]*?^\1`*$/gm, (block) => block.replace(/\$/g, '~D'))
      .replace(/(^|[^\\])(`+)([^\n]*?[^`\n])\2(?!`)/gm, (span) => span.replace(/\$/g, '~D'));
  }
  const unhide = (s: string) => (hidesCode ? s.replace(/~([TD])/g, (_, c: string) => (c === 'T' ? '~' : '$')) : s);

  const blocks = text.split(options.latex ? LATEX_SPLIT : MATH_SPLIT);
  let start = -1; // index of the opening delimiter while inside math
  let end = ''; // the closing delimiter we wait for
  let lastEnd = -1; // a closing delimiter seen while braces were unbalanced
  let braces = 0;
  const close = (to: number) => {
    const source = unhide(blocks.slice(start, to + 1).join(''));
    blocks[start] = `@@${math.length}@@`;
    for (let k = start + 1; k <= to; k++) blocks[k] = '';
    math.push({ source });
    start = -1;
    lastEnd = -1;
  };
  // Odd indices hold the delimiters the split captured.
  for (let i = 1; i < blocks.length; i += 2) {
    const block = blocks[i]!;
    if (block.startsWith('@')) {
      blocks[i] = `@@${math.length}@@`;
      math.push({ source: block, literal: true });
    } else if (start >= 0) {
      if (block === end) {
        if (braces) lastEnd = i;
        else close(i);
      } else if (/\n.*\n/.test(block)) {
        // A blank line ends any math; close at an earlier end delimiter if there was one.
        if (lastEnd >= 0) {
          i = lastEnd;
          close(i);
        }
        start = -1;
        lastEnd = -1;
        braces = 0;
      } else if (block === '{') braces++;
      else if (block === '}' && braces) braces--;
    } else if (block === '$' || block === '$$') {
      start = i;
      end = block;
      braces = 0;
    } else if (block === `${bs}(` || block === `${bs}[`) {
      start = i;
      end = block === `${bs}(` ? `${bs})` : `${bs}]`;
      braces = 0;
    } else if (block.slice(1, 6) === 'begin') {
      start = i;
      end = `\\end${block.slice(6)}`;
      braces = 0;
    }
  }
  if (start >= 0 && lastEnd >= 0) close(lastEnd);
  return { text: unhide(blocks.join('')), math };
}

/** KaTeX's module, loaded on first use (a notebook without math never pays for it). */
type Katex = typeof import('katex').default;
let katexModule: Promise<Katex> | undefined;

/**
 * Loads KaTeX and returns a typesetter for one notebook: `\newcommand`s and `\def`s made in one
 * cell hold in the next, as with MathJax in Jupyter.
 * @example const tex = await createMathTypesetter(); tex.typeset('$x^2$')
 */
export async function createMathTypesetter(): Promise<MathTypesetter> {
  katexModule ??= import('katex').then((m) => (m as unknown as { default: Katex }).default ?? (m as unknown as Katex));
  return new MathTypesetter(await katexModule);
}

/** Typesets math pieces with KaTeX; remembers the CSS classes it produced (for the fonts). */
export class MathTypesetter {
  private readonly macros: Record<string, string> = {};
  /** Whether anything was typeset (the page then needs KaTeX's CSS). */
  used = false;
  private readonly classes = new Set<string>();
  private readonly cache = new Map<string, string>();

  constructor(private readonly katex: Katex) {}

  /**
   * Typesets one piece of math, delimiters included (`$x$`, `$$x$$`, `\\[x\\]`,
   * `\begin{align}…\end{align}`). Errors show as KaTeX shows them: the source, in red.
   */
  typeset(source: string): string {
    // The same formula comes back often ($x$, $n$); macros defined since change its meaning.
    const key = `${Object.keys(this.macros).length}:${source}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const html = this.typesetUncached(source);
    this.cache.set(key, html);
    return html;
  }

  private typesetUncached(source: string): string {
    let tex = source;
    let displayMode = true;
    if (source.startsWith('$$')) tex = source.slice(2, -2);
    else if (source.startsWith('$')) {
      tex = source.slice(1, -1);
      displayMode = false;
    } else {
      const delimiter = /^(\\\\?)([[(])/.exec(source);
      if (delimiter) {
        tex = source.slice(delimiter[0].length, -delimiter[0].length);
        displayMode = delimiter[2] === '[';
      }
    }
    const options: KatexOptions = {
      displayMode,
      throwOnError: false,
      // No \href, \url, \includegraphics, \htmlClass…: math cannot carry links or markup.
      trust: false,
      strict: 'ignore',
      // HTML only, with the TeX source as the accessible name (below): KaTeX's MathML copy
      // more than doubles the time per formula, the cost of a whole notebook's math.
      output: 'html',
      macros: this.macros,
      globalGroup: true,
      maxExpand: 1000,
      maxSize: 50,
    };
    let html: string;
    try {
      html = this.katex.renderToString(tex, options);
    } catch (err) {
      // Only non-parse errors reach here (throwOnError is off): show the source.
      html = `<span class="katex-error" title="${escapeHtml(err instanceof Error ? err.message : String(err))}">${escapeHtml(source)}</span>`;
    }
    // Screen readers read the source (the glyphs are aria-hidden by KaTeX).
    html = html.replace('<span class="katex">', `<span class="katex" role="math" aria-label="${escapeHtml(tex.trim())}">`);
    this.used = true;
    for (const m of html.matchAll(/class="([^"]*)"/g)) for (const c of m[1]!.split(' ')) if (c) this.classes.add(c);
    return html;
  }

  /** Replaces `@@N@@` placeholders of an extraction in text or HTML: math typeset, literals escaped. */
  render(text: string, math: MathPiece[], asSource = false): string {
    return text.replace(/@@(\d+)@@/g, (whole, n: string) => {
      const piece = math[Number(n)];
      if (!piece) return whole;
      return piece.literal || asSource ? escapeHtml(piece.source) : this.typeset(piece.source);
    });
  }

  /** The CSS classes KaTeX produced so far. */
  usedClasses(): ReadonlySet<string> {
    return this.classes;
  }
}

/**
 * Typesets text that mixes prose and math (a `text/latex` output): math typeset, the rest escaped.
 * @example typesetLatexText(tex, 'The area is $\\pi r^2$.')
 */
export function typesetLatexText(tex: MathTypesetter, text: string): string {
  const { text: withPlaceholders, math } = extractMath(text, { latex: true });
  return tex.render(escapeHtml(withPlaceholders), math);
}

interface CssRule {
  selectors: string[][];
  family?: string;
  bold: boolean;
  italic: boolean;
}
interface FontFace {
  family: string;
  bold: boolean;
  italic: boolean;
  file: string;
}
interface KatexCss {
  /** The stylesheet without its @font-face rules. */
  rules: string;
  parsed: CssRule[];
  faces: FontFace[];
  fontDir: string;
}
let katexCss: KatexCss | undefined;
const fontData = new Map<string, string>();

function loadKatexCss(): KatexCss {
  if (katexCss) return katexCss;
  const require = createRequire(import.meta.url);
  const cssPath = require.resolve('katex/dist/katex.min.css');
  const css = readFileSync(cssPath, 'utf8');
  const faces: FontFace[] = [];
  const parsed: CssRule[] = [];
  let rules = '';
  for (const m of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selector = m[1]!.trim();
    const body = m[2]!;
    const family = /font-family:\s*"?(KaTeX_[A-Za-z0-9]+)/.exec(body)?.[1] ?? /(?:^|;)font:[^;]*?(KaTeX_[A-Za-z0-9]+)/.exec(body)?.[1];
    const bold = /font-weight:\s*(?:700|bold)/.test(body);
    const italic = /font-style:\s*italic/.test(body);
    if (selector === '@font-face') {
      const file = /url\(([^)]+\.woff2)\)/.exec(body)?.[1];
      if (family && file) faces.push({ family, bold, italic, file: file.replace(/^["']|["']$/g, '') });
      continue;
    }
    rules += `${selector}{${body}}`;
    if (family || bold || italic) {
      const selectors = selector.split(',').map((s) => [...s.matchAll(/\.([A-Za-z0-9_-]+)/g)].map((c) => c[1]!));
      parsed.push({ selectors, family, bold, italic });
    }
  }
  katexCss = { rules, parsed, faces, fontDir: dirname(cssPath) };
  return katexCss;
}

/**
 * KaTeX's stylesheet with the font faces that math using `classes` needs, inlined as `data:`
 * URLs (woff2). A face no class asks for is left out; the browser then synthesises it.
 * @example katexStyles(typesetter.usedClasses()).length // ~24 kB of CSS + the fonts used
 */
export function katexStyles(classes: ReadonlySet<string>): string {
  const css = loadKatexCss();
  const wanted = new Set<string>(['KaTeX_Main/0/0']);
  let mainBold = false;
  let mainItalic = false;
  for (const rule of css.parsed) {
    if (!rule.selectors.some((sel) => sel.length > 0 && sel.every((c) => classes.has(c)))) continue;
    const family = rule.family ?? 'KaTeX_Main';
    wanted.add(`${family}/${rule.bold ? 1 : 0}/${rule.italic ? 1 : 0}`);
    if (family === 'KaTeX_Main') {
      mainBold ||= rule.bold;
      mainItalic ||= rule.italic;
    }
  }
  if (mainBold && mainItalic) wanted.add('KaTeX_Main/1/1');
  const key = (f: { family: string; bold: boolean; italic: boolean }) => `${f.family}/${f.bold ? 1 : 0}/${f.italic ? 1 : 0}`;
  // A family asked for in a face it lacks (Size1 bold…) gets its regular face.
  for (const w of [...wanted]) {
    const family = w.slice(0, w.indexOf('/'));
    if (!css.faces.some((f) => key(f) === w)) wanted.add(`${family}/0/0`);
  }
  let faces = '';
  for (const face of css.faces) {
    if (!wanted.has(key(face))) continue;
    let data = fontData.get(face.file);
    if (data === undefined) {
      data = readFileSync(join(css.fontDir, face.file)).toString('base64');
      fontData.set(face.file, data);
    }
    faces +=
      `@font-face{font-display:block;font-family:${face.family};font-style:${face.italic ? 'italic' : 'normal'};` +
      `font-weight:${face.bold ? 700 : 400};src:url(data:font/woff2;base64,${data}) format("woff2")}`;
  }
  return faces + css.rules;
}
