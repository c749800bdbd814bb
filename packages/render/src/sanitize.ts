/**
 * Untrusted HTML (outputs, markdown with HTML in it) made safe: parsed as a browser parses it
 * (parse5, turned into a hast tree by hast-util-from-parse5), cleaned against an allow-list schema
 * (hast-util-sanitize), checked for the CSS and raw-text tricks a schema cannot see, and
 * serialized again (hast-util-to-html), so every fragment comes out well-formed.
 *
 * Nothing able to run code, navigate by itself, submit or fetch outside `data:` survives:
 * no `<script>`, event handler, `javascript:` URL, `<iframe>`/`srcdoc`, `<object>`, `<embed>`,
 * `<base>`, `<meta>`, `<link>`, form, SVG `<script>`/`<foreignObject>`/animation, CSS
 * `expression()`/`url()`/`@import`. (DOMPurify on jsdom does the same job several times slower:
 * one DataFrame took ~10 ms there, ~1 ms here, and the render must stay well under nbconvert.)
 *
 * The parts are loaded on first use: a notebook without HTML never pays for them.
 */
import type { Element, ElementContent, Properties, Root, RootContent } from 'hast';
import type { Schema } from 'hast-util-sanitize';
import { safeDecode } from './text.js';

/** What a fragment may refer to: its cell's attachments, its math placeholders. */
export interface SanitizeContext {
  /** The `data:` URL of a cell attachment (`attachment:NAME`), if the cell has it. */
  attachment?(name: string): string | undefined;
  /**
   * Rewrites text outside the ordinary text of elements: attribute values and `<style>`
   * (math placeholders back to their source, so only text positions hold typeset math).
   */
  attributeText?(value: string): string;
}

/** Sanitizes HTML fragments; one instance serves a whole render. */
export interface HtmlSanitizer {
  /**
   * The fragment with everything able to run code, navigate or submit removed; always
   * well-formed (every element closed), so a fragment cannot spill into the page.
   */
  sanitize(html: string, context?: SanitizeContext): string;
}

const HTML_TAGS = [
  'a', 'abbr', 'address', 'article', 'aside', 'audio', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'button', 'caption',
  'center', 'cite', 'code', 'col', 'colgroup', 'data', 'dd', 'del', 'details', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption',
  'figure', 'font', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'i', 'img', 'input', 'ins', 'kbd',
  'label', 'li', 'main', 'mark', 'meter', 'nav', 'ol', 'output', 'p', 'picture', 'pre', 'progress', 'q', 'rp', 'rt', 'ruby',
  's', 'samp', 'section', 'small', 'source', 'span', 'strike', 'strong', 'style', 'sub', 'summary', 'sup', 'table', 'tbody',
  'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'track', 'tt', 'u', 'ul', 'var', 'video', 'wbr',
];

/** Static SVG: shapes, text, gradients, markers; no script, foreignObject, animation or filters. */
const SVG_TAGS = [
  'svg', 'g', 'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'text', 'tspan', 'textPath', 'defs',
  'linearGradient', 'radialGradient', 'stop', 'clipPath', 'mask', 'pattern', 'marker', 'symbol', 'use', 'desc', 'image',
];

const SVG_ATTRIBUTES = [
  'viewBox', 'preserveAspectRatio', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'fx', 'fy', 'd', 'points',
  'pathLength', 'fill', 'fillOpacity', 'fillRule', 'stroke', 'strokeWidth', 'strokeOpacity', 'strokeDasharray',
  'strokeDashoffset', 'strokeLinecap', 'strokeLinejoin', 'strokeMiterlimit', 'opacity', 'transform', 'fontFamily', 'fontSize',
  'fontWeight', 'fontStyle', 'textAnchor', 'dominantBaseline', 'alignmentBaseline', 'baselineShift', 'letterSpacing',
  'wordSpacing', 'textDecoration', 'textLength', 'lengthAdjust', 'dx', 'dy', 'rotate', 'offset', 'stopColor', 'stopOpacity',
  'gradientUnits', 'gradientTransform', 'spreadMethod', 'patternUnits', 'patternContentUnits', 'patternTransform',
  'clipPath', 'clipPathUnits', 'clipRule', 'mask', 'maskUnits', 'maskContentUnits', 'markerStart', 'markerMid', 'markerEnd',
  'markerWidth', 'markerHeight', 'markerUnits', 'refX', 'refY', 'orient', 'visibility', 'display', 'vectorEffect',
  'shapeRendering', 'textRendering', 'href', 'xLinkHref', 'xmlns', 'xmlnsXLink', 'version', 'overflow', 'color',
];

/** Attributes allowed on every element (hast property names). Form and navigation ones are absent. */
const GLOBAL_ATTRIBUTES = [
  'abbr', 'align', 'alt', 'axis', 'border', 'cellPadding', 'cellSpacing', 'char', 'charOff', 'checked', 'className', 'clear',
  'color', 'colSpan', 'cols', 'compact', 'coords', 'dateTime', 'dir', 'disabled', 'face', 'headers', 'height', 'hidden',
  'hSpace', 'id', 'label', 'lang', 'max', 'min', 'low', 'high', 'optimum', 'name', 'noShade', 'noWrap', 'open', 'readOnly',
  'reversed', 'role', 'rowSpan', 'rows', 'rules', 'scope', 'size', 'span', 'start', 'style', 'summary', 'tabIndex', 'title',
  'translate', 'type', 'vAlign', 'value', 'vSpace', 'width', 'bgColor', 'ariaLabel', 'ariaHidden', 'ariaDescribedBy',
  'ariaLabelledBy', 'ariaDescription', 'data*',
];

function buildSchema(): Schema {
  return {
    tagNames: [...HTML_TAGS, ...SVG_TAGS],
    attributes: {
      '*': GLOBAL_ATTRIBUTES,
      a: ['href', 'hrefLang', 'rel'],
      img: ['src', 'longDesc', 'loading', 'decoding'],
      audio: ['src', 'controls', 'loop', 'muted'],
      video: ['src', 'controls', 'loop', 'muted', 'playsInline'],
      source: ['src', 'srcSet', 'sizes', 'media'],
      track: ['src', 'kind', 'srcLang', 'default'],
      blockquote: ['cite'],
      q: ['cite'],
      del: ['cite'],
      ins: ['cite'],
      input: [['type', 'checkbox', 'radio']],
      ...Object.fromEntries(SVG_TAGS.map((tag) => [tag, SVG_ATTRIBUTES])),
    },
    protocols: {
      href: ['http', 'https', 'mailto', 'tel', 'ftp'],
      xLinkHref: ['http', 'https'],
      src: ['http', 'https', 'data'],
      cite: ['http', 'https'],
      longDesc: ['http', 'https'],
    },
    required: { input: { disabled: true } },
    ancestors: { tbody: ['table'], td: ['table'], th: ['table'], thead: ['table'], tfoot: ['table'], tr: ['table'], caption: ['table'], col: ['table'], colgroup: ['table'] },
    // Ids stay as written: in-page links (`[see](#results)`) need them, and the page runs no script to clobber.
    clobber: [],
    clobberPrefix: '',
    strip: ['script', 'noscript', 'template', 'iframe', 'object', 'embed', 'applet', 'frameset', 'frame', 'textarea', 'select', 'option', 'title', 'xmp', 'noembed', 'noframes', 'plaintext', 'math'],
    allowComments: false,
    allowDoctypes: false,
  };
}

/**
 * CSS that can run code in old engines or fetch something: `expression()`, `javascript:`,
 * bindings, `@import`, and `url()` other than `data:` or a same-document `#id`. Checked after
 * undoing CSS escapes and comments, which could otherwise hide them.
 * @example isUnsafeCss('background: url(https://x/y.png)') // true
 */
export function isUnsafeCss(css: string): boolean {
  // Everything below needs a '(', an escape, an at-rule or one of two property names.
  if (!/[\\(@]|behavio|binding/i.test(css)) return false;
  const plain = css
    .replace(/\/\*[\s\S]*?(?:\*\/|$)/g, '')
    .replace(/\\([0-9a-fA-F]{1,6})\s?/g, (_, hex: string) => {
      const code = Number.parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    })
    .replace(/\\([^\n])/g, '$1')
    .toLowerCase();
  return /expression\s*\(|javascript\s*:|vbscript\s*:|-moz-binding|behaviou?r\s*:|@import|(?:url|image-set|image|cross-fade|element)\s*\(\s*(?!["']?\s*(?:data:|#))/.test(plain);
}

interface Hast {
  fromHtml(html: string): Root;
  sanitize(tree: Root, schema: Schema): Root;
  toHtml(tree: Root): string;
  schema: Schema;
}
let hast: Promise<Hast> | undefined;

async function loadHast(): Promise<Hast> {
  const [parse5, from, clean, to] = await Promise.all([
    import('parse5'),
    import('hast-util-from-parse5'),
    import('hast-util-sanitize'),
    import('hast-util-to-html'),
  ]);
  return {
    // No source positions: they cost twice the parse and nothing here reads them.
    fromHtml: (html) => from.fromParse5(parse5.parseFragment(html)) as Root,
    sanitize: (tree, schema) => clean.sanitize(tree, schema) as Root,
    toHtml: (tree) => to.toHtml(tree),
    schema: buildSchema(),
  };
}

/**
 * Loads the parser, sanitizer and serializer (once per process) and returns a sanitizer.
 * @example const s = await createSanitizer(); s.sanitize('<img src=x onerror=alert(1)>') // '<img src="x">'
 */
export async function createSanitizer(): Promise<HtmlSanitizer> {
  hast ??= loadHast();
  const h = await hast;
  return {
    sanitize(html, context) {
      try {
        const tree = h.fromHtml(html);
        if (context?.attachment) resolveAttachments(tree, context.attachment);
        const clean = h.sanitize(tree, h.schema);
        clean.children = checkChildren(clean.children, false, context) as RootContent[];
        return h.toHtml(clean);
      } catch (err) {
        // Thousands of nested elements exhaust the stack of the tree walks: no real output
        // nests that deep, so a hostile one is shown as a note rather than failing the page.
        if (err instanceof RangeError) return TOO_DEEP;
        throw err;
      }
    },
  };
}

/** What a fragment too deeply nested to walk becomes. */
export const TOO_DEEP = '<p class="nb-note">[HTML nested too deeply to be shown safely]</p>';

/** `attachment:NAME` image sources → the attachment's `data:` URL (before the protocol check). */
function resolveAttachments(node: Root | Element, attachment: (name: string) => string | undefined): void {
  for (const child of node.children) {
    if (child.type !== 'element') continue;
    const src = child.properties.src;
    if (typeof src === 'string' && /^attachment:/i.test(src)) {
      const url = attachment(safeDecode(src.slice('attachment:'.length)));
      if (url) child.properties.src = url;
    }
    resolveAttachments(child, attachment);
  }
}

/**
 * What the schema cannot see: CSS that runs or fetches, `url()` references in SVG
 * presentation attributes, and raw text that would end its element early once serialized
 * (a `<style>` whose text holds `</style>` — possible when a MathML or SVG parent was
 * removed around it). Also puts math placeholders back in attributes and styles.
 */
function checkChildren(children: (RootContent | ElementContent)[], inSvg: boolean, context: SanitizeContext | undefined): (RootContent | ElementContent)[] {
  const kept: (RootContent | ElementContent)[] = [];
  for (const child of children) {
    if (child.type !== 'element') {
      kept.push(child);
      continue;
    }
    const svg = inSvg || child.tagName === 'svg';
    if (child.tagName === 'style') {
      const text = child.children.map((c) => (c.type === 'text' ? c.value : '')).join('');
      // Raw text: serialized as is in HTML, so it must not be able to close its element.
      if ((!svg && text.includes('<')) || isUnsafeCss(text)) continue;
      if (context?.attributeText && text.includes('@@')) child.children = [{ type: 'text', value: context.attributeText(text) }];
    }
    checkProperties(child.properties, context);
    child.children = checkChildren(child.children, svg, context) as ElementContent[];
    kept.push(child);
  }
  return kept;
}

/** Attributes whose value is CSS, or may hold a CSS `url()`. */
const CSS_VALUED = new Set(['style', 'fill', 'stroke', 'clipPath', 'mask', 'markerStart', 'markerMid', 'markerEnd', 'filter', 'cursor']);

function checkProperties(properties: Properties, context: SanitizeContext | undefined): void {
  for (const [name, value] of Object.entries(properties)) {
    if (typeof value === 'string') {
      const text = context?.attributeText && value.includes('@@') ? context.attributeText(value) : value;
      // `style` and presentation attributes (`fill="url(…)"`) must not fetch or run anything.
      if (CSS_VALUED.has(name) && isUnsafeCss(text)) delete properties[name];
      else properties[name] = text;
    } else if (Array.isArray(value) && context?.attributeText) {
      properties[name] = value.map((v) => (typeof v === 'string' && v.includes('@@') ? context.attributeText!(v) : v));
    }
  }
}
