/**
 * `Idempotency-Key`s in the scheduler's database (table `idempotency_keys`, migration 2): one
 * row per (scope, key) — scope is the route with its path parameters — holding the request's
 * fingerprint and, once created, the answer's status and the resource. The row is written
 * before the resource is created (`INSERT … ON CONFLICT DO NOTHING`), so two instances on one
 * PostgreSQL racing with the same key create one resource; rows older than the retention are
 * deleted (and ignored until they are).
 */
import type { Clock } from '../clock.js';
import type { IdempotencyRecord, IdempotencyStore, IdempotentResult } from '../service.js';
import type { Database } from './db.js';

/** Keys are remembered this long: 24 h. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600_000;
/** A key still "in progress" after this long belongs to a request that died with its instance: 5 min. */
export const IDEMPOTENCY_STALE_MS = 5 * 60_000;

interface KeyRow {
  fingerprint: string;
  status: number | null;
  resource_kind: string | null;
  resource_id: string | null;
  created_at: number;
}

export class SqlIdempotencyStore implements IdempotencyStore {
  #lastPrune = 0;
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    readonly retentionMs = IDEMPOTENCY_RETENTION_MS,
    private readonly staleMs = IDEMPOTENCY_STALE_MS,
  ) {}

  async reserve(scope: string, key: string, fingerprint: string): Promise<IdempotencyRecord | undefined> {
    const now = this.clock.now().getTime();
    await this.#prune(now);
    return this.db.tx(async (q) => {
      const lock = this.db.kind === 'postgres' ? ' FOR UPDATE' : '';
      const read = async () => (await q.all<KeyRow>(`SELECT * FROM idempotency_keys WHERE scope = ? AND idem_key = ?${lock}`, [scope, key]))[0];
      let row = await read();
      if (!row) {
        const n = await q.run('INSERT INTO idempotency_keys (scope, idem_key, fingerprint, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [
          scope, key, fingerprint, now,
        ]);
        if (n === 1) return undefined;
        row = await read(); // another instance inserted it a moment ago
        if (!row) throw new Error(`idempotency key '${key}' vanished while it was read`);
      }
      const created = Number(row.created_at);
      const expired = now - created > this.retentionMs;
      const abandoned = row.status === null && now - created > this.staleMs;
      if (expired || abandoned) {
        await q.run(
          'UPDATE idempotency_keys SET fingerprint = ?, status = NULL, resource_kind = NULL, resource_id = NULL, created_at = ? WHERE scope = ? AND idem_key = ?',
          [fingerprint, now, scope, key],
        );
        return undefined;
      }
      const result: IdempotentResult | undefined =
        row.status === null || !row.resource_id
          ? undefined
          : { status: Number(row.status), resource: { kind: row.resource_kind === 'schedule' ? 'schedule' : 'run', id: row.resource_id } };
      return { fingerprint: row.fingerprint, ...(result ? { result } : {}) };
    });
  }

  async complete(scope: string, key: string, result: IdempotentResult): Promise<void> {
    await this.db.run('UPDATE idempotency_keys SET status = ?, resource_kind = ?, resource_id = ? WHERE scope = ? AND idem_key = ?', [
      result.status, result.resource.kind, result.resource.id, scope, key,
    ]);
  }

  async release(scope: string, key: string): Promise<void> {
    await this.db.run('DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND status IS NULL', [scope, key]);
  }

  /** Deletes expired keys, at most once a minute per instance. */
  async #prune(now: number): Promise<void> {
    if (now - this.#lastPrune < 60_000) return;
    this.#lastPrune = now;
    await this.db.run('DELETE FROM idempotency_keys WHERE created_at < ?', [now - this.retentionMs]);
  }
}
