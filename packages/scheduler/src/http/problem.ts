/**
 * Errors as RFC 9457 `application/problem+json`: `{ type, title, status, detail, code, field? }`.
 * Every failure of the API goes through {@link toProblem}, so each has a stable `code`.
 */
import { NbrunError } from '@nbrun/core';

/** The body of an error response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Builds a problem body.
 * @example problem(404, 'E_NOT_FOUND', "no schedule 'x'")
 */
export function problem(status: number, code: string, detail: string, field?: string): Problem {
  return {
    type: `https://nbrun.dev/problems/${code.toLowerCase().replace(/^e_/, '').replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(field ? { field } : {}),
  };
}

/** An error thrown by the HTTP layer itself (auth, request shape) with its status and code. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/driver/options/foo` → `driver.options.foo`; the missing or extra property is appended. */
function fieldOf(e: AjvError): string {
  const parts = (e.instancePath ?? '').split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = e.params?.missingProperty ?? e.params?.additionalProperty;
  if (typeof extra === 'string') parts.push(extra);
  return parts.join('.');
}

/** The most telling of Ajv's errors: a union's failures list every branch; the first specific one says most. */
function pickValidationError(errors: AjvError[]): AjvError {
  return (
    errors.find((e) => e.keyword === 'additionalProperties') ??
    errors.find((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'const') ??
    errors[0]!
  );
}

/** Ajv's message with the field named: `trigger.timezone: must be string`. */
function validationDetail(e: AjvError, where: string, field: string): string {
  if (e.keyword === 'additionalProperties') return `unknown field '${field}' in the ${where}`;
  if (e.keyword === 'required') return `missing field '${field}' in the ${where}`;
  return `${field || where}: ${e.message ?? 'invalid'}`;
}

/**
 * Maps anything thrown while answering a request to a problem. SchedulerErrors carry their
 * status; other nbrun errors are the caller's (400) unless internal; Fastify's own errors keep
 * their status (413 body too large, 415…); anything else is a 500 without details.
 */
export function toProblem(err: unknown): Problem {
  if (err instanceof HttpProblem) return problem(err.status, err.code, err.message, err.field);
  const e = err as {
    status?: unknown; statusCode?: unknown; code?: unknown; field?: unknown; message?: string;
    validation?: AjvError[]; validationContext?: string; hint?: { option?: string };
  };
  if (Array.isArray(e.validation) && e.validation.length) {
    const first = pickValidationError(e.validation);
    const field = fieldOf(first);
    const where = e.validationContext === 'querystring' ? 'query string' : e.validationContext === 'params' ? 'path' : (e.validationContext ?? 'body');
    return problem(400, 'E_INVALID', validationDetail(first, where, field), field || undefined);
  }
  if (err instanceof NbrunError) {
    const field = typeof e.field === 'string' ? e.field : e.hint?.option;
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 600) {
      return problem(e.status, String(e.code), err.message, field);
    }
    if (err.code === 'E_INTERNAL') return problem(500, 'E_INTERNAL', 'internal error (see the server log)');
    if (err.code === 'E_JOB_NOT_FOUND') return problem(404, 'E_NOT_FOUND', err.message, field);
    if (err.code === 'E_BACKEND' || err.code === 'E_BACKEND_AUTH') return problem(503, err.code, err.message, field);
    return problem(400, err.code, err.message, field);
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 413) return problem(413, 'E_TOO_LARGE', e.message ?? 'request body too large');
  if (status >= 400 && status < 500) {
    const code = typeof e.code === 'string' && e.code.startsWith('FST_') ? 'E_REQUEST' : String(e.code ?? 'E_REQUEST');
    return problem(status, code, e.message ?? 'bad request');
  }
  return problem(500, 'E_INTERNAL', 'internal error (see the server log)');
}
