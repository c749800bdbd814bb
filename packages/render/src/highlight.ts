/**
 * Syntax highlighting on the server with highlight.js: the core and each language are loaded
 * on first use, so a notebook pays only for the languages it shows.
 */
import { createRequire } from 'node:module';

/**
 * The part of highlight.js's API used here. (Its own types reference the DOM library, which
 * would leak browser globals into the whole Node program; so the module is imported by a name
 * the compiler does not resolve.)
 */
interface HLJSApi {
  getLanguage(name: string): unknown;
  registerLanguage(name: string, language: unknown): void;
  highlight(code: string, options: { language: string; ignoreIllegals: boolean }): { value: string };
}
const HLJS_CORE = 'highlight.js/lib/core';
import { escapeHtml } from './text.js';

/** Kernel and fence names that highlight.js knows under another name. */
const ALIASES: Record<string, string> = {
  python3: 'python', ipython: 'python', ipython3: 'python', py: 'python', gyp: 'python',
  sh: 'bash', shell: 'bash', zsh: 'bash', console: 'bash',
  octave: 'matlab', js: 'javascript', node: 'javascript', ts: 'typescript', tslab: 'typescript', deno: 'typescript',
  'c#': 'csharp', cs: 'csharp', 'f#': 'fsharp', fs: 'fsharp', 'c++': 'cpp', cxx: 'cpp', 'objective-c': 'objectivec',
  html: 'xml', svg: 'xml', tex: 'latex', md: 'markdown', yml: 'yaml', ps1: 'powershell', pwsh: 'powershell',
  golang: 'go', rs: 'rust', rb: 'ruby', kt: 'kotlin', hs: 'haskell', pl: 'perl', jl: 'julia', text: 'plaintext',
};

/** IPython cell magics whose body is in another language. */
const CELL_MAGICS: Record<string, string> = {
  bash: 'bash', sh: 'bash', script: 'bash', html: 'xml', javascript: 'javascript', js: 'javascript',
  latex: 'latex', markdown: 'markdown', perl: 'perl', ruby: 'ruby', sql: 'sql', svg: 'xml', writefile: 'plaintext',
  capture: 'python', time: 'python', timeit: 'python', prun: 'python',
};

let core: Promise<HLJSApi> | undefined;
const loading = new Map<string, Promise<boolean>>();

/** The highlight.js name of a language, or undefined when it has none. */
function languageId(language: string | undefined): string | undefined {
  if (!language) return undefined;
  const name = language.trim().toLowerCase();
  const id = ALIASES[name] ?? name;
  return /^[a-z0-9-]+$/.test(id) ? id : undefined;
}

/**
 * Loads highlight.js and the given languages (unknown ones are skipped), and returns a
 * highlighter that works synchronously from then on.
 * @example const hl = await loadHighlighter(['python']); hl.highlight('x = 1', 'python')
 */
export async function loadHighlighter(languages: Iterable<string | undefined>): Promise<Highlighter> {
  core ??= (import(HLJS_CORE) as Promise<unknown>).then((m) => (m as unknown as { default: HLJSApi }).default ?? (m as unknown as HLJSApi));
  const hljs = await core;
  const ids = new Set<string>();
  for (const language of languages) {
    const id = languageId(language);
    if (id) ids.add(id);
  }
  await Promise.all([...ids].map((id) => loadLanguage(hljs, id)));
  return new Highlighter(hljs);
}

function loadLanguage(hljs: HLJSApi, id: string): Promise<boolean> {
  let pending = loading.get(id);
  if (!pending) {
    pending = (async () => {
      if (hljs.getLanguage(id)) return true;
      try {
        // Only names highlight.js ships: an unknown language is plain text, not a failed render.
        createRequire(import.meta.url).resolve(`highlight.js/lib/languages/${id}`);
      } catch {
        return false;
      }
      const mod = (await import(`highlight.js/lib/languages/${id}`)) as { default: unknown };
      hljs.registerLanguage(id, mod.default);
      return true;
    })();
    loading.set(id, pending);
  }
  return pending;
}

/**
 * The language a code cell's body is in: that of an IPython cell magic on its first line
 * (`%%bash`), else the notebook's.
 * @example cellLanguage('%%bash\nls', 'python') // 'bash'
 */
export function cellLanguage(source: string, notebookLanguage: string | undefined): string | undefined {
  if (source.startsWith('%%') && languageId(notebookLanguage) === 'python') {
    const magic = /^%%([A-Za-z0-9_]+)/.exec(source)?.[1];
    if (magic && CELL_MAGICS[magic]) return CELL_MAGICS[magic];
  }
  return notebookLanguage;
}

/** Highlights code in the languages loaded by {@link loadHighlighter}. */
export class Highlighter {
  constructor(private readonly hljs: HLJSApi) {}

  /**
   * HTML of `code` with `hljs-*` spans; escaped plain text for a language not loaded.
   * @example hl.highlight('x = 1', 'python') // '<span class="hljs-attr">x</span> = <span class="hljs-number">1</span>'
   */
  highlight(code: string, language: string | undefined): string {
    const id = languageId(language);
    if (!id || !this.hljs.getLanguage(id)) return escapeHtml(code);
    return this.hljs.highlight(code, { language: id, ignoreIllegals: true }).value;
  }

  /**
   * A code cell's source: an IPython cell magic line (`%%bash`) shown as such and the body in
   * the magic's language, anything else in the notebook's language.
   */
  highlightCell(source: string, notebookLanguage: string | undefined): string {
    const language = cellLanguage(source, notebookLanguage);
    if (language === notebookLanguage) return this.highlight(source, language);
    const newline = source.indexOf('\n');
    const head = newline < 0 ? source : source.slice(0, newline + 1);
    const body = newline < 0 ? '' : source.slice(newline + 1);
    return `<span class="hljs-meta">${escapeHtml(head)}</span>${this.highlight(body, language)}`;
  }
}
