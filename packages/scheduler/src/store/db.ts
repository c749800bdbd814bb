/**
 * The database under the scheduler: SQLite (better-sqlite3, WAL; the default, in the state
 * dir) or PostgreSQL (pg; several instances share it). One small async interface, SQL written
 * once with `?` placeholders, the same versioned migrations for both. Every decision is a row
 * written in a transaction; claims are atomic `UPDATE … WHERE` statements, so two instances
 * never take the same tick or run.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { SchedulerError } from '../service.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

/** What a query runs on: the database, or a transaction. */
export interface Queryable {
  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** Runs a statement; resolves with the number of rows changed. */
  run(sql: string, params?: SqlValue[]): Promise<number>;
}

export interface Database extends Queryable {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs `fn` in a transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: READ COMMITTED with row locks). */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Applies the migrations this version knows; refuses a database from a newer version. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

function newerSchema(found: number, where: string): SchedulerError {
  return new SchedulerError(
    503,
    'E_UNAVAILABLE',
    `the database ${where} has schema version ${found}, newer than this nbrun knows (${SCHEMA_VERSION}): upgrade nbrun, or use another database`,
  );
}

/** Serializes async work (better-sqlite3 has one connection; a transaction spans awaits). */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  lock<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

// ── SQLite ──

type BetterSqlite = import('better-sqlite3').Database;

class SqliteDatabase implements Database {
  readonly kind = 'sqlite' as const;
  readonly #db: BetterSqlite;
  readonly #mutex = new Mutex();
  readonly #path: string;
  readonly #direct: Queryable;

  constructor(path: string) {
    this.#path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const Sqlite = require('better-sqlite3') as typeof import('better-sqlite3');
    this.#db = new Sqlite(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    const db = this.#db;
    // Prepared once per SQL text: preparing was about a fifth of the CPU of creating a schedule.
    const statements = new Map<string, import('better-sqlite3').Statement>();
    const prepare = (sql: string) => {
      let st = statements.get(sql);
      if (!st) {
        if (statements.size >= 500) statements.clear(); // IN lists make some texts vary: stay bounded
        statements.set(sql, (st = db.prepare(sql)));
      }
      return st;
    };
    this.#direct = {
      all: async <T>(sql: string, params: SqlValue[] = []) => prepare(sql).all(...params) as T[],
      run: async (sql: string, params: SqlValue[] = []) => prepare(sql).run(...params).changes,
    };
  }

  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.#mutex.lock(() => this.#direct.all<T>(sql, params));
  }

  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.#mutex.lock(() => this.#direct.run(sql, params));
  }

  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.#mutex.lock(async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.#direct);
        this.#db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async migrate(): Promise<void> {
    await this.tx(async (q) => {
      await q.run('CREATE TABLE IF NOT EXISTS nbrun_schema (version INTEGER NOT NULL)');
      const found = (await q.all<{ version: number }>('SELECT version FROM nbrun_schema'))[0]?.version ?? 0;
      if (found > SCHEMA_VERSION) throw newerSchema(found, this.#path);
      for (const m of MIGRATIONS) if (m.version > found) for (const sql of m.sql) this.#db.exec(sql);
      if (found === 0) await q.run('INSERT INTO nbrun_schema (version) VALUES (?)', [SCHEMA_VERSION]);
      else if (found < SCHEMA_VERSION) await q.run('UPDATE nbrun_schema SET version = ?', [SCHEMA_VERSION]);
    });
  }

  async close(): Promise<void> {
    await this.#mutex.lock(async () => this.#db.close());
  }
}

// ── PostgreSQL ──

/** `?` placeholders → `$1, $2…` (the scheduler's SQL has no `?` inside literals). */
function pgSql(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

type PgPool = import('pg').Pool;
type PgClient = import('pg').PoolClient;

function pgQueryable(client: PgPool | PgClient): Queryable {
  return {
    all: async <T>(sql: string, params: SqlValue[] = []) => (await client.query(pgSql(sql), params)).rows as T[],
    run: async (sql: string, params: SqlValue[] = []) => (await client.query(pgSql(sql), params)).rowCount ?? 0,
  };
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly #pool: PgPool;
  readonly #direct: Queryable;
  readonly #where: string;

  constructor(url: string) {
    const pg = require('pg') as typeof import('pg');
    // BIGINT (epoch milliseconds) as numbers, on this pool only.
    const types = {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format),
    };
    this.#pool = new pg.Pool({ connectionString: url, max: 8, types: types as never });
    this.#pool.on('error', () => undefined); // an idle client's error surfaces at its next query
    this.#direct = pgQueryable(this.#pool);
    const u = new URL(url);
    this.#where = `${u.hostname}:${u.port || 5432}${u.pathname}`;
  }

  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.#direct.all<T>(sql, params);
  }

  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.#direct.run(sql, params);
  }

  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(pgQueryable(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    await this.tx(async (q) => {
      // One migrating instance at a time; the others wait here, then find the work done.
      await q.all('SELECT pg_advisory_xact_lock(7420613)');
      await q.run('CREATE TABLE IF NOT EXISTS nbrun_schema (version INTEGER NOT NULL)');
      const found = (await q.all<{ version: number }>('SELECT version FROM nbrun_schema'))[0]?.version ?? 0;
      if (found > SCHEMA_VERSION) throw newerSchema(found, this.#where);
      for (const m of MIGRATIONS) if (m.version > found) for (const sql of m.sql) await q.run(sql);
      if (found === 0) await q.run('INSERT INTO nbrun_schema (version) VALUES (?)', [SCHEMA_VERSION]);
      else if (found < SCHEMA_VERSION) await q.run('UPDATE nbrun_schema SET version = ?', [SCHEMA_VERSION]);
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/**
 * Opens the database named by `location`: a `postgres://` (or `postgresql://`) URL, else a SQLite file path.
 * @example const db = openDatabase('/var/lib/nbrun/nbrun.db'); await db.migrate();
 */
export function openDatabase(location: string): Database {
  if (/^postgres(ql)?:\/\//i.test(location)) return new PostgresDatabase(location);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw SchedulerError.invalid('database', `database: '${location.replace(/\/\/[^@/]*@/, '//…@')}' is neither a SQLite file path nor a postgres:// URL`);
  }
  return new SqliteDatabase(location);
}
