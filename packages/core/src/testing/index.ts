/**
 * @nbrun/core/testing — test notebooks from TypeScript: open a notebook with a live
 * kernel, run cells, read values as JSON, call its functions, inject code, read outputs.
 * Every public export is listed here by name.
 */
export { openNotebook, LiveNotebook } from './live-notebook.js';
export type { OpenNotebookOptions, ExecuteCellsOptions, InjectCodeOptions } from './live-notebook.js';
export { CellView } from './cell-view.js';
export type { CellErrorOutput } from './cell-view.js';
export { NotebookCellError, stripAnsi } from './errors.js';
export { selectCells, resolveCellRef } from './select.js';
export type { CellRef, CellSelection } from './select.js';
export { evaluationFor, pythonEvaluation, rEvaluation, VALUE_MIME } from './languages.js';
export type { EvaluationSupport } from './languages.js';
