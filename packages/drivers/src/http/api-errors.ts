/**
 * API errors of a cluster (Kubernetes, Kubeflow) turned into nbrun's errors, and retries
 * for requests that are safe to repeat.
 */
import { BackendError } from '../errors.js';
import { sleep } from '../job/wait.js';

/** Status codes worth another try for a request without side effects. */
const RETRYABLE = new Set([500, 502, 503, 504]);

/** HTTP status of an error from `@kubernetes/client-node`, fetch, or our own HTTP helpers. */
export function statusOfError(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown; statusCode?: unknown };
  for (const v of [e.code, e.status, e.statusCode]) if (typeof v === 'number') return v;
  return undefined;
}

/** The server's own message in an error body (a Kubernetes Status, a gRPC-gateway error, text). */
export function serverMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim().split('\n', 1)[0] || undefined;
    }
  }
  if (value && typeof value === 'object') {
    const o = value as { message?: unknown; error?: unknown; description?: unknown };
    for (const v of [o.message, o.error, o.description]) if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

/**
 * One actionable BackendError for a failed API call: auth (401/403), quota (403 "exceeded
 * quota", 429), conflict, invalid, unreachable.
 * @example throw apiError('kubernetes', err, 'creating Job train-1 in namespace ml')
 */
export function apiError(driver: string, err: unknown, action: string): BackendError {
  if (err instanceof BackendError) return err;
  const status = statusOfError(err);
  const detail = serverMessage((err as { body?: unknown }).body) ?? (err as Error).message?.split('\n', 1)[0] ?? String(err);
  if (status === undefined) {
    return new BackendError(driver, `${action}: cannot reach the ${driver} API (${detail})`, undefined, { cause: err });
  }
  if (status === 429 || (status === 403 && /quota/i.test(detail))) {
    return new BackendError(driver, `${action}: quota exceeded or rate limited (HTTP ${status}: ${detail}); free resources or ask for more quota`, status, { cause: err });
  }
  if (status === 401 || status === 403) {
    return new BackendError(driver, `${action}: not authorized (HTTP ${status}: ${detail}); check the credentials`, status, { cause: err, code: 'E_BACKEND_AUTH' });
  }
  return new BackendError(driver, `${action}: HTTP ${status}: ${detail}`, status, { cause: err });
}

/**
 * Runs a request without side effects, again after a 5xx or a network error (3 tries).
 * Creates, deletes and actions are not retried: they go through {@link once}.
 * @example const job = await retrySafe(() => batch.readNamespacedJobStatus({ name, namespace }), 'kubernetes', 'reading Job x')
 */
export async function retrySafe<T>(call: () => Promise<T>, driver: string, action: string, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      const status = statusOfError(err);
      const retryable = status === undefined ? !(err instanceof BackendError) : RETRYABLE.has(status);
      if (!retryable || i >= attempts) throw apiError(driver, err, action);
      await sleep(200 * 2 ** (i - 1));
    }
  }
}

/**
 * Runs a request with side effects once; a failure becomes one clear BackendError.
 * @example await once(() => batch.createNamespacedJob({ namespace, body }), 'kubernetes', 'creating Job x')
 */
export async function once<T>(call: () => Promise<T>, driver: string, action: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw apiError(driver, err, action);
  }
}
