/**
 * The page's calls to the service: JSON over fetch with the session cookie, the CSRF token in
 * a header on every change; errors as the API's problem details.
 */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let csrf = '';
let onUnauthorized: () => void = () => {};

export function setCsrf(token: string): void {
  csrf = token;
}

export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** Calls the server; the parsed JSON body, or undefined for 204. Throws ApiError. */
export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-nbrun-csrf'] = csrf;
  let payload: string | undefined;
  if (body !== undefined || method === 'POST') {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(payload !== undefined ? { body: payload } : {}) });
  } catch (err) {
    throw new ApiError(`the server did not answer (${(err as Error).message})`, 0, 'E_NETWORK');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const p = (data && typeof data === 'object' ? data : {}) as { detail?: string; code?: string; field?: string; title?: string };
    if (res.status === 401 && path !== '/ui/login') onUnauthorized();
    throw new ApiError(p.detail ?? p.title ?? `${res.status} ${res.statusText}`, res.status, p.code ?? `HTTP_${res.status}`, p.field);
  }
  return data as T;
}

/** Reads a file as text. */
export function fileText(file: Blob): Promise<string> {
  return file.text();
}

/** Reads a file as base64. */
export async function fileBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

// Shapes the page reads (the API's Schedule and Run, as far as it uses them).
export type RunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped' | 'missed' | 'lost';
export const RUN_STATES: RunState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'skipped', 'missed', 'lost'];
export const FINAL_STATES: RunState[] = ['succeeded', 'failed', 'cancelled', 'skipped', 'missed', 'lost'];

export interface Schedule {
  id: string;
  name: string;
  parameters: Record<string, unknown>;
  driver: { name: string; options: Record<string, unknown> };
  trigger: { cron: string; timezone?: string } | { intervalSeconds: number } | null;
  paused: boolean;
  nextRuns: string[];
  lastRun?: { id: string; state: RunState };
  tags: string[];
  snapshot?: { notebook: string; files: string[] };
}

export interface Run {
  id: string;
  scheduleId: string | null;
  /** The schedule's name when the run was created (a one-off run: its own, or null). */
  name: string | null;
  trigger: string;
  scheduledFor: string;
  attempt: number;
  state: RunState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  error: { code: string; message: string } | null;
  failedCell: { cellIndex: number; cellId?: string; executionCount?: number | null } | null;
  parameters: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface ParameterInfo {
  name: string;
  inferredType: string;
  default: string | null;
  help: string;
}

export interface DriverInfo {
  name: string;
  description: string;
  options: JsonSchema;
}

export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  'x-value'?: string;
  'x-expected'?: string;
}
