/**
 * Inspection of the `parameters` cell: for each top-level assignment, its name, an
 * inferred type, the default (as source text) and the help text of a trailing comment.
 * Python (`x = 1  # help`, `x: int = 1`, `x: int`) and R (`x <- 1  # help`, `x = 1`).
 * A small scanner splits the cell into statements (strings, brackets, comments and line
 * continuations respected); nothing is evaluated.
 */
import { ParameterError } from '../errors.js';
import type { Notebook } from '../execute/types.js';
import { createTranslatorRegistry, type TranslatorRegistry } from './registry.js';

/** One parameter of a `parameters` cell. */
export interface ParameterInfo {
  name: string;
  /** The annotation when there is one, else inferred from the default (`int`, `str`, `character`…); `unknown` when it cannot tell. */
  inferredType: string;
  /** The default value as written in the cell (`null` when declared without one, e.g. `x: int`). */
  default: string | null;
  /** The trailing comment (without `#`), or ''. */
  help: string;
}

export interface InspectOptions {
  /** Kernel language; default: the notebook's `language_info.name`, else its kernelspec language. */
  language?: string;
  /** Kernelspec name; default: the notebook's. Chooses the language when `language` is not given. */
  kernelName?: string;
  registry?: TranslatorRegistry;
}

type Syntax = 'python' | 'r';

/** The cell tag that marks the defaults. */
export const PARAMETERS_TAG = 'parameters';
/** The cell tag of the cell nbrun injects. */
export const INJECTED_PARAMETERS_TAG = 'injected-parameters';

/** The tags of a cell (an empty list when it has none). */
export function cellTags(cell: unknown): string[] {
  const tags = (cell as { metadata?: { tags?: unknown } } | undefined)?.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

/**
 * Index of the first cell tagged `parameters`, or -1.
 * @example findParametersCell(nb) // 1
 */
export function findParametersCell(nb: Notebook): number {
  return nb.cells.findIndex((c) => cellTags(c).includes(PARAMETERS_TAG));
}

/** The source of a cell as one string. */
export function cellSource(cell: { source?: unknown }): string {
  const s = cell.source;
  return Array.isArray(s) ? s.join('') : typeof s === 'string' ? s : '';
}

/** The notebook's kernel language and kernel name from its metadata. */
export function notebookLanguage(nb: Notebook): { language?: string; kernelName?: string } {
  const md = nb.metadata as { language_info?: { name?: unknown }; kernelspec?: { name?: unknown; language?: unknown } };
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const language = str(md.language_info?.name) ?? str(md.kernelspec?.language);
  const kernelName = str(md.kernelspec?.name);
  return { ...(language ? { language } : {}), ...(kernelName ? { kernelName } : {}) };
}

function syntaxFor(query: { language?: string | undefined; kernelName?: string | undefined }, registry: TranslatorRegistry): Syntax | undefined {
  const t = registry.find(query);
  if (t?.language === 'Python') return 'python';
  if (t?.language === 'R') return 'r';
  return undefined;
}

/**
 * The parameters declared in the notebook's `parameters` cell.
 * Throws a ParameterError when there is no such cell or its language is neither Python nor R.
 * @example inspectParameters(nb) // [{ name: 'alpha', inferredType: 'float', default: '0.5', help: 'learning rate' }]
 */
export function inspectParameters(nb: Notebook, options: InspectOptions = {}): ParameterInfo[] {
  const registry = options.registry ?? createTranslatorRegistry();
  const fromNb = notebookLanguage(nb);
  const query = {
    kernelName: options.kernelName ?? (options.language ? undefined : fromNb.kernelName),
    language: options.language ?? fromNb.language,
  };
  const syntax = syntaxFor(query, registry);
  if (!syntax) {
    const what = query.language ?? query.kernelName ?? 'unknown';
    throw new ParameterError(`cannot inspect parameters of a '${what}' notebook: inspection reads Python and R parameters cells`);
  }
  const index = findParametersCell(nb);
  if (index < 0) {
    throw new ParameterError("the notebook has no cell tagged 'parameters' (tag the cell that holds the defaults with 'parameters')");
  }
  return parseParameterSource(cellSource(nb.cells[index]!), syntax);
}

interface Statement {
  code: string;
  /** Comments in the statement, by line offset within it. */
  comments: Map<number, string>;
  lines: number;
}

/** Splits source into top-level statements (code without comments, plus comments by line). */
function splitStatements(source: string, syntax: Syntax): Statement[] {
  const out: Statement[] = [];
  let code = '';
  let line = 0;
  let comments = new Map<number, string>();
  let depth = 0;
  const flush = () => {
    if (code.trim()) out.push({ code: code.trim(), comments, lines: line + 1 });
    code = '';
    line = 0;
    comments = new Map();
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '#') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      comments.set(line, source.slice(i + 1, stop).trim());
      i = stop;
      continue;
    }
    const str = scanString(source, i, syntax);
    if (str > i) {
      const text = source.slice(i, str);
      code += text;
      line += text.split('\n').length - 1;
      i = str;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    if (c === '\\' && syntax === 'python' && source[i + 1] === '\n') {
      code += ' ';
      line++;
      i += 2;
      continue;
    }
    if ((c === '\n' || c === ';') && depth === 0) {
      // R continues a statement whose line ends with an operator.
      if (c === '\n' && syntax === 'r' && /(<-|<<-|=|[-+*/^,|&~]|%[^%]*%)\s*$/.test(code)) {
        code += '\n';
        line++;
        i++;
        continue;
      }
      flush();
      i++;
      continue;
    }
    if (c === '\n') line++;
    code += c;
    i++;
  }
  flush();
  return out;
}

/** End index of a string literal starting at `i`, or `i` when none starts there. */
function scanString(src: string, i: number, syntax: Syntax): number {
  if (syntax === 'python') {
    const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(src.slice(i, i + 5));
    if (!m || (m[1] && i > 0 && /[\w]/.test(src[i - 1]!))) return i;
    const quote = m[2]!;
    let j = i + m[0].length;
    while (j < src.length) {
      if (src[j] === '\\') j += 2;
      else if (src.startsWith(quote, j)) return j + quote.length;
      else if (quote.length === 1 && src[j] === '\n') return j;
      else j++;
    }
    return src.length;
  }
  const raw = /^[rR](["'])(-*)([([{])/.exec(src.slice(i, i + 40));
  if (raw && !(i > 0 && /[\w.]/.test(src[i - 1]!))) {
    const close = { '(': ')', '[': ']', '{': '}' }[raw[3] as '(' | '[' | '{'];
    const end = src.indexOf(close + raw[2] + raw[1], i + raw[0].length);
    return end < 0 ? src.length : end + close.length + raw[2]!.length + 1;
  }
  const q = src[i];
  if (q !== '"' && q !== "'" && q !== '`') return i;
  let j = i + 1;
  while (j < src.length) {
    if (src[j] === '\\') j += 2;
    else if (src[j] === q) return j + 1;
    else j++;
  }
  return src.length;
}

const PY_ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([^=]+?))?\s*(?:=(?!=)\s*([\s\S]+))?$/;
const R_ASSIGN = /^([A-Za-z.][A-Za-z0-9._]*|`[^`]+`)\s*(<<-|<-|=(?!=))\s*([\s\S]+)$/;

/**
 * The parameters declared by a cell's source, in order (later assignments of a name win).
 * @example parseParameterSource('n = 3  # rows', 'python') // [{ name: 'n', inferredType: 'int', default: '3', help: 'rows' }]
 */
export function parseParameterSource(source: string, syntax: Syntax): ParameterInfo[] {
  const found = new Map<string, ParameterInfo>();
  for (const st of splitStatements(source, syntax)) {
    const help = st.comments.get(st.lines - 1) ?? st.comments.get(0) ?? '';
    if (syntax === 'python') {
      const m = PY_ASSIGN.exec(st.code);
      if (!m) continue;
      const [, name, annotation, value] = m;
      if (annotation === undefined && value === undefined) continue;
      const dflt = value?.trim() ?? null;
      found.delete(name!);
      found.set(name!, { name: name!, inferredType: annotation?.trim() || (dflt === null ? 'unknown' : pythonType(dflt)), default: dflt, help });
    } else {
      const m = R_ASSIGN.exec(st.code);
      if (!m) continue;
      const name = m[1]!.replace(/^`|`$/g, '');
      const dflt = m[3]!.trim();
      found.delete(name);
      found.set(name, { name, inferredType: rType(dflt), default: dflt, help });
    }
  }
  return [...found.values()];
}

function pythonType(v: string): string {
  if (v === 'None') return 'None';
  if (v === 'True' || v === 'False') return 'bool';
  if (/^[+-]?(?:\d[\d_]*|0[xX][\da-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+)$/.test(v)) return 'int';
  if (/^[+-]?(?:\d[\d_]*\.[\d_]*|\.\d[\d_]*|\d[\d_]*)(?:[eE][+-]?\d+)?$/.test(v) || /^float\(/.test(v)) return 'float';
  if (/^[rRuUfF]{0,2}['"]/.test(v)) return 'str';
  if (/^[bB][rR]?['"]|^[rR][bB]['"]/.test(v)) return 'bytes';
  if (v.startsWith('[')) return 'list';
  if (v.startsWith('(')) return 'tuple';
  if (v === '{}' || (v.startsWith('{') && /:/.test(v))) return 'dict';
  if (v.startsWith('{')) return 'set';
  const call = /^(int|float|str|bool|list|dict|tuple|set)\(/.exec(v);
  return call ? call[1]! : 'unknown';
}

function rType(v: string): string {
  if (v === 'NULL') return 'NULL';
  if (/^(TRUE|FALSE|T|F|NA)$/.test(v)) return 'logical';
  if (/^[+-]?(\d+|0[xX][\da-fA-F]+)L$/.test(v)) return 'integer';
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?0[xX][\da-fA-F.]+(p[+-]?\d+)?$|^[+-]?(Inf|NaN)$/.test(v)) return 'numeric';
  if (/^["']|^[rR]["']/.test(v)) return 'character';
  if (v.startsWith('c(')) return 'vector';
  if (v.startsWith('list(')) return 'list';
  if (/^function\s*\(/.test(v)) return 'function';
  const as = /^as\.(integer|numeric|double|character|logical)\(/.exec(v);
  if (as) return as[1] === 'double' ? 'numeric' : as[1]!;
  return 'unknown';
}
