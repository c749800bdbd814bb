/**
 * A throwaway PostgreSQL cluster (Debian's `postgresql` package) for the scheduler's tests:
 * initdb in a temp dir, pg_ctl on a random loopback port, trust auth, fsync off. PostgreSQL
 * refuses to run as root, so as root it runs as the unprivileged `postgres` user.
 * Each test creates its own database in it (see packages/scheduler/test/helpers/pg.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './jupyter-server.js';

export interface PostgresHandle {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error("PostgreSQL is not installed (Debian's postgresql package): run 'bash scripts/install.sh --all'");
  return join(root, versions[0], 'bin');
}

function user(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error("running as root and there is no 'postgres' user to run PostgreSQL as");
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(): Promise<PostgresHandle> {
  const bin = binDir();
  const as = user();
  const dir = mkdtempSync(join(tmpdir(), 'nbrun-pg-'));
  chmodSync(dir, 0o700);
  if (as) chownSync(dir, as.uid, as.gid);
  const data = join(dir, 'data');
  const opts = { ...(as ? { uid: as.uid, gid: as.gid } : {}), cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } };
  execFileSync(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { ...opts, stdio: 'pipe' });
  const port = await freePort();
  const start = spawnSync(
    join(bin, 'pg_ctl'),
    ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`, 'start'],
    { ...opts, stdio: 'pipe' },
  );
  if (start.status !== 0) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${start.stderr.toString()}${log}`);
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'], { ...opts, stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
