/**
 * `Idempotency-Key` on POSTs that create something: the same key (per route) answers with the
 * same status and the same resource as the first request and creates nothing more. A key
 * reused with a different body is refused (422). Keys live in the service's
 * {@link IdempotencyStore} (the scheduler's database: they survive a restart and are shared by
 * instances on one PostgreSQL); a request still in progress with the same key is waited for,
 * so two concurrent retries still create one resource.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpProblem } from './problem.js';
import type { IdempotencyRecord, IdempotencyStore, IdempotentResult } from '../service.js';

/** A create's answer: the status, the resource it made, and the body to send. */
export interface Created extends IdempotentResult {
  body: unknown;
}

/** How long a request waits for another one holding the same key before it answers 409. */
const WAIT_FOR_OTHER_MS = 30_000;

/** Keys in memory, for a service without a store of its own (one process; a restart forgets them). */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, IdempotencyRecord & { at: number }>();
  constructor(readonly retentionMs = 24 * 3600_000, private readonly maxEntries = 10_000) {}

  async reserve(scope: string, key: string, fingerprint: string): Promise<IdempotencyRecord | undefined> {
    const now = Date.now();
    for (const [id, e] of this.#entries) {
      if (now - e.at > this.retentionMs || this.#entries.size > this.maxEntries) this.#entries.delete(id);
      else break; // Map keeps insertion order: the rest are newer
    }
    const seen = this.#entries.get(`${scope}\n${key}`);
    if (seen) return seen;
    this.#entries.set(`${scope}\n${key}`, { fingerprint, at: now });
    return undefined;
  }

  async complete(scope: string, key: string, result: IdempotentResult): Promise<void> {
    const e = this.#entries.get(`${scope}\n${key}`);
    if (e) e.result = result;
  }

  async release(scope: string, key: string): Promise<void> {
    this.#entries.delete(`${scope}\n${key}`);
  }
}

/** Runs creates once per key, over a store. */
export class Idempotency {
  /** This process's requests in progress by key: a concurrent retry waits for the first without polling. */
  readonly #inFlight = new Map<string, { fingerprint: string; result: Promise<Created> }>();

  /**
   * @param load the current body of a resource created earlier (a replay answers with it)
   */
  constructor(
    private readonly store: IdempotencyStore,
    private readonly load: (resource: IdempotentResult['resource']) => Promise<unknown>,
  ) {}

  /**
   * Runs `create` once per key; later calls with the same key get the same status and resource.
   * @example await idempotency.run('POST /api/v1/runs {}', key, bodyHash, () => create())
   */
  async run(scope: string, key: string | undefined, fingerprint: string, create: () => Promise<Created>): Promise<{ status: number; body: unknown; replayed: boolean }> {
    if (key === undefined) return { ...(await create()), replayed: false };
    if (key.length === 0 || key.length > 255) throw new HttpProblem(400, 'E_INVALID', 'Idempotency-Key: 1 to 255 characters', 'Idempotency-Key');
    const id = `${scope}\n${key}`;
    const mine = this.#inFlight.get(id);
    if (mine) {
      if (mine.fingerprint !== fingerprint) throw reused(key);
      const r = await mine.result;
      return { status: r.status, body: r.body, replayed: true };
    }
    let replayed = false;
    const result = (async (): Promise<Created> => {
      const started = Date.now();
      for (;;) {
        const seen = await this.store.reserve(scope, key, fingerprint);
        if (!seen) break;
        if (seen.fingerprint !== fingerprint) throw reused(key);
        if (seen.result) {
          replayed = true;
          return { ...seen.result, body: await this.load(seen.result.resource) };
        }
        // Another instance is creating it: wait for its answer.
        if (Date.now() - started > WAIT_FOR_OTHER_MS) {
          throw new HttpProblem(409, 'E_IDEMPOTENCY_KEY_IN_USE', `a request with Idempotency-Key '${key}' is still in progress; retry later`, 'Idempotency-Key');
        }
        await sleep(100);
      }
      let created: Created;
      try {
        created = await create();
      } catch (err) {
        // A failed request may be retried with the same key: forget it.
        await this.store.release(scope, key).catch(() => undefined);
        throw err;
      }
      await this.store.complete(scope, key, { status: created.status, resource: created.resource });
      return created;
    })();
    this.#inFlight.set(id, { fingerprint, result });
    try {
      const r = await result;
      return { status: r.status, body: r.body, replayed };
    } finally {
      this.#inFlight.delete(id);
    }
  }
}

function reused(key: string): HttpProblem {
  return new HttpProblem(422, 'E_IDEMPOTENCY_KEY_REUSED', `Idempotency-Key '${key}' was used before with a different request`, 'Idempotency-Key');
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
