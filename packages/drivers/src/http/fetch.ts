/**
 * What the platforms' small REST clients (Kubeflow Pipelines, FfDL) share: one fetch whose
 * network failure is a BackendError naming the server, and whose non-2xx answer is an
 * {@link HttpError} carrying the server's body (for `apiError`, which reads its message).
 */
import { BackendError } from '../errors.js';

/** A non-2xx answer, with the server's body (JSON when it parses, else its text). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * A response body as JSON when it parses, else as text (an HTML error page from a proxy);
 * undefined when empty.
 * @example parseBody('{"error":"not found"}') // { error: 'not found' }
 */
export function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * `fetch(url, init)`: an unreachable server is a BackendError of `driver` ("cannot reach
 * `server` (…)"), an answer other than 2xx an HttpError; a 2xx response is returned as is.
 * @example const res = await fetchOk('kubeflow', `the Kubeflow Pipelines API at ${base}`, `${base}/apis/v2beta1/runs`, { method: 'GET' })
 */
export async function fetchOk(driver: string, server: string, url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    throw new BackendError(driver, `cannot reach ${server} (${cause?.message ?? (err as Error).message})`, undefined, { cause: err });
  }
  if (!res.ok) throw new HttpError(res.status, parseBody(await res.text()));
  return res;
}
