/**
 * Notebook I/O: read (with located errors), validate against the official nbformat schemas,
 * upgrade to 4.5, and write exactly as Python's nbformat does, atomically.
 */
export { parseNotebook, readNotebook, normalizeNotebook, decodeNotebookBytes } from './read.js';
export { decodeUtf8Strict, findUtf8Issue, Utf8Issue } from './utf8.js';
export { repairNotebook, describeRepairs } from './repair.js';
export type { NotebookRepair } from './repair.js';
export type { ReadNotebookOptions } from './read.js';
export { serializeNotebook, writeNotebook, writeNotebookSync, writeFileAtomic, writeFileAtomicSync } from './write.js';
export { validateNotebook, assertValidNotebook45, findNotebookProblem } from './validate.js';
export type { NotebookProblem, FindNotebookProblemOptions } from './validate.js';
export { upgradeNotebook, repairCellIds, randomCellId, isValidCellId } from './upgrade.js';
export type { CellIdRepair } from './upgrade.js';
export { splitLines, rejoinNotebookLines, splitNotebookLines, isJsonMime } from './lines.js';
export { dumpPythonJson } from './json-write.js';
export { formatPythonFloat, formatPythonNumber } from './python-numbers.js';
