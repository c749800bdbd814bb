import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** A fresh database in the test cluster (test/setup/postgres.ts); its URL. */
export async function freshDatabase(): Promise<string> {
  const url = inject('postgresUrl');
  if (!url) throw new Error('no PostgreSQL test cluster (test/setup/postgres.ts did not start one)');
  const name = `nbrun_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
