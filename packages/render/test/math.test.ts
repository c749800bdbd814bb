/** Math found as Jupyter finds it, typeset by KaTeX, with only the fonts it uses inlined. */
import { describe, expect, it } from 'vitest';
import { createMathTypesetter, extractMath, katexStyles, typesetLatexText } from '../src/math.js';

const sources = (text: string) => extractMath(text).math.map((m) => m.source);

describe('extractMath: Jupyter\'s delimiters', () => {
  it.each([
    ['inline dollars', 'a $x^2$ b', ['$x^2$'], 'a @@0@@ b'],
    ['display dollars over lines', 'a\n$$\nx = 1\n$$\nb', ['$$\nx = 1\n$$'], 'a\n@@0@@\nb'],
    ['markdown-escaped brackets', 'a \\\\(x\\\\) and \\\\[y\\\\]', ['\\\\(x\\\\)', '\\\\[y\\\\]'], 'a @@0@@ and @@1@@'],
    ['environments', '\\begin{align}a &= b\\end{align}', ['\\begin{align}a &= b\\end{align}'], '@@0@@'],
    ['starred environments', '\\begin{equation*}x\\end{equation*}', ['\\begin{equation*}x\\end{equation*}'], '@@0@@'],
    ['braces hide a closing dollar', '$\\text{a $b$ c}$ d', ['$\\text{a $b$ c}$'], '@@0@@ d'],
    ['escaped dollars are text', 'costs \\$5 and \\$6', [], 'costs \\$5 and \\$6'],
    ['not across a blank line', '$a\n\nb$', [], '$a\n\nb$'],
    ['dollars in code spans are not math', 'run `echo $HOME` then $x$', ['$x$'], 'run `echo $HOME` then @@0@@'],
    ['dollars in fences are not math', '```bash\necho $A $B\n```\n$y$', ['$y$'], '```bash\necho $A $B\n```\n@@0@@'],
    ['tildes survive', 'a ~ b $c$', ['$c$'], 'a ~ b @@0@@'],
    ['placeholders in the text are kept as literals', 'see @@3@@', ['@@3@@'], 'see @@0@@'],
    ['\\r\\n line ends', '$a$\r\nb', ['$a$'], '@@0@@\nb'],
  ])('%s', (_, input, math, text) => {
    const result = extractMath(input);
    expect(result.math.map((m) => m.source)).toEqual(math);
    expect(result.text).toBe(text);
  });

  it('marks literal placeholders so they are never typeset', () => {
    expect(extractMath('x @@1@@').math[0]).toEqual({ source: '@@1@@', literal: true });
  });

  it('LaTeX outputs take \\( and \\[ with one backslash', () => {
    expect(extractMath('\\(a\\) and \\[b\\]', { latex: true }).math.map((m) => m.source)).toEqual(['\\(a\\)', '\\[b\\]']);
    expect(sources('\\(a\\)')).toEqual([]);
  });
});

describe('MathTypesetter', () => {
  it('typesets inline and display math with KaTeX', async () => {
    const tex = await createMathTypesetter();
    // The source is the formula's accessible name; KaTeX hides its glyphs from screen readers.
    expect(tex.typeset('$x^2$')).toMatch(/^<span class="katex" role="math" aria-label="x\^2"><span class="katex-html" aria-hidden="true">/);
    expect(tex.typeset('$$x^2$$')).toMatch(/^<span class="katex-display">/);
    expect(tex.typeset('\\\\[x\\\\]')).toMatch(/katex-display/);
    expect(tex.typeset('\\\\(x\\\\)')).not.toMatch(/katex-display/);
    expect(tex.typeset('\\begin{align}a &= b \\\\ c &= d\\end{align}')).toMatch(/katex-display/);
  });

  it('shows an error in place, with the source, instead of failing', async () => {
    const tex = await createMathTypesetter();
    const html = tex.typeset('$\\frac{1}{$');
    expect(html).toMatch(/katex-error/);
    expect(html).toContain('\\frac{1}{');
  });

  it('keeps \\newcommand for the rest of the notebook, as MathJax does in Jupyter', async () => {
    const tex = await createMathTypesetter();
    tex.typeset('$\\newcommand{\\RR}{\\mathbb{R}}$');
    // KaTeX shows an undefined command in red.
    expect(tex.typeset('$x \\in \\RR$')).not.toMatch(/#cc0000/);
    const other = await createMathTypesetter();
    expect(other.typeset('$x \\in \\RR$')).toMatch(/#cc0000/);
  });

  it('makes no links, classes or ids from TeX (trust is off)', async () => {
    const tex = await createMathTypesetter();
    const html = tex.typeset('$\\href{javascript:alert(1)}{x} \\htmlId{evil}{y} \\url{http://x.test}$');
    expect(html).not.toMatch(/<a |href=|id="evil"/);
  });

  it('typesets the math of a LaTeX output and escapes the rest', async () => {
    const tex = await createMathTypesetter();
    const html = typesetLatexText(tex, 'Area <b> is $\\pi r^2$');
    expect(html).toMatch(/^Area &lt;b&gt; is <span class="katex" role="math" aria-label="\\pi r\^2">/);
  });
});

describe('katexStyles: the stylesheet with only the fonts used', () => {
  it('inlines the faces the typeset math needs and no url() to a file', async () => {
    const tex = await createMathTypesetter();
    tex.typeset('$x + 1$');
    const css = katexStyles(tex.usedClasses());
    const faces = [...css.matchAll(/@font-face\{[^}]*font-family:(KaTeX_\w+);font-style:(\w+);font-weight:(\d+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(faces).toContain('KaTeX_Main normal 400');
    expect(faces).toContain('KaTeX_Math italic 400');
    expect(faces).not.toContain('KaTeX_Fraktur normal 400');
    expect(css).not.toMatch(/url\((?!data:font\/woff2;base64,)/);
    expect(css).toContain('.katex{');
  });

  it('adds the faces of bigger operators and other alphabets when they are used', async () => {
    const tex = await createMathTypesetter();
    tex.typeset('$$\\sum_{i=1}^n \\mathfrak{g} \\left( \\frac{a}{b} \\right)$$');
    const css = katexStyles(tex.usedClasses());
    expect(css).toMatch(/font-family:KaTeX_Fraktur/);
    expect(css).toMatch(/font-family:KaTeX_Size\d;/);
  });

  it('is small for everyday math: under 120 kB with fonts', async () => {
    const tex = await createMathTypesetter();
    tex.typeset('$\\bar{x} = \\frac{1}{n}\\sum_{i=1}^{n} x_i$');
    tex.typeset('$$\\sigma^2 = \\frac{1}{n-1}\\sum_{i=1}^{n} (x_i - \\bar{x})^2$$');
    expect(katexStyles(tex.usedClasses()).length).toBeLessThan(120_000);
  });
});
