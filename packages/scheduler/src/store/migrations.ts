/**
 * Versioned migrations, the same SQL for SQLite and PostgreSQL (times are epoch milliseconds
 * in BIGINT, JSON in TEXT). Applied in order at start; never edited once released — a change
 * is a new entry.
 */
export interface Migration {
  version: number;
  sql: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: [
      `CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        spec TEXT NOT NULL,
        tags TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        snapshot TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        cursor_at BIGINT NOT NULL,
        next_due BIGINT
      )`,
      'CREATE INDEX schedules_due ON schedules (next_due) WHERE next_due IS NOT NULL AND paused = 0',
      `CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        schedule_id TEXT REFERENCES schedules (id) ON DELETE CASCADE,
        trigger TEXT NOT NULL,
        scheduled_for BIGINT NOT NULL,
        attempt INTEGER NOT NULL,
        state TEXT NOT NULL,
        spec TEXT NOT NULL,
        parameters TEXT NOT NULL,
        not_before BIGINT NOT NULL,
        job_id TEXT,
        job_record TEXT,
        created_at BIGINT NOT NULL,
        started_at BIGINT,
        finished_at BIGINT,
        exit_code INTEGER,
        error TEXT,
        failed_cell TEXT,
        lease_owner TEXT,
        lease_until BIGINT,
        cancel_requested INTEGER NOT NULL DEFAULT 0
      )`,
      // One row per tick (and per retry of it): INSERT … ON CONFLICT DO NOTHING makes a tick exactly once.
      `CREATE UNIQUE INDEX runs_tick ON runs (schedule_id, scheduled_for, attempt) WHERE schedule_id IS NOT NULL AND trigger <> 'manual'`,
      'CREATE INDEX runs_schedule ON runs (schedule_id, id)',
      'CREATE INDEX runs_active ON runs (state) WHERE state IN (\'queued\', \'running\')',
    ],
  },
  {
    // Idempotency-Key of the POSTs that create something: one row per (route + path parameters, key),
    // the request's fingerprint, and — once created — the answer's status and the resource created.
    // `status` NULL: the first request is still creating. Rows older than the retention are deleted.
    version: 2,
    sql: [
      `CREATE TABLE idempotency_keys (
        scope TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER,
        resource_kind TEXT,
        resource_id TEXT,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (scope, idem_key)
      )`,
      'CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)',
    ],
  },
  {
    // Objects of the shared store still to delete (`runs/<id>`, `snapshots/<id>`): written in the
    // transaction that deletes their rows, deleted once the store has deleted them. `not_before`
    // is when the next try is due (a claim moves it ahead by the claim's lease; a failure, by the
    // backoff); `attempts` counts the failed tries.
    version: 3,
    sql: [
      `CREATE TABLE pending_deletions (
        prefix TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        not_before BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,
        last_error TEXT
      )`,
      'CREATE INDEX pending_deletions_due ON pending_deletions (not_before)',
    ],
  },
];

/** The schema version this nbrun writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
