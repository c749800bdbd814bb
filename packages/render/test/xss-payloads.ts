/**
 * A corpus of XSS payloads in the places a notebook can carry them. Each payload, if it ever
 * ran, sets `window.__xss_N = 1` or requests `http://xss.test/N…`; the tests check that none
 * does (and that the same notebook rendered as trusted does run them: the corpus is live).
 *
 * Sources: OWASP's XSS filter evasion cheat sheet, published DOMPurify/sanitize-html bypasses
 * (mXSS through MathML/SVG namespace confusion), SVG and markdown link tricks, data: URLs.
 */
import type { Notebook } from '@nbrun/core';

export interface Payload {
  id: number;
  /** Where it goes: an HTML output, a markdown cell, an SVG image output, a JavaScript or LaTeX output, a markdown output. */
  kind: 'html' | 'markdown' | 'svg' | 'javascript' | 'latex' | 'markdown-output';
  payload: string;
}

const flag = (n: number) => `window.__xss_${n}=1`;

export const PAYLOADS: Payload[] = [
  // scripts and event handlers
  { id: 1, kind: 'html', payload: `<script>${flag(1)}</script>` },
  { id: 2, kind: 'html', payload: `<img src=x onerror="${flag(2)}">` },
  { id: 3, kind: 'html', payload: `<svg onload="${flag(3)}"></svg>` },
  { id: 4, kind: 'html', payload: `<svg><script>${flag(4)}</script></svg>` },
  { id: 5, kind: 'html', payload: `<body onload="${flag(5)}">` },
  { id: 6, kind: 'html', payload: `<iframe srcdoc="<script>parent.__xss_6=1</script>"></iframe>` },
  { id: 7, kind: 'html', payload: `<iframe src="javascript:parent.__xss_7=1"></iframe>` },
  { id: 8, kind: 'html', payload: `<object data="data:text/html,<script>parent.__xss_8=1</script>"></object>` },
  { id: 9, kind: 'html', payload: `<embed src="data:text/html,<script>parent.__xss_9=1</script>">` },
  { id: 10, kind: 'html', payload: `<a href="javascript:${flag(10)}">click 10</a>` },
  { id: 11, kind: 'html', payload: `<a href="JaVaScRiPt:${flag(11)}">click 11</a>` },
  { id: 12, kind: 'html', payload: `<a href="&#106;avascript:${flag(12)}">click 12</a>` },
  { id: 13, kind: 'html', payload: `<a href="java&#x09;script:${flag(13)}">click 13</a>` },
  { id: 14, kind: 'html', payload: `<a href=" &#14; javascript:${flag(14)}">click 14</a>` },
  { id: 15, kind: 'html', payload: `<details open ontoggle="${flag(15)}"><summary>x</summary></details>` },
  { id: 16, kind: 'html', payload: `<input autofocus onfocus="${flag(16)}">` },
  { id: 17, kind: 'html', payload: `<video><source onerror="${flag(17)}"></video>` },
  { id: 18, kind: 'html', payload: `<img src="x\`" onerror="${flag(18)}">` },
  { id: 19, kind: 'html', payload: `<img """><script>${flag(19)}</script>">` },
  { id: 20, kind: 'html', payload: `<scr<script>ipt>${flag(20)}</scr</script>ipt>` },
  { id: 21, kind: 'html', payload: `<div onmouseover="${flag(21)}" style="width:100%;height:40px">hover</div>` },
  { id: 22, kind: 'html', payload: `<xss id=x22 tabindex=1 onfocus="${flag(22)}"></xss>` },
  // forms, base, meta, links
  { id: 30, kind: 'html', payload: `<form action="javascript:${flag(30)}"><button id=b30>go 30</button></form>` },
  { id: 31, kind: 'html', payload: `<button formaction="javascript:${flag(31)}">go 31</button>` },
  { id: 32, kind: 'html', payload: `<base href="http://xss.test/32/"><img src="base32.png">` },
  { id: 33, kind: 'html', payload: `<meta http-equiv="refresh" content="0;url=javascript:${flag(33)}">` },
  { id: 34, kind: 'html', payload: `<link rel="stylesheet" href="http://xss.test/34.css">` },
  { id: 35, kind: 'html', payload: `<a href="data:text/html,<script>${flag(35)}</script>">click 35</a>` },
  { id: 36, kind: 'html', payload: `<iframe src="data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3NfMzY9MTwvc2NyaXB0Pg=="></iframe>` },
  { id: 37, kind: 'html', payload: `<object data="javascript:${flag(37)}"></object>` },
  { id: 38, kind: 'html', payload: `<a href="vbscript:msgbox(38)">click 38</a>` },
  // CSS
  { id: 40, kind: 'html', payload: `<style>@import url("http://xss.test/40.css");</style>` },
  { id: 41, kind: 'html', payload: `<div style="background:url(http://xss.test/41.png)">x</div>` },
  { id: 42, kind: 'html', payload: `<div style="background:u\\72l(http://xss.test/42.png)">x</div>` },
  { id: 43, kind: 'html', payload: `<style>div{background-image:url('http://xss.test/43.png')}</style><div>x</div>` },
  { id: 44, kind: 'html', payload: `<div style="width: expression(${flag(44)})">x</div>` },
  { id: 45, kind: 'html', payload: `<div style="background:url(javascript:${flag(45)})">x</div>` },
  { id: 46, kind: 'html', payload: `<img src="http://xss.test/46.png">` },
  { id: 47, kind: 'html', payload: `<img srcset="http://xss.test/47.png 1x">` },
  { id: 48, kind: 'html', payload: `<svg><rect width="10" height="10" fill="url(http://xss.test/48.svg#p)"/></svg>` },
  // SVG
  { id: 50, kind: 'html', payload: `<svg><a xlink:href="javascript:${flag(50)}"><text x="10" y="20">click 50</text></a></svg>` },
  { id: 51, kind: 'html', payload: `<svg><a><animate attributeName="href" values="javascript:${flag(51)}"/><text x="10" y="20">click 51</text></a></svg>` },
  { id: 52, kind: 'html', payload: `<svg><foreignObject><iframe srcdoc="<script>parent.__xss_52=1</script>"></iframe></foreignObject></svg>` },
  { id: 53, kind: 'html', payload: `<svg><set attributeName="onmouseover" to="${flag(53)}"/></svg>` },
  { id: 54, kind: 'html', payload: `<svg><use href="data:image/svg+xml;base64,PHN2ZyBpZD0neCcgeG1sbnM9J2h0dHA6Ly93d3cudzMub3JnLzIwMDAvc3ZnJz48aW1hZ2UgaHJlZj0neCcgb25lcnJvcj0nd2luZG93Ll9feHNzXzU0PTEnLz48L3N2Zz4=#x"/></svg>` },
  { id: 55, kind: 'html', payload: `<svg><image href="http://xss.test/55.png"/></svg>` },
  // mXSS: namespace confusion and raw-text elements that end early once serialized
  { id: 60, kind: 'html', payload: `<math><mtext><table><mglyph><style><img src=x onerror="${flag(60)}">` },
  { id: 61, kind: 'html', payload: `<svg><style><img src=x onerror="${flag(61)}"></style></svg>` },
  { id: 62, kind: 'html', payload: `<math><style>&lt;/style&gt;&lt;img src=x onerror=${flag(62)}&gt;</style></math>` },
  { id: 63, kind: 'html', payload: `<svg><style>&lt;/style&gt;&lt;img src=x onerror=${flag(63)}&gt;</style></svg>` },
  { id: 64, kind: 'html', payload: `<noscript><p title="</noscript><img src=x onerror=${flag(64)}>"></noscript>` },
  { id: 65, kind: 'html', payload: `<svg></p><style><a id="</style><img src=1 onerror=${flag(65)}>">` },
  { id: 66, kind: 'html', payload: `<form><math><mtext></form><form><mglyph><style></math><img src onerror=${flag(66)}>` },
  { id: 67, kind: 'html', payload: `<math><mi><table><mi><style><img src=x onerror=${flag(67)}>` },
  { id: 68, kind: 'html', payload: `<template><img src=x onerror=${flag(68)}></template>` },
  { id: 69, kind: 'html', payload: `<textarea></textarea><img src=x onerror=${flag(69)}></textarea>` },
  { id: 70, kind: 'html', payload: `<xmp><img src=x onerror=${flag(70)}></xmp>` },
  { id: 71, kind: 'html', payload: `<title><img src=x onerror=${flag(71)}></title>` },
  { id: 72, kind: 'html', payload: `<select><template><style><img src=x onerror=${flag(72)}></style></template></select>` },
  // markdown cells
  { id: 100, kind: 'markdown', payload: `[click 100](javascript:${flag(100)})` },
  { id: 101, kind: 'markdown', payload: `[click 101](JAVASCRIPT:${flag(101)})` },
  { id: 102, kind: 'markdown', payload: `![x](javascript:${flag(102)})` },
  { id: 103, kind: 'markdown', payload: `[click 103](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3NfMTAzPTE8L3NjcmlwdD4=)` },
  { id: 104, kind: 'markdown', payload: `<img src=x onerror="${flag(104)}">` },
  { id: 105, kind: 'markdown', payload: `<a href="javascript:${flag(105)}">click 105</a>` },
  { id: 106, kind: 'markdown', payload: `[click 106](<javascript:${flag(106)}>)` },
  { id: 107, kind: 'markdown', payload: `<javascript:${flag(107)}>` },
  { id: 108, kind: 'markdown', payload: `[click 108](&#106;avascript:${flag(108)})` },
  { id: 109, kind: 'markdown', payload: `$\\href{javascript:${flag(109)}}{click 109}$ and $\\url{javascript:${flag(109)}}$` },
  { id: 110, kind: 'markdown', payload: `<img alt="$\\text{&quot; onerror=&quot;${flag(110)}}$" src="x">` },
  { id: 111, kind: 'markdown', payload: `<a title="$x$" href="#">$y$</a><style>p{color:red}/* $z$ */</style>` },
  { id: 112, kind: 'markdown', payload: `[$x$](javascript:${flag(112)}) and ![$y$](x" onerror="${flag(112)})` },
  { id: 113, kind: 'markdown', payload: `<svg><style>&lt;/style&gt;&lt;img src=x onerror=${flag(113)}&gt;</style></svg>` },
  { id: 114, kind: 'markdown', payload: `![x](http://xss.test/114.png)` },
  { id: 115, kind: 'markdown', payload: `<details open ontoggle=${flag(115)}>` },
  // other output types
  { id: 200, kind: 'svg', payload: `<svg xmlns="http://www.w3.org/2000/svg" onload="${flag(200)}"><script>${flag(200)}</script><image href="http://xss.test/200.png" width="5" height="5"/><rect width="10" height="10"/></svg>` },
  { id: 201, kind: 'svg', payload: `<svg xmlns="http://www.w3.org/2000/svg"><foreignObject width="100" height="100"><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:parent.__xss_201=1"></iframe></foreignObject></svg>` },
  { id: 300, kind: 'javascript', payload: flag(300) },
  { id: 400, kind: 'latex', payload: `$\\href{javascript:${flag(400)}}{click 400}$` },
  { id: 500, kind: 'markdown-output', payload: `<img src=x onerror="${flag(500)}"> [click 500](javascript:${flag(500)})` },
];

/**
 * A notebook carrying every payload: markdown cells for markdown ones, a code cell with one
 * output each for the others (with a `text/plain` fallback, as kernels send).
 */
export function xssNotebook(payloads: Payload[] = PAYLOADS): Notebook {
  const cells = payloads.map((p, i) => {
    if (p.kind === 'markdown') return { cell_type: 'markdown' as const, id: `md-${p.id}`, metadata: {}, source: p.payload };
    const mime = { html: 'text/html', svg: 'image/svg+xml', javascript: 'application/javascript', latex: 'text/latex', 'markdown-output': 'text/markdown' }[p.kind];
    return {
      cell_type: 'code' as const,
      id: `out-${p.id}`,
      metadata: {},
      execution_count: i + 1,
      source: `display(payload_${p.id})`,
      outputs: [{ output_type: 'display_data' as const, metadata: {}, data: { [mime]: p.payload, 'text/plain': `<payload ${p.id}>` } }],
    };
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    cells,
  } as Notebook;
}
