/**
 * Sessions of the web page: after the login form, an `HttpOnly`, `SameSite=Strict` cookie
 * stands for the server's token. The cookie alone never authorizes a change: a request that
 * is not GET/HEAD must also carry the session's CSRF token in a header (which a cross-site
 * page cannot read nor set) and, when the browser says where it comes from (`Origin`,
 * `Sec-Fetch-Site`), come from this server's own origin.
 *
 * Stateless: cookie and CSRF token are HMACs keyed by the server's token, so a new token
 * ends every session and a restart keeps them.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'nbrun_session';
/** Header carrying the CSRF token on the page's requests. */
export const CSRF_HEADER = 'x-nbrun-csrf';
/** Default lifetime of a session. */
export const DEFAULT_SESSION_SECONDS = 12 * 3600;

/** Constant-time comparison of two strings (hashed first, so lengths do not leak). */
export function sameSecret(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

export interface Session {
  nonce: string;
  expires: number;
}

export class Sessions {
  private readonly key: Buffer;

  constructor(
    private readonly token: string,
    private readonly lifetimeSeconds = DEFAULT_SESSION_SECONDS,
    private readonly secure = false,
  ) {
    this.key = createHmac('sha256', 'nbrun web session v1').update(token).digest();
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }

  /** Does `presented` equal the server's token? */
  tokenMatches(presented: string | undefined): boolean {
    return sameSecret(this.token, presented);
  }

  /** A new session: its cookie header value and CSRF token. */
  create(now = Date.now()): { cookie: string; csrf: string } {
    const nonce = randomBytes(18).toString('base64url');
    const expires = Math.floor(now / 1000) + this.lifetimeSeconds;
    const value = `${expires}.${nonce}.${this.mac(`s.${expires}.${nonce}`)}`;
    return { cookie: this.cookie(value, this.lifetimeSeconds), csrf: this.csrf({ nonce, expires }) };
  }

  /** The Set-Cookie value that ends the session in the browser. */
  clearCookie(): string {
    return this.cookie('', 0);
  }

  private cookie(value: string, maxAge: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${this.secure ? '; Secure' : ''}`;
  }

  /** The CSRF token of a session. */
  csrf(session: Session): string {
    return this.mac(`c.${session.nonce}`);
  }

  /** The request's valid, unexpired session, if it has one. */
  read(request: FastifyRequest, now = Date.now()): Session | undefined {
    const value = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (!value) return undefined;
    const [exp, nonce, mac, extra] = value.split('.');
    if (!exp || !nonce || !mac || extra !== undefined || !/^\d{1,12}$/.test(exp)) return undefined;
    if (!sameSecret(this.mac(`s.${exp}.${nonce}`), mac)) return undefined;
    const expires = Number(exp);
    if (expires * 1000 <= now) return undefined;
    return { nonce, expires };
  }
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Methods that change nothing (a cookie alone may authorize them). */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

/**
 * Why a request is not from this server's own page, or undefined when nothing says it is
 * cross-site. `Origin` must name the host the request was sent to; `Sec-Fetch-Site` must be
 * `same-origin` (or `none`: typed in the address bar).
 */
export function crossSiteReason(request: FastifyRequest): string | undefined {
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `a ${site} request (Sec-Fetch-Site)`;
  const origin = header(request, 'origin');
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      return `Origin '${origin}' is not a URL`;
    }
    if (host !== header(request, 'host')) return `Origin '${origin}' is not this server`;
  }
  return undefined;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * How a request authenticates: `bearer` (the token in Authorization), `session` (the cookie,
 * with the CSRF header and same origin for changes), or why it does not.
 */
export function authenticate(sessions: Sessions, request: FastifyRequest): { ok: true; via: 'bearer' | 'session' } | { ok: false; status: 401 | 403; code: string; detail: string } {
  const authorization = header(request, 'authorization');
  if (authorization !== undefined) {
    const presented = authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
    if (sessions.tokenMatches(presented)) return { ok: true, via: 'bearer' };
    return { ok: false, status: 401, code: 'E_UNAUTHORIZED', detail: presented === undefined ? 'missing bearer token (Authorization: Bearer TOKEN)' : 'wrong token' };
  }
  const session = sessions.read(request);
  if (!session) return { ok: false, status: 401, code: 'E_UNAUTHORIZED', detail: 'not logged in (or the session expired): log in, or send Authorization: Bearer TOKEN' };
  if (!isSafeMethod(request.method)) {
    const reason = crossSiteReason(request);
    if (reason) return { ok: false, status: 403, code: 'E_CSRF', detail: `refused: ${reason}` };
    if (!sameSecret(sessions.csrf(session), header(request, CSRF_HEADER))) {
      return { ok: false, status: 403, code: 'E_CSRF', detail: `refused: the session cookie needs the ${CSRF_HEADER} header for ${request.method}` };
    }
  }
  return { ok: true, via: 'session' };
}
