/**
 * A limit on failed logins per client, so the login form cannot be used to guess the token:
 * after `max` wrong tokens within `windowMs` from one address, every login from it is refused
 * (429 with Retry-After) until the oldest of those failures is older than the window.
 */

/** Default: 10 failed logins per minute per client address. */
export const LOGIN_LIMIT = { max: 10, windowMs: 60_000 };

/** Clients remembered at most (the oldest are forgotten first), so a flood of addresses stays bounded. */
const MAX_CLIENTS = 10_000;

export class LoginLimiter {
  /** Times of recent failures per client, oldest first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = LOGIN_LIMIT.max,
    private readonly windowMs = LOGIN_LIMIT.windowMs,
  ) {}

  private recent(client: string, now: number): number[] {
    const times = (this.failures.get(client) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length) this.failures.set(client, times);
    else this.failures.delete(client);
    return times;
  }

  /**
   * Seconds the client must wait before trying again, or 0 when it may try now.
   * @example const wait = limiter.retryAfter(request.ip); if (wait) reply.code(429).header('retry-after', String(wait))
   */
  retryAfter(client: string, now = Date.now()): number {
    const times = this.recent(client, now);
    if (times.length < this.max) return 0;
    return Math.max(1, Math.ceil((times[times.length - this.max]! + this.windowMs - now) / 1000));
  }

  /** Records a wrong token from the client. */
  fail(client: string, now = Date.now()): void {
    const times = this.recent(client, now);
    this.failures.delete(client); // re-inserted last: the map's order is least recently failed first
    this.failures.set(client, [...times.slice(-(this.max - 1)), now]);
    while (this.failures.size > MAX_CLIENTS) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A right token ends the client's record. */
  succeed(client: string): void {
    this.failures.delete(client);
  }
}
