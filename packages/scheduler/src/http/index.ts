/**
 * @nbrun/scheduler/http — the REST API of `nbrun serve` (Fastify). A subpath of its own, so
 * the client and the CLI's other commands never load Fastify. Every public export is listed here.
 */
export { createServer, DEFAULT_BODY_LIMIT } from './server.js';
export type { ServerOptions } from './server.js';
export { loadOrCreateToken, tokenMatches, TOKEN_FILE_NAME } from './token.js';
export { problem, toProblem, HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.js';
export type { Problem } from './problem.js';
export { redactSecrets, isSecretOption, REDACTED } from './redact.js';
export { snapshotFromBundle, snapshotFromInline } from './snapshot.js';
export { localIso } from './local-time.js';
// the web page of `nbrun serve` (issue 15), mounted by createServer
export { registerWebUi, notebookCsp, PAGE_CSP, CSRF_HEADER, SESSION_COOKIE } from '../web/index.js';
export type { WebUiOptions } from '../web/index.js';
