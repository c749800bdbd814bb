/**
 * Inspection of the `parameters` cell, as papermill's `inspect` does it: for each
 * assignment, its name, a type, the default (as source text) and the help text of a
 * trailing comment. Python (`x = 1  # help`, `x: int = 1`, `x = [] # type: List[str] help`)
 * and R (`x <- 1  # help`, `x = 1`). A small scanner splits the cell into statements
 * (strings, brackets, comments and line continuations respected); nothing is evaluated.
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
 * The parameters declared in the notebook's `parameters` cell, as papermill's `inspect`
 * lists them. A notebook without such a cell has none (an empty list, as papermill).
 * Throws a ParameterError when the cell's language is neither Python nor R.
 * @example inspectParameters(nb) // [{ name: 'alpha', inferredType: 'float', default: '0.5', help: 'learning rate' }]
 */
export function inspectParameters(nb: Notebook, options: InspectOptions = {}): ParameterInfo[] {
  const index = findParametersCell(nb);
  if (index < 0) return [];
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
  return parseParameterSource(cellSource(nb.cells[index]!), syntax);
}

interface Statement {
  code: string;
  /** Comments in the statement, by line offset within it. */
  comments: Map<number, string>;
  lines: number;
  /** Columns of indentation of the line the statement starts on. */
  indent: number;
}

/**
 * Splits source into top-level statements (code without comments, plus comments by line).
 * `broken` is true when the text surely is not valid code: an unclosed string or bracket,
 * a closing bracket without its opening one.
 */
function splitStatements(source: string, syntax: Syntax): { statements: Statement[]; broken: boolean } {
  const out: Statement[] = [];
  let code = '';
  let line = 0;
  let comments = new Map<number, string>();
  let depth = 0;
  let broken = false;
  // Indentation of the current logical line: statements after a `;` share it.
  let lineIndent = 0;
  let indent = 0;
  let atLineStart = true;
  const flush = () => {
    if (code.trim()) out.push({ code: code.trim(), comments, lines: line + 1, indent });
    code = '';
    line = 0;
    comments = new Map();
  };
  let i = 0;
  while (i < source.length) {
    if (atLineStart) {
      atLineStart = false;
      if (depth === 0 && !code.trim()) {
        let col = 0;
        for (; source[i] === ' ' || source[i] === '\t'; i++) col = source[i] === '\t' ? col - (col % 8) + 8 : col + 1;
        lineIndent = col;
        continue;
      }
    }
    const c = source[i]!;
    if (!code.trim() && c !== ' ' && c !== '\t' && c !== '\n' && c !== '#') indent = lineIndent;
    if (c === '#') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      comments.set(line, source.slice(i + 1, stop).trim());
      i = stop;
      continue;
    }
    const str = scanStringInfo(source, i, syntax);
    if (str) {
      if (!str.closed) broken = true;
      const text = source.slice(i, str.end);
      code += text;
      line += text.split('\n').length - 1;
      i = str.end;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) broken = true;
      depth = Math.max(0, depth - 1);
    }
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
      if (c === '\n') atLineStart = true;
      i++;
      continue;
    }
    if (c === '\n') line++;
    code += c;
    i++;
  }
  if (depth > 0) broken = true;
  flush();
  return { statements: out, broken };
}

/**
 * Index of the first character of `code`, from `from` on, at bracket depth 0 and outside
 * strings for which `at(code, i)` holds; -1 when there is none.
 */
function findTopLevel(code: string, syntax: Syntax, at: (code: string, i: number) => boolean, from = 0): number {
  let depth = 0;
  for (let i = from; i < code.length; ) {
    const str = scanStringInfo(code, i, syntax);
    if (str) {
      i = str.end;
      continue;
    }
    const c = code[i]!;
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && at(code, i)) return i;
    i++;
  }
  return -1;
}

/** An assignment `=`: not `==`, `!=`, `<=`, `>=`, `:=`, nor an augmented `+=`… */
const isAssignEquals = (code: string, i: number): boolean =>
  code[i] === '=' && code[i + 1] !== '=' && !(i > 0 && '=!<>:+-*/%&|^@~'.includes(code[i - 1]!));

/** Papermill's reading of a trailing comment: `# type: List[str] the help` → type `List[str]`, help `the help`. */
function readTrailingComment(comment: string | undefined): { typeComment?: string; help: string } {
  if (comment === undefined) return { help: '' };
  const m = /^\s*(?:type:\s*(\S*)\s*)?([\s\S]*)$/.exec(comment)!;
  return { ...(m[1] ? { typeComment: m[1] } : {}), help: m[2]!.trim() };
}

/** A multi-line default or annotation as papermill shows it: each line stripped, then joined. */
function flatten(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .join('')
    .trim();
}

const PY_NAME = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/u;
const PY_COMPOUND = /^(?:(?:async\s+)?(?:for|with)\b|if\b|elif\b|else\b|while\b|try\b|except\b|finally\b)/;
const PY_SCOPE = /^(?:(?:async\s+)?def\b|class\b)/;
const PY_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

interface Assignment {
  /** Every name assigned (`a = b = 1` assigns two). */
  targets: string[];
  annotation?: string;
  /** The right-hand side, or null for a bare annotation (`x: int`). */
  value: string | null;
}

/** A Python statement as an assignment to plain names, or undefined (calls, imports, `a.b = 1`, `a, b = …`). */
function readPythonAssignment(code: string): Assignment | undefined {
  const first = PY_NAME.exec(code)?.[0];
  if (!first || PY_KEYWORDS.has(first)) return undefined;
  const after = code.slice(first.length).trimStart();
  if (after.startsWith(':') && !after.startsWith(':=')) {
    // `x: int = 1` or `x: int`: the annotation runs to the top-level `=`.
    const eq = findTopLevel(after, 'python', isAssignEquals, 1);
    if (eq < 0) return { targets: [first], annotation: after.slice(1).trim(), value: null };
    return { targets: [first], annotation: after.slice(1, eq).trim(), value: after.slice(eq + 1).trim() };
  }
  if (!isAssignEquals(after, 0)) return undefined;
  const targets = [first];
  let value = after.slice(1).trimStart();
  // `a = b = 1` assigns both names (papermill lists neither); `a = b == 1` and `a = f(x=1)` assign one.
  for (;;) {
    const name = PY_NAME.exec(value)?.[0];
    if (!name || PY_KEYWORDS.has(name)) break;
    const rest = value.slice(name.length).trimStart();
    if (!isAssignEquals(rest, 0)) break;
    targets.push(name);
    value = rest.slice(1).trimStart();
  }
  return { targets, value };
}

/** Papermill shows a string annotation (`x: "int" = 1`) without its quotes. */
function unquoteAnnotation(annotation: string): string {
  const m = /^[rRuU]?("""|'''|"|')([\s\S]*)\1$/.exec(annotation);
  return m ? m[2]! : annotation;
}

type PythonAssignment = Assignment & { help: string; typeComment?: string };

/**
 * Python statements as papermill's inspect reads a valid cell (its syntax-tree reading):
 * assignments to plain names anywhere but inside `def`/`class` bodies (control flow
 * included), the comment on the statement's last line as `# type:` and help.
 */
function parsePythonStatements(statements: Statement[]): PythonAssignment[] {
  const out: PythonAssignment[] = [];
  const scopes: number[] = [];
  for (const st of statements) {
    while (scopes.length && st.indent <= scopes.at(-1)!) scopes.pop();
    if (scopes.length) continue;
    let code = st.code;
    if (PY_SCOPE.test(code)) {
      scopes.push(st.indent);
      continue;
    }
    // `if x: a = 1`: the body after a compound statement's header colon is a statement too.
    if (PY_COMPOUND.test(code)) {
      const colon = findTopLevel(code, 'python', (c, i) => c[i] === ':' && c[i + 1] !== '=' && !/\blambda\b[^:]*$/.test(c.slice(0, i)));
      code = colon < 0 ? '' : code.slice(colon + 1).trim();
      if (!code) continue;
    }
    const assignment = readPythonAssignment(code);
    if (assignment) out.push({ ...assignment, ...readTrailingComment(st.comments.get(st.lines - 1)) });
  }
  return out;
}

/**
 * Papermill's reading of a cell that is not valid Python (its fallback): lines grouped
 * from one line holding `=` to the next, lines holding two `=` left out, one pattern each.
 */
function parsePythonLines(source: string): ParameterInfo[] {
  const groups: string[] = [];
  let group: string[] = [];
  const flush = () => {
    // Comments are cut from every line but the last (even a `#` inside a string: papermill's rule).
    groups.push(group.map((l, i) => (i < group.length - 1 && l.includes('#') ? l.slice(0, l.indexOf('#')) : l).trim()).join(''));
    group = [];
  };
  for (const line of source.split(/\r\n|\r|\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const equals = line.split('=').length - 1;
    if (equals > 0) {
      flush();
      if (equals > 1) continue;
    }
    group.push(line);
  }
  flush();
  const pattern = /^([\p{L}\p{N}_][\p{L}\p{N}_]*)\s*(?::\s*["']?([\p{L}\p{N}_][\p{L}\p{N}_[\],\s]*)["']?\s*)?=\s*(.*?)(?:\s*#\s*(?:type:\s*(\S*)\s*)?(.*))?$/u;
  const out: ParameterInfo[] = [];
  for (const definition of groups) {
    const m = pattern.exec(definition);
    if (!m) continue;
    const dflt = m[3]!.trim();
    out.push({ name: m[1]!, inferredType: m[2]?.trim() || m[4]?.trim() || pythonType(dflt), default: dflt, help: (m[5] ?? '').trim() });
  }
  return out;
}

/** One entry per name, where it first appears, holding its last declaration (papermill's dict). */
function byName(found: ParameterInfo[]): ParameterInfo[] {
  const out = new Map<string, ParameterInfo>();
  for (const p of found) out.set(p.name, p);
  return [...out.values()];
}

/**
 * The parameters declared by a cell's source, in order (a name declared twice is listed
 * where it first appears, with its last declaration). Python is read as papermill's
 * `inspect` reads it: assignments to one plain name outside `def`/`class` bodies; type from
 * the annotation (a string annotation without its quotes) or a `# type: T` comment; help
 * from the comment on the statement's last line; the default with each line stripped and
 * joined (`[1, 2]` over three lines is `[1,2]`). A cell that is not valid Python (a
 * statement starting with `=`, an unclosed bracket or string) is read line by line, as
 * papermill falls back to. Beyond papermill: `x: int` (no default) is listed too, and a
 * type is inferred from the default when none is written (papermill says "None").
 * @example parseParameterSource('n = 3  # rows', 'python') // [{ name: 'n', inferredType: 'int', default: '3', help: 'rows' }]
 */
export function parseParameterSource(source: string, syntax: Syntax): ParameterInfo[] {
  const { statements, broken } = splitStatements(source, syntax);
  const found: ParameterInfo[] = [];
  if (syntax === 'python') {
    if (broken || statements.some((st) => /^(?:=(?!=)|[)\]},])/.test(st.code))) return byName(parsePythonLines(source));
    for (const a of parsePythonStatements(statements)) {
      if (a.targets.length !== 1) continue;
      const dflt = a.value === null ? null : flatten(a.value);
      const annotation = a.annotation === undefined ? undefined : unquoteAnnotation(flatten(a.annotation));
      const inferredType = annotation || a.typeComment || (dflt === null ? 'unknown' : pythonType(dflt));
      found.push({ name: a.targets[0]!, inferredType, default: dflt, help: a.help });
    }
    return byName(found);
  }
  for (const st of statements) {
    const m = R_ASSIGN.exec(st.code);
    if (!m) continue;
    const dflt = flatten(m[3]!);
    found.push({ name: m[1]!.replace(/^`|`$/g, ''), inferredType: rType(dflt), default: dflt, help: readTrailingComment(st.comments.get(st.lines - 1)).help });
  }
  return byName(found);
}

/**
 * Every name a cell assigns at its top level (chained `a = b = 1` included): the names a
 * parameter may be injected as without a "not defined in the parameters cell" warning.
 * @example declaredParameterNames('a = b = 1\nc: int', 'python') // Set { 'c', 'a', 'b' }
 */
export function declaredParameterNames(source: string, syntax: Syntax): Set<string> {
  const names = new Set(parseParameterSource(source, syntax).map((p) => p.name));
  if (syntax === 'python') for (const a of parsePythonStatements(splitStatements(source, syntax).statements)) for (const t of a.targets) names.add(t);
  return names;
}

/** A string literal starting at `i`: where it ends and whether its closing quote is there; undefined when none starts at `i`. */
function scanStringInfo(src: string, i: number, syntax: Syntax): { end: number; closed: boolean } | undefined {
  if (syntax === 'python') {
    const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(src.slice(i, i + 5));
    if (!m || (m[1] && i > 0 && /[\w]/.test(src[i - 1]!))) return undefined;
    const quote = m[2]!;
    let j = i + m[0].length;
    while (j < src.length) {
      if (src[j] === '\\') j += 2;
      else if (src.startsWith(quote, j)) return { end: j + quote.length, closed: true };
      else if (quote.length === 1 && src[j] === '\n') return { end: j, closed: false };
      else j++;
    }
    return { end: src.length, closed: false };
  }
  const raw = /^[rR](["'])(-*)([([{])/.exec(src.slice(i, i + 40));
  if (raw && !(i > 0 && /[\w.]/.test(src[i - 1]!))) {
    const close = { '(': ')', '[': ']', '{': '}' }[raw[3] as '(' | '[' | '{'];
    const end = src.indexOf(close + raw[2] + raw[1], i + raw[0].length);
    return end < 0 ? { end: src.length, closed: false } : { end: end + close.length + raw[2]!.length + 1, closed: true };
  }
  const q = src[i];
  if (q !== '"' && q !== "'" && q !== '`') return undefined;
  let j = i + 1;
  while (j < src.length) {
    if (src[j] === '\\') j += 2;
    else if (src[j] === q) return { end: j + 1, closed: true };
    else j++;
  }
  return { end: src.length, closed: false };
}

const R_ASSIGN = /^([A-Za-z.][A-Za-z0-9._]*|`[^`]+`)\s*(<<-|<-|=(?!=))\s*([\s\S]+)$/;

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
