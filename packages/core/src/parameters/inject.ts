/**
 * Injection, papermill's contract: the first cell tagged `parameters` keeps its defaults;
 * a new code cell tagged `injected-parameters` goes right after it; injected cells of an
 * earlier run are removed first (a re-run replaces, never adds); with no `parameters`
 * cell the injected cell goes first. Pure: the input notebook is not changed.
 */
import type { ICodeCell } from '@jupyterlab/nbformat';
import type { Notebook } from '../execute/types.js';
import { randomCellId } from '../notebook/upgrade.js';
import {
  INJECTED_PARAMETERS_TAG, cellSource, cellTags, declaredParameterNames, findParametersCell, notebookLanguage,
} from './inspect.js';
import { createTranslatorRegistry, type TranslatorRegistry } from './registry.js';
import { renderParameters, type Translator } from './translator.js';

export interface InjectOptions {
  /** Kernel language (`language_info.name` or kernelspec language); default: the notebook's. */
  language?: string;
  /** Kernelspec name, matched before the language; default: the notebook's. */
  kernelName?: string;
  /** Use this translator instead of choosing one. */
  translator?: Translator;
  /** Where to choose the translator from; default: the built-in translators. */
  registry?: TranslatorRegistry;
  /** Id of the new cell; default: a fresh random nbformat 4.5 id. */
  cellId?: string;
}

export interface InjectResult {
  /** A copy of the notebook with the injected cell. */
  notebook: Notebook;
  /** Index of the injected cell in `notebook.cells`. */
  injectedIndex: number;
  /** False when no cell is tagged `parameters` (the cell went first: worth a warning). */
  hadParametersCell: boolean;
  /** The translator used. */
  translator: Translator;
  /**
   * Names the `parameters` cell does not assign (worth a warning; they are injected all
   * the same). Undefined when that cannot be told (no such cell, or a language other
   * than Python and R).
   */
  undeclared?: string[];
}

let defaultRegistry: TranslatorRegistry | undefined;

/**
 * Injects parameters into a copy of the notebook.
 * @example
 * const { notebook, injectedIndex } = injectParameters(nb, { alpha: 0.5 }, { language: 'python' });
 * notebook.cells[injectedIndex].source // '# Parameters\nalpha = 0.5\n'
 */
export function injectParameters(nb: Notebook, params: Record<string, unknown>, options: InjectOptions = {}): InjectResult {
  const fromNb = notebookLanguage(nb);
  const translator =
    options.translator ??
    (options.registry ?? (defaultRegistry ??= createTranslatorRegistry())).get({
      kernelName: options.kernelName ?? fromNb.kernelName,
      language: options.language ?? fromNb.language,
    });
  const source = renderParameters(translator, params);
  const notebook = structuredClone(nb);
  notebook.cells = notebook.cells.filter((c) => !cellTags(c).includes(INJECTED_PARAMETERS_TAG));
  const paramsIndex = findParametersCell(notebook);
  const injectedIndex = paramsIndex + 1;
  const cell: ICodeCell = {
    cell_type: 'code',
    execution_count: null,
    metadata: { tags: [INJECTED_PARAMETERS_TAG] },
    outputs: [],
    source,
  };
  // nbformat < 4.5 has no cell ids (its schema refuses them); 4.5 requires them.
  const minor = notebook.nbformat === 4 && typeof notebook.nbformat_minor === 'number' ? notebook.nbformat_minor : 5;
  if (minor >= 5) {
    const taken = new Set(notebook.cells.map((c) => c.id));
    let id = options.cellId ?? randomCellId();
    while (taken.has(id) && !options.cellId) id = randomCellId();
    cell.id = id;
  }
  notebook.cells.splice(injectedIndex, 0, cell);
  const result: InjectResult = { notebook, injectedIndex, hadParametersCell: paramsIndex >= 0, translator };
  if (paramsIndex >= 0 && (translator.language === 'Python' || translator.language === 'R')) {
    const declared = declaredParameterNames(cellSource(notebook.cells[paramsIndex]!), translator.language === 'R' ? 'r' : 'python');
    result.undeclared = Object.keys(params).filter((n) => !declared.has(n));
  }
  return result;
}
