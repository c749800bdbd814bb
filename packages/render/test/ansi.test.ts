/** Terminal text as a terminal shows it: overwrites, backspaces, colours, escapes dropped. */
import { describe, expect, it } from 'vitest';
import { ansiToHtml, ansiToText } from '../src/ansi.js';

describe('ansiToText: \\r and \\b as a terminal applies them', () => {
  it.each([
    ['plain text', 'a\nb\n', 'a\nb\n'],
    ['\\r returns to the line start; later characters overwrite', 'progress  10%\rprogress 100%\n', 'progress 100%\n'],
    ['a shorter overwrite keeps the rest of the line', 'hello world\rHELLO\n', 'HELLO world\n'],
    ['\\r\\n keeps the line', 'line\r\nnext', 'line\nnext'],
    ['\\b moves back one character', 'ab\bc\n', 'ac\n'],
    ['several \\b', 'backspace: 12\b\b34\n', 'backspace: 34\n'],
    ['\\b at the line start stays there', '\b\bx', 'x'],
    ['tqdm-like bars', '  0%|          |\r 50%|#####     |\r100%|##########|\n', '100%|##########|\n'],
    ['erase to the end of the line (CSI K)', 'abcdef\r\x1b[Kxy\n', 'xy\n'],
    ['erase the whole line (CSI 2K)', 'abcdef\r\x1b[2Kxy', 'xy'],
    ['cursor to a column (CSI G) pads with spaces', 'ab\x1b[5Gz', 'ab  z'],
    ['unknown escapes and OSC titles are dropped', '\x1b]0;title\x07a\x1b[?25lb\x1b(Bc', 'abc'],
    ['control characters are dropped, tabs kept', 'a\x07\x00b\tc', 'ab\tc'],
    ['astral characters count as one column', '😀😀\b!', '😀!'],
  ])('%s', (_, input, expected) => {
    expect(ansiToText(input)).toBe(expected);
  });
});

describe('ansiToHtml: SGR colours and styles as spans', () => {
  it.each([
    ['text is escaped', 'a <b> & "c"', 'a &lt;b&gt; &amp; &quot;c&quot;'],
    ['a basic colour', '\x1b[31mred\x1b[0m plain', '<span class="ansi-red-fg">red</span> plain'],
    ['bold makes the 8 basic colours bright', '\x1b[1;32mOK\x1b[0m', '<span class="ansi-green-intense-fg ansi-bold">OK</span>'],
    ['bright colours (90–97) and backgrounds', '\x1b[94;43mx', '<span class="ansi-blue-intense-fg ansi-yellow-bg">x</span>'],
    ['256 colours from the cube', '\x1b[38;5;208mo', '<span style="color:rgb(255,135,0)">o</span>'],
    ['256 colours, grey ramp, background', '\x1b[48;5;240mg', '<span style="background-color:rgb(88,88,88)">g</span>'],
    ['24-bit colour', '\x1b[38;2;10;20;30mt', '<span style="color:rgb(10,20,30)">t</span>'],
    ['24-bit colour, colon form', '\x1b[38:2::10:20:30mt', '<span style="color:rgb(10,20,30)">t</span>'],
    ['default colour resets only the colour', '\x1b[1;31ma\x1b[39mb', '<span class="ansi-red-intense-fg ansi-bold">a</span><span class="ansi-bold">b</span>'],
    ['underline, italic, strike, faint', '\x1b[4;3;9;2mx', '<span class="ansi-faint ansi-italic ansi-underline ansi-strike">x</span>'],
    ['inverse without colours', '\x1b[7mi', '<span class="ansi-default-inverse-fg ansi-default-inverse-bg">i</span>'],
    ['styles survive an overwrite per character', '\x1b[31mabc\x1b[0m\rX', 'X<span class="ansi-red-fg">bc</span>'],
    ['style carries over newlines', '\x1b[32ma\nb\x1b[0m', '<span class="ansi-green-fg">a</span>\n<span class="ansi-green-fg">b</span>'],
    ['out-of-range colours are ignored', '\x1b[38;5;999mx', 'x'],
  ])('%s', (_, input, expected) => {
    expect(ansiToHtml(input)).toBe(expected);
  });

  it('renders an IPython traceback line with its colours', () => {
    const line = '\x1b[0;31mZeroDivisionError\x1b[0m: division by zero';
    expect(ansiToHtml(line)).toBe('<span class="ansi-red-fg">ZeroDivisionError</span>: division by zero');
  });

  it('moves the cursor no further than 10,000 columns (a hostile escape pads no billion spaces)', () => {
    expect(ansiToText('a\x1b[999999999Gb') === `a${' '.repeat(9_999)}b`).toBe(true);
    expect(ansiToText('a\x1b[999999999Cb') === `a${' '.repeat(9_999)}b`).toBe(true);
  });

  it('keeps 300,000 plain lines fast and exact (no per-character work without escapes)', () => {
    const text = 'line\n'.repeat(300_000);
    expect(ansiToHtml(text)).toBe(text);
  });
});
