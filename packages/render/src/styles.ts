/**
 * The page's stylesheet: JupyterLab's light theme as nbconvert's lab template shows it
 * (prompts, editor boxes, output colours, tables), nbrun's run header and cell marks, and a
 * layout that reads at 360 px (prompts above their cell) as well as on a large screen. System
 * fonts only: the page loads nothing.
 */
export const PAGE_CSS = `
:root{--nb-fg:rgba(0,0,0,.87);--nb-muted:rgba(0,0,0,.54);--nb-border:#e0e0e0;--nb-editor-bg:#f7f7f7;
--nb-in:#307fc1;--nb-out:#bf5b3d;--nb-error:#d32f2f;--nb-error-bg:#fdecea;--nb-ok:#2e7d32;--nb-warn:#b26a00;
--nb-prompt:64px;--nb-mono:SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;
--nb-sans:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,"DejaVu Sans",sans-serif,"Apple Color Emoji","Segoe UI Emoji"}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#fff;color:var(--nb-fg);font:14px/1.5 var(--nb-sans)}
.nb-notebook{max-width:1200px;margin:0 auto;padding:24px 24px 48px}
pre,code,kbd,samp{font-family:var(--nb-mono)}
a{color:#1976d2}
.nb-cell{position:relative;margin:0;padding:5px 0}
.nb-row{display:flex;align-items:flex-start;min-width:0}
.nb-prompt{flex:0 0 var(--nb-prompt);width:var(--nb-prompt);padding:5px 6px 0 0;text-align:right;font:13px/1.3 var(--nb-mono);color:var(--nb-in);white-space:nowrap;overflow:hidden;user-select:none}
.nb-prompt--out{color:var(--nb-out)}
.nb-body{flex:1 1 auto;min-width:0}
.nb-source{margin:0;padding:5px 8px;background:var(--nb-editor-bg);border:1px solid var(--nb-border);border-radius:2px;font:13px/1.45 var(--nb-mono);white-space:pre;overflow-x:auto;tab-size:4}
.nb-source code{font:inherit}
.nb-meta{display:block;margin-top:2px;font:11px/1.3 var(--nb-sans);color:var(--nb-muted);white-space:normal}
.nb-outputs{margin-top:2px}
.nb-output{padding:2px 0;overflow-x:auto}
.nb-output>pre,.nb-text{margin:0;padding:3px 0 3px 8px;font:13px/1.45 var(--nb-mono);white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere}
.nb-stderr{background:#fdd}
.nb-error>pre{background:var(--nb-error-bg)}
.nb-output img{max-width:100%;height:auto;display:block;padding:3px 0 3px 8px}
.nb-output img.nb-unconfined{max-width:none}
.nb-note{margin:0;padding:3px 8px;font:12px/1.4 var(--nb-sans);color:var(--nb-muted);font-style:italic}
.nb-json{color:#444}
.nb-raw{margin:0;padding:5px 8px;font:13px/1.45 var(--nb-mono);white-space:pre-wrap;color:var(--nb-muted);border-left:3px solid var(--nb-border)}
.nb-cell--failed{background:linear-gradient(90deg,var(--nb-error-bg),rgba(255,255,255,0) 60%)}
.nb-cell--failed::before{content:"";position:absolute;left:-12px;top:4px;bottom:4px;width:4px;border-radius:2px;background:var(--nb-error)}
.nb-cell--unrun .nb-prompt{color:var(--nb-muted)}
.nb-badge{display:inline-block;padding:0 6px;border-radius:9px;font:600 11px/18px var(--nb-sans);letter-spacing:.02em;color:#fff;background:#757575;vertical-align:middle}
.nb-badge--completed{background:var(--nb-ok)}.nb-badge--failed,.nb-badge--kernel-died{background:var(--nb-error)}
.nb-badge--timed-out,.nb-badge--cancelled{background:var(--nb-warn)}.nb-badge--running{background:#1976d2}
.nb-badge--pending,.nb-badge--skipped{background:#9e9e9e}
.nb-run{margin:0 0 20px;padding:14px 16px;border:1px solid var(--nb-border);border-radius:6px;background:#fafafa}
.nb-run--failed,.nb-run--kernel-died{border-color:#f5c2c0;background:#fff8f7}
.nb-run--timed-out,.nb-run--cancelled{border-color:#f3d9a6;background:#fffaf0}
.nb-run h1{display:inline;margin:0 8px 0 0;font-size:18px;line-height:1.4;word-break:break-word}
.nb-facts{display:flex;flex-wrap:wrap;gap:4px 20px;margin:8px 0 0;padding:0}
.nb-facts div{display:flex;gap:6px}.nb-facts dt{color:var(--nb-muted)}.nb-facts dd{margin:0;word-break:break-word}
.nb-failure{margin:10px 0 0;padding:8px 10px;border-radius:4px;background:var(--nb-error-bg);color:#611a15;word-break:break-word}
.nb-failure a{font-weight:600}
.nb-params{margin-top:10px}.nb-params summary{cursor:pointer;color:var(--nb-muted)}
.nb-params table{margin-top:4px;border-collapse:collapse;font-size:13px}
.nb-params th{padding:2px 12px 2px 0;text-align:left;font:600 13px var(--nb-mono);vertical-align:top}
.nb-params td{padding:2px 0;font:13px var(--nb-mono);white-space:pre-wrap;word-break:break-word}
.nb-warnings{margin:8px 0 0;padding-left:20px;color:var(--nb-warn)}
.nb-markdown{padding:0 8px;overflow-x:auto;overflow-wrap:break-word}
.nb-html{padding-left:8px;overflow-x:auto}
.nb-markdown>:first-child,.nb-html>:first-child{margin-top:.4em}
.nb-markdown>:last-child,.nb-html>:last-child{margin-bottom:.4em}
.nb-markdown h1,.nb-markdown h2,.nb-markdown h3,.nb-markdown h4,.nb-markdown h5,.nb-markdown h6{line-height:1.25;margin:1em 0 .5em;font-weight:600}
.nb-markdown h1{font-size:1.9em}.nb-markdown h2{font-size:1.55em}.nb-markdown h3{font-size:1.3em}.nb-markdown h4{font-size:1.1em}.nb-markdown h5,.nb-markdown h6{font-size:1em}
.nb-markdown p,.nb-html p{margin:.5em 0}
.nb-markdown ul,.nb-markdown ol{padding-left:2em;margin:.5em 0}
.nb-markdown blockquote{margin:.5em 0;padding:0 1em;color:var(--nb-muted);border-left:4px solid var(--nb-border)}
.nb-markdown code{padding:1px 4px;border-radius:2px;background:#eee;font-size:90%}
.nb-markdown pre{padding:6px 8px;background:var(--nb-editor-bg);border:1px solid var(--nb-border);border-radius:2px;overflow-x:auto;font-size:13px;line-height:1.45}
.nb-markdown pre code{padding:0;background:none;font-size:inherit}
.nb-markdown img,.nb-html img{max-width:100%;height:auto}
.nb-markdown hr{border:0;border-top:1px solid var(--nb-border);margin:1em 0}
.anchor-link{margin-left:6px;color:#1976d2;text-decoration:none;opacity:0;font-weight:400}
h1:hover .anchor-link,h2:hover .anchor-link,h3:hover .anchor-link,h4:hover .anchor-link,h5:hover .anchor-link,h6:hover .anchor-link,.anchor-link:focus{opacity:1}
.nb-markdown table,.nb-html table{border-collapse:collapse;border-spacing:0;border:none;font-size:12px;table-layout:fixed;margin:.5em 0}
.nb-markdown thead,.nb-html thead{border-bottom:1px solid #bdbdbd;vertical-align:bottom}
.nb-markdown td,.nb-markdown th,.nb-html td,.nb-html th,.nb-markdown tr,.nb-html tr{text-align:right;vertical-align:middle;padding:.5em;line-height:normal;white-space:normal;max-width:none;border:none}
.nb-markdown th,.nb-html th{font-weight:700}
.nb-markdown tbody tr:nth-child(odd),.nb-html tbody tr:nth-child(odd){background:#f5f5f5}
.nb-markdown tbody tr:hover,.nb-html tbody tr:hover{background:rgba(66,165,245,.2)}
.katex-display{overflow-x:auto;overflow-y:hidden;padding:2px 0}
.hljs-keyword,.hljs-selector-tag,.hljs-built_in,.hljs-literal{color:#008000;font-weight:700}
.hljs-built_in{font-weight:400}
.hljs-literal{color:#008000}
.hljs-number{color:#080}
.hljs-string,.hljs-regexp,.hljs-char.escape_{color:#ba2121}
.hljs-subst{color:#a45a77}
.hljs-comment,.hljs-quote{color:#408080;font-style:italic}
.hljs-title.function_,.hljs-title.class_,.hljs-section,.hljs-name{color:#00f}
.hljs-title.class_{font-weight:700}
.hljs-meta,.hljs-operator{color:#aa22ff}
.hljs-keyword.hljs-operator{font-weight:700}
.hljs-variable,.hljs-template-variable,.hljs-params{color:#19177c}
.hljs-attr,.hljs-attribute,.hljs-property{color:#687822}
.hljs-type,.hljs-symbol,.hljs-bullet,.hljs-link{color:#0000cc}
.hljs-tag{color:#008000}
.hljs-addition{color:#008000;background:#efe}.hljs-deletion{color:#a00;background:#fee}
.hljs-emphasis{font-style:italic}.hljs-strong{font-weight:700}
.ansi-black-fg{color:#3e424d}.ansi-red-fg{color:#e75c58}.ansi-green-fg{color:#00a250}.ansi-yellow-fg{color:#ddb62b}
.ansi-blue-fg{color:#208ffb}.ansi-magenta-fg{color:#d160c4}.ansi-cyan-fg{color:#60c6c8}.ansi-white-fg{color:#c5c1b4}
.ansi-black-bg{background:#3e424d}.ansi-red-bg{background:#e75c58}.ansi-green-bg{background:#00a250}.ansi-yellow-bg{background:#ddb62b}
.ansi-blue-bg{background:#208ffb}.ansi-magenta-bg{background:#d160c4}.ansi-cyan-bg{background:#60c6c8}.ansi-white-bg{background:#c5c1b4}
.ansi-black-intense-fg{color:#282c36}.ansi-red-intense-fg{color:#b22b31}.ansi-green-intense-fg{color:#007427}.ansi-yellow-intense-fg{color:#b27d12}
.ansi-blue-intense-fg{color:#0065ca}.ansi-magenta-intense-fg{color:#a03196}.ansi-cyan-intense-fg{color:#258f8f}.ansi-white-intense-fg{color:#a1a6b2}
.ansi-black-intense-bg{background:#282c36}.ansi-red-intense-bg{background:#b22b31}.ansi-green-intense-bg{background:#007427}.ansi-yellow-intense-bg{background:#b27d12}
.ansi-blue-intense-bg{background:#0065ca}.ansi-magenta-intense-bg{background:#a03196}.ansi-cyan-intense-bg{background:#258f8f}.ansi-white-intense-bg{background:#a1a6b2}
.ansi-default-inverse-fg{color:#fff}.ansi-default-inverse-bg{background:#000}
.ansi-bold{font-weight:700}.ansi-faint{opacity:.7}.ansi-italic{font-style:italic}.ansi-underline{text-decoration:underline}.ansi-strike{text-decoration:line-through}
.nb-no-input .nb-cell--code>.nb-row:first-child{display:none}
@media (max-width:700px){
.nb-notebook{padding:12px 10px 32px}
.nb-row{display:block}
.nb-prompt{display:block;width:auto;padding:0 0 2px;text-align:left;font-size:12px}
.nb-prompt:empty{display:none}
.nb-meta{display:inline;margin:0 0 0 8px}
.nb-cell--failed::before{left:-8px}
.nb-source,.nb-output>pre,.nb-text{font-size:12px}
.nb-markdown,.nb-html{padding:0 2px}
.nb-output>pre,.nb-text,.nb-output img{padding-left:2px}
.nb-run{padding:10px 12px}
}
@media print{.nb-notebook{max-width:none;padding:0}.anchor-link{display:none}.nb-cell{break-inside:avoid-page}}
`;
