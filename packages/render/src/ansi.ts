/**
 * Terminal text as HTML: what a terminal would show for a stream or a traceback. `\r` returns
 * to the start of the line and later characters overwrite earlier ones, `\b` moves back one
 * character, SGR escapes (colours 16/256/24-bit, bold, italic, underline, inverse, strike)
 * become spans, erase-in-line and cursor-column escapes are applied, anything else is dropped.
 *
 * Written here rather than taken from an ANSI-to-HTML library: overwriting needs a styled cell
 * per character of the current line, which none of them model (they only colour the text).
 */
import { escapeHtml } from './text.js';

/** Cursor moves go no further right than this: `\x1b[999999999G` must not pad a line with a billion spaces. */
const MAX_COLUMN = 10_000;

const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

interface Style {
  fg?: number | string;
  bg?: number | string;
  bold?: boolean;
  faint?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

/** Control sequences and characters the terminal acts on; the text between them is printed. */
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?|[\r\n\b]|[\x00-\x07\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;

/**
 * Renders terminal output (ANSI escapes, `\r`, `\b`) as escaped HTML for a `<pre>`.
 * @example ansiToHtml('\x1b[31mred\x1b[0m 10%\r100%') // '<span class="ansi-red-fg">red</span> 100%'
 */
export function ansiToHtml(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x08\x0b-\x1f\x7f]/.test(text)) return escapeHtml(text);
  const term = new Terminal();
  term.write(text);
  return term.finish();
}

/**
 * Terminal text without its escapes, `\r` and `\b` applied: what a reader sees, as plain text.
 * @example ansiToText('10%\r100%\n') // '100%\n'
 */
export function ansiToText(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x08\x0b-\x1f\x7f]/.test(text)) return text;
  const term = new Terminal(false);
  term.write(text);
  return term.finish();
}

class Terminal {
  private readonly out: string[] = [];
  /** The current line: one character (code point) and one style id per column. */
  private chars: string[] = [];
  private styles: number[] = [];
  private cursor = 0;
  private style: Style = {};
  private styleId = 0;
  private readonly styleIds = new Map<string, number>([['{}', 0]]);
  private readonly styleAttrs: string[] = [''];

  constructor(private readonly html = true) {}

  write(text: string): void {
    CONTROL.lastIndex = 0;
    let at = 0;
    for (let m = CONTROL.exec(text); m; m = CONTROL.exec(text)) {
      if (m.index > at) this.print(text.slice(at, m.index));
      at = CONTROL.lastIndex;
      const seq = m[0];
      if (seq === '\n') this.newline();
      else if (seq === '\r') this.cursor = 0;
      else if (seq === '\b') this.cursor = Math.max(0, this.cursor - 1);
      else if (m[2] !== undefined) this.csi(m[1] ?? '', m[2]);
      // other escapes (OSC titles and links, charset switches) and control characters: dropped
    }
    if (at < text.length) this.print(text.slice(at));
  }

  finish(): string {
    this.out.push(this.renderLine());
    return this.out.join('\n');
  }

  private print(run: string): void {
    const chars = this.chars;
    const styles = this.styles;
    const id = this.styleId;
    if (this.cursor === chars.length) {
      // Appending at the end of the line, the common case.
      for (const ch of run) {
        chars.push(ch);
        styles.push(id);
      }
      this.cursor = chars.length;
      return;
    }
    this.pad();
    for (const ch of run) {
      chars[this.cursor] = ch;
      styles[this.cursor] = id;
      this.cursor++;
    }
  }

  /** Spaces up to the cursor, when it was moved past the end of the line. */
  private pad(): void {
    while (this.chars.length < this.cursor) {
      this.chars.push(' ');
      this.styles.push(0);
    }
  }

  private newline(): void {
    this.out.push(this.renderLine());
    this.chars = [];
    this.styles = [];
    this.cursor = 0;
  }

  private csi(params: string, final: string): void {
    const n = Number.parseInt(params, 10);
    switch (final) {
      case 'm':
        this.sgr(params);
        return;
      case 'K': // erase in line: 0 to the end, 1 to the start, 2 all
        if (!n) {
          this.chars.length = Math.min(this.chars.length, this.cursor);
          this.styles.length = this.chars.length;
        } else {
          const end = n === 1 ? Math.min(this.cursor + 1, this.chars.length) : this.chars.length;
          for (let i = 0; i < end; i++) {
            this.chars[i] = ' ';
            this.styles[i] = 0;
          }
          if (n === 2) {
            this.chars.length = Math.min(this.chars.length, this.cursor);
            this.styles.length = this.chars.length;
          }
        }
        return;
      case 'G': // cursor to column n (1-based)
        this.cursor = Math.min(MAX_COLUMN, Math.max(0, (Number.isFinite(n) ? n : 1) - 1));
        return;
      case 'C': // cursor forward
        this.cursor = Math.min(Math.max(MAX_COLUMN, this.chars.length), this.cursor + (Number.isFinite(n) && n > 0 ? n : 1));
        return;
      case 'D': // cursor back
        this.cursor = Math.max(0, this.cursor - (Number.isFinite(n) && n > 0 ? n : 1));
        return;
      default:
      // cursor up/down, scrolling, modes: a page has no screen to move on
    }
  }

  private sgr(params: string): void {
    const list = params === '' ? ['0'] : params.split(';');
    const s: Style = { ...this.style };
    for (let i = 0; i < list.length; i++) {
      const sub = list[i]!.split(':');
      const code = Number(sub[0] || 0);
      if (code === 38 || code === 48) {
        let color: number | string | undefined;
        if (sub.length > 1) {
          // colon form: 38:5:n or 38:2:[colorspace]:r:g:b
          if (sub[1] === '5') color = paletteIndex(sub[2]);
          else if (sub[1] === '2') color = rgb(sub.slice(-3));
        } else if (list[i + 1] === '5') {
          color = paletteIndex(list[i + 2]);
          i += 2;
        } else if (list[i + 1] === '2') {
          color = rgb(list.slice(i + 2, i + 5));
          i += 4;
        }
        if (color !== undefined) s[code === 38 ? 'fg' : 'bg'] = color;
        continue;
      }
      if (code === 0) {
        for (const k of Object.keys(s) as (keyof Style)[]) delete s[k];
      } else if (code === 1) s.bold = true;
      else if (code === 2) s.faint = true;
      else if (code === 3) s.italic = true;
      else if (code === 4) s.underline = true;
      else if (code === 7) s.inverse = true;
      else if (code === 9) s.strike = true;
      else if (code === 21 || code === 22) {
        delete s.bold;
        delete s.faint;
      } else if (code === 23) delete s.italic;
      else if (code === 24) delete s.underline;
      else if (code === 27) delete s.inverse;
      else if (code === 29) delete s.strike;
      else if (code >= 30 && code <= 37) s.fg = code - 30;
      else if (code === 39) delete s.fg;
      else if (code >= 40 && code <= 47) s.bg = code - 40;
      else if (code === 49) delete s.bg;
      else if (code >= 90 && code <= 97) s.fg = code - 90 + 8;
      else if (code >= 100 && code <= 107) s.bg = code - 100 + 8;
    }
    this.style = s;
    const key = JSON.stringify(s, Object.keys(s).sort());
    let id = this.styleIds.get(key);
    if (id === undefined) {
      id = this.styleAttrs.length;
      this.styleIds.set(key, id);
      this.styleAttrs.push(spanAttributes(s));
    }
    this.styleId = id;
  }

  private renderLine(): string {
    const { chars, styles } = this;
    if (!this.html) return chars.join('');
    let html = '';
    let start = 0;
    for (let i = 1; i <= chars.length; i++) {
      if (i < chars.length && styles[i] === styles[start]) continue;
      const text = escapeHtml(chars.slice(start, i).join(''));
      const attrs = this.styleAttrs[styles[start]!]!;
      html += attrs ? `<span${attrs}>${text}</span>` : text;
      start = i;
    }
    return html;
  }
}

function paletteIndex(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined;
}

function rgb(parts: (string | undefined)[]): string | undefined {
  const [r, g, b] = parts.map((p) => Number(p));
  if ([r, g, b].some((v) => v === undefined || !Number.isInteger(v) || v < 0 || v > 255)) return undefined;
  return `rgb(${r},${g},${b})`;
}

/** The 256-colour palette beyond the 16 named colours: a 6×6×6 cube, then 24 greys. */
function palette256(n: number): string {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const levels = [0, 95, 135, 175, 215, 255];
  const i = n - 16;
  return `rgb(${levels[Math.floor(i / 36)]},${levels[Math.floor(i / 6) % 6]},${levels[i % 6]})`;
}

/** `class` and `style` attributes of a span in this style ('' for the default style). */
function spanAttributes(s: Style): string {
  let fg = s.fg;
  let bg = s.bg;
  // Bold makes the eight basic colours bright, as terminals (and Jupyter) show them.
  if (s.bold && typeof fg === 'number' && fg < 8) fg += 8;
  const classes: string[] = [];
  const styles: string[] = [];
  if (s.inverse) {
    [fg, bg] = [bg, fg];
    if (fg === undefined) classes.push('ansi-default-inverse-fg');
    if (bg === undefined) classes.push('ansi-default-inverse-bg');
  }
  for (const [color, layer] of [
    [fg, 'fg'],
    [bg, 'bg'],
  ] as const) {
    if (color === undefined) continue;
    if (typeof color === 'number' && color < 16) classes.push(`ansi-${NAMES[color % 8]}${color >= 8 ? '-intense' : ''}-${layer}`);
    else styles.push(`${layer === 'fg' ? 'color' : 'background-color'}:${typeof color === 'number' ? palette256(color) : color}`);
  }
  if (s.bold) classes.push('ansi-bold');
  if (s.faint) classes.push('ansi-faint');
  if (s.italic) classes.push('ansi-italic');
  if (s.underline) classes.push('ansi-underline');
  if (s.strike) classes.push('ansi-strike');
  return (classes.length ? ` class="${classes.join(' ')}"` : '') + (styles.length ? ` style="${styles.join(';')}"` : '');
}
