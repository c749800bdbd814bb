/**
 * `Idempotency-Key` on POSTs that create something: the same key (per route) answers with the
 * same status and body as the first request and creates nothing more. A key reused with a
 * different body is refused (422). Kept in memory for a day; a request still in progress with
 * the same key is waited for, so two concurrent retries still create one resource.
 */
import { createHash } from 'node:crypto';
import { HttpProblem } from './problem.js';

interface Entry {
  fingerprint: string;
  at: number;
  result: Promise<{ status: number; body: unknown }>;
}

/** Remembered responses by key. */
export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly ttlMs = 24 * 3600_000, private readonly maxEntries = 10_000) {}

  /**
   * Runs `create` once per key; later calls with the same key get the first answer.
   * @example await cache.run('POST /api/v1/runs', key, bodyHash, () => create())
   */
  async run(scope: string, key: string | undefined, fingerprint: string, create: () => Promise<{ status: number; body: unknown }>): Promise<{ status: number; body: unknown; replayed: boolean }> {
    if (key === undefined) return { ...(await create()), replayed: false };
    if (key.length === 0 || key.length > 255) throw new HttpProblem(400, 'E_INVALID', 'Idempotency-Key: 1 to 255 characters', 'Idempotency-Key');
    this.prune();
    const id = `${scope}\n${key}`;
    const seen = this.entries.get(id);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        throw new HttpProblem(422, 'E_IDEMPOTENCY_KEY_REUSED', `Idempotency-Key '${key}' was used before with a different request`, 'Idempotency-Key');
      }
      return { ...(await seen.result), replayed: true };
    }
    const result = create();
    this.entries.set(id, { fingerprint, at: Date.now(), result });
    // A failed request may be retried with the same key: forget it.
    result.catch(() => this.entries.delete(id));
    return { ...(await result), replayed: false };
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, e] of this.entries) {
      if (now - e.at > this.ttlMs || this.entries.size > this.maxEntries) this.entries.delete(id);
      else break; // Map keeps insertion order: the rest are newer
    }
  }
}

/** A stable digest of a request's content. */
export function fingerprint(...parts: (string | Uint8Array | undefined)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p === undefined ? '\0u' : p);
    h.update('\0');
  }
  return h.digest('hex');
}
