/**
 * Multiline strings in and out of their on-disk form, as nbformat's `v4/rwbase.py` does:
 * on read, lists of lines are joined into one string (so an executor can append to it);
 * on write, source, stream text and textual mime data are split into lists of lines again.
 */
import { COPIED_FROM } from './python-numbers.js';

type Json = Record<string, unknown>;

// Python's str.splitlines boundaries: \n \r \r\n \v \f \x1c \x1d \x1e \x85 \u2028 \u2029.
// eslint-disable-next-line no-control-regex
const LINE_BOUNDARY = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const OTHER_BOUNDARY = /[\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

/**
 * True when `\n` is the only line boundary in `text` (no `\r`, `\v`, `\u2028`...).
 * @example hasOnlyNewlineBreaks('a\r\nb') // false
 */
export function hasOnlyNewlineBreaks(text: string): boolean {
  return !OTHER_BOUNDARY.test(text);
}

/** A string the writer must write as `splitLines(text)`, without the array being made first. */
export class LinesToWrite {
  /** `text` may come as pieces (a stream output's, see {@link streamTextPieces}): never joined. */
  constructor(readonly text: string | Iterable<string>) {}
}

/** Where a stream output made by a run keeps its text as pieces (its `text` joins them on read). */
export const STREAM_PIECES = Symbol('nbrun.streamPieces');

/**
 * The pieces of a stream output's text when it keeps them (outputs made while a run goes on,
 * spilled text read back from disk included), so the writer streams them without the whole
 * text ever being made. Read them at once: appends after the call may or may not show.
 */
export function streamTextPieces(output: object): Iterable<string> | undefined {
  return (output as { [STREAM_PIECES]?: { chunks(): Iterable<string> } })[STREAM_PIECES]?.chunks();
}

/**
 * Python's `str.splitlines(True)`: lines with their line endings; `''` gives `[]`.
 * @example splitLines('a\nb') // ['a\n', 'b']
 */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  if (!OTHER_BOUNDARY.test(text)) {
    // Fast path for the usual '\n'-only text.
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      lines.push(text.slice(start, nl + 1));
      start = nl + 1;
    }
  } else {
    LINE_BOUNDARY.lastIndex = 0;
    for (let m = LINE_BOUNDARY.exec(text); m; m = LINE_BOUNDARY.exec(text)) {
      const end = m.index + m[0].length;
      lines.push(text.slice(start, end));
      start = end;
    }
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** nbformat's `_is_json_mime`: JSON mime types keep their (object) value as is. */
export function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

const SPLIT_NON_TEXT_MIMES = new Set(['application/javascript', 'image/svg+xml']);

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejoinMimeBundle(data: Json): void {
  for (const [mime, value] of Object.entries(data)) {
    if (!isJsonMime(mime) && Array.isArray(value) && value.every((line) => typeof line === 'string')) {
      data[mime] = value.join('');
    }
  }
}

/**
 * nbformat's `rejoin_lines`, in place: cell sources, attachment and output mime data,
 * and stream text become single strings.
 * @example rejoinNotebookLines(JSON.parse(text)).cells[0].source // 'import os\nprint(1)'
 */
export function rejoinNotebookLines<T>(nb: T): T {
  const cells = (nb as Json).cells;
  if (!Array.isArray(cells)) return nb;
  for (const cell of cells) {
    if (!isPlainObject(cell)) continue;
    if (Array.isArray(cell.source)) cell.source = cell.source.join('');
    if (isPlainObject(cell.attachments)) {
      for (const bundle of Object.values(cell.attachments)) if (isPlainObject(bundle)) rejoinMimeBundle(bundle);
    }
    if (cell.cell_type !== 'code' || !Array.isArray(cell.outputs)) continue;
    for (const output of cell.outputs) {
      if (!isPlainObject(output)) continue;
      const type = output.output_type;
      if (type === 'execute_result' || type === 'display_data') {
        if (isPlainObject(output.data)) rejoinMimeBundle(output.data);
      } else if (type && Array.isArray(output.text)) {
        output.text = output.text.join('');
      }
    }
  }
  return nb;
}

function copy<T extends object>(original: T, changes: Partial<T>): T {
  const result = { ...original, ...changes };
  Object.defineProperty(result, COPIED_FROM, { value: (original as { [COPIED_FROM]?: object })[COPIED_FROM] ?? original });
  return result;
}

type Split = (text: string) => unknown;

function splitMimeBundle(data: Json, split: Split): Json {
  let result: Json | undefined;
  for (const [mime, value] of Object.entries(data)) {
    if (typeof value === 'string' && (mime.startsWith('text/') || SPLIT_NON_TEXT_MIMES.has(mime))) {
      result ??= copy(data, {});
      result[mime] = split(value);
    }
  }
  return result ?? data;
}

const TRANSIENT_NOTEBOOK_METADATA = ['orig_nbformat', 'orig_nbformat_minor', 'signature'];

/**
 * nbformat's `split_lines` + `strip_transient`, without touching `nb`: returns a view that
 * shares every unchanged object with `nb` and copies only what it splits or strips.
 * @example dumpPythonJson(splitNotebookLines(nb))
 */
export function splitNotebookLines<T>(nb: T): T {
  return splitNotebook(nb, splitLines);
}

/**
 * {@link splitNotebookLines} for the writer: split strings become {@link LinesToWrite}, not arrays.
 * @example dumpPythonJson(prepareNotebookForWrite(nb))
 */
export function prepareNotebookForWrite<T>(nb: T): T {
  return splitNotebook(nb, (text) => new LinesToWrite(text));
}

function splitNotebook<T>(nb: T, split: Split): T {
  const notebook = nb as Json;
  const changes: Json = {};
  if (isPlainObject(notebook.metadata) && TRANSIENT_NOTEBOOK_METADATA.some((k) => k in (notebook.metadata as Json))) {
    const metadata = copy(notebook.metadata, {});
    for (const k of TRANSIENT_NOTEBOOK_METADATA) delete metadata[k];
    changes.metadata = metadata;
  }
  if (Array.isArray(notebook.cells)) changes.cells = notebook.cells.map((cell: unknown) => splitCellLines(cell, split));
  return copy(notebook, changes) as T;
}

function splitCellLines(cell: unknown, split: Split): unknown {
  if (!isPlainObject(cell)) return cell;
  const changes: Json = {};
  if (typeof cell.source === 'string') changes.source = split(cell.source);
  if (isPlainObject(cell.metadata) && 'trusted' in cell.metadata) {
    const metadata = copy(cell.metadata, {});
    delete metadata.trusted;
    changes.metadata = metadata;
  }
  if (isPlainObject(cell.attachments)) {
    const attachments = copy(cell.attachments, {});
    for (const [name, bundle] of Object.entries(attachments)) {
      if (isPlainObject(bundle)) attachments[name] = splitMimeBundle(bundle, split);
    }
    changes.attachments = attachments;
  }
  if (cell.cell_type === 'code' && Array.isArray(cell.outputs)) changes.outputs = cell.outputs.map((output: unknown) => splitOutputLines(output, split));
  return copy(cell, changes);
}

function splitOutputLines(output: unknown, split: Split): unknown {
  if (!isPlainObject(output)) return output;
  const type = output.output_type;
  if ((type === 'execute_result' || type === 'display_data') && isPlainObject(output.data)) {
    const data = splitMimeBundle(output.data, split);
    return data === output.data ? output : copy(output, { data });
  }
  if (type === 'stream') {
    const pieces = streamTextPieces(output);
    if (pieces && split !== splitLines) {
      // Copied without reading `text`, which would join the pieces.
      const result: Json = {};
      for (const key of Object.keys(output)) if (key !== 'text') result[key] = output[key];
      result.text = new LinesToWrite(pieces);
      Object.defineProperty(result, COPIED_FROM, { value: (output as { [COPIED_FROM]?: object })[COPIED_FROM] ?? output });
      return result;
    }
    if (typeof output.text === 'string') return copy(output, { text: split(output.text) });
  }
  return output;
}
