/**
 * @nbrun/render — an executed notebook as one self-contained, sanitized HTML page.
 * Every public export is listed here by name.
 */
export { renderNotebook, UNTRUSTED_CSP } from './render.js';
export type { RenderOptions } from './render.js';
export { renderNotebookFile } from './file.js';
export type { RenderFileOptions } from './file.js';
export { MIME_PRIORITY, chooseMime } from './outputs.js';
export { ansiToHtml, ansiToText } from './ansi.js';
