/**
 * `nbrun serve`: the scheduler service and its REST API in one process. Stops cleanly on
 * SIGINT/SIGTERM (running jobs keep running and are re-attached at the next start).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT_CODES, UsageError } from '@nbrun/core';
import { driverOptionsSchema } from '@nbrun/drivers';
import { openScheduler } from '@nbrun/scheduler';
import { DEFAULT_BODY_LIMIT, createServer, loadOrCreateToken } from '@nbrun/scheduler/http';
import type { ObjectStore } from '@nbrun/drivers/store';
import { flagBool, flagValue, parseArgs, type FlagSpec, type ParsedArgs } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { exitCodesHelp } from '../exit-codes.js';

const flags: FlagSpec[] = [
  { name: 'host', arity: 1 },
  { name: 'port', arity: 1 },
  { name: 'database', arity: 1 },
  { name: 'store', arity: 1 },
  { name: 's3-endpoint', arity: 1 },
  { name: 's3-region', arity: 1 },
  { name: 's3-profile', arity: 1 },
  { name: 's3-virtual-host' },
  { name: 'max-concurrent', arity: 1 },
  { name: 'token', arity: 1 },
  { name: 'state-dir', arity: 1 },
  { name: 'body-limit', arity: 1 },
  { name: 'trusted-outputs' },
];

/** `$NBRUN_STATE_DIR/service`, else `$XDG_STATE_HOME/nbrun/service`, else `~/.local/state/nbrun/service`. */
export function defaultServiceDir(env: NodeJS.ProcessEnv): string {
  if (env.NBRUN_STATE_DIR) return join(env.NBRUN_STATE_DIR, 'service');
  return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state'), 'nbrun', 'service');
}

const SIZE = /^(\d+)\s*([kmg]i?b?)?$/i;

function parseSize(value: string): number {
  const m = SIZE.exec(value.trim());
  if (!m) throw new UsageError(`nbrun serve: --body-limit must be a size like 100m or 1g, got '${value}'`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}

const S3_FLAGS = ['s3-endpoint', 's3-region', 's3-profile', 's3-virtual-host'] as const;

/**
 * The artifact store: a directory, or the S3 store every instance shares, opened with the
 * settings `nbrun submit` takes (`--s3-endpoint` else `$NBRUN_S3_ENDPOINT`, `--s3-region`,
 * `--s3-profile`, credentials from the environment).
 */
async function openArtifactStore(args: ParsedArgs, io: CommandIO): Promise<string | ObjectStore | undefined> {
  const store = flagValue(args, 'store');
  const s3Flag = S3_FLAGS.find((f) => args.flags.has(f));
  if (!store?.startsWith('s3://')) {
    if (s3Flag) throw new UsageError(`nbrun serve: --${s3Flag} needs --store s3://bucket/prefix`);
    return store ? resolve(io.cwd, store) : undefined;
  }
  // Loaded only for an S3 store (the AWS SDK is large).
  const { openStoreOf, resolveStoreSettings } = await import('@nbrun/drivers/store');
  const settings = resolveStoreSettings(
    {
      store,
      ...(flagValue(args, 's3-endpoint') ? { s3Endpoint: flagValue(args, 's3-endpoint') } : {}),
      ...(flagValue(args, 's3-region') ? { s3Region: flagValue(args, 's3-region') } : {}),
      ...(flagValue(args, 's3-profile') ? { s3Profile: flagValue(args, 's3-profile') } : {}),
      ...(flagBool(args, 's3-virtual-host') ? { s3VirtualHost: true } : {}),
    },
    io.env,
    'nbrun serve',
  );
  return openStoreOf(settings, io.env);
}

function positiveInt(value: string | undefined, flag: string, max = Infinity): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`nbrun serve: --${flag} must be an integer from 1 to ${max}, got '${value}'`);
  return n;
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, flags, 'serve');
  if (args.positionals.length) throw new UsageError(`nbrun serve: unexpected argument '${args.positionals[0]}'`);
  const host = flagValue(args, 'host') ?? '127.0.0.1';
  const port = flagValue(args, 'port') === '0' ? 0 : (positiveInt(flagValue(args, 'port'), 'port', 65535) ?? 8585);
  const stateDir = resolve(io.cwd, flagValue(args, 'state-dir') ?? defaultServiceDir(io.env));
  const bodyLimit = flagValue(args, 'body-limit') ? parseSize(flagValue(args, 'body-limit')!) : DEFAULT_BODY_LIMIT;
  const maxConcurrent = positiveInt(flagValue(args, 'max-concurrent'), 'max-concurrent');
  const database = flagValue(args, 'database');
  const store = await openArtifactStore(args, io);

  const { token, created, path } = await loadOrCreateToken(stateDir, flagValue(args, 'token') ?? io.env.NBRUN_SERVER_TOKEN);
  if (created) io.stderr.write(`nbrun serve: generated an API token (kept in ${path}, mode 0600; shown only now):\n${token}\n`);

  // The jobs get the service's environment (the drivers' credentials, the user's settings) but
  // not the service's own API token: a notebook that could read it could drive the service.
  const { NBRUN_SERVER_TOKEN: _token, ...jobEnv } = io.env;
  const service = await openScheduler({
    stateDir,
    env: jobEnv,
    ...(database ? { database: /^postgres(ql)?:\/\//.test(database) ? database : resolve(io.cwd, database) } : {}),
    ...(store ? { store } : {}),
    ...(maxConcurrent ? { maxConcurrent } : {}),
  });
  let app: Awaited<ReturnType<typeof createServer>> | undefined;
  try {
    await service.start();
    app = await createServer(service, {
      token,
      bodyLimit,
      trustedOutputs: flagBool(args, 'trusted-outputs'),
      driverOptionsSchema: (name) => driverOptionsSchema(name) as { properties?: Record<string, Record<string, unknown>> },
    });
    try {
      await app.listen({ host, port });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(`nbrun serve: cannot listen on ${host}:${port} (${code ?? (err as Error).message})${code === 'EADDRINUSE' ? '; pick another --port' : ''}`, { cause: err });
    }
    const address = app.server.address();
    const bound = typeof address === 'object' && address ? `${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}` : `${host}:${port}`;
    io.stderr.write(`nbrun serve: listening on http://${bound} (state ${stateDir}${database ? `, database ${database.replace(/\/\/[^@/]*@/, '//***@')}` : ''}${typeof store === 'object' ? `, store ${store.url}` : ''})\n`);
    if (io.signal.aborted) return EXIT_CODES.ok;
    await new Promise<void>((done) => io.signal.addEventListener('abort', () => done(), { once: true }));
    io.stderr.write(`nbrun serve: ${io.signalName() ?? 'signal'} received, stopping (running jobs are re-attached at the next start)\n`);
    return EXIT_CODES.ok;
  } finally {
    await app?.close();
    await service.close();
  }
}

export const serveCommand: Command = {
  usage: `Usage: nbrun serve [--host HOST] [--port PORT] [--database URL] [--store DIR|s3://…]
                   [--max-concurrent N] [--token TOKEN] [--state-dir DIR]

Runs the nbrun service: a REST API (/api/v1, OpenAPI at /api/v1/openapi.json) that
runs notebooks now and on a schedule through the drivers. Every endpoint but
/api/v1/health needs 'Authorization: Bearer TOKEN'. Stops on SIGINT/SIGTERM; runs in
progress keep running and are re-attached at the next start.

Options:
      --host HOST              address to bind (default 127.0.0.1: this machine only)
      --port PORT              default 8585 (0: any free port)
      --database URL           SQLite file (default STATE/nbrun.db) or postgres://… (shared
                               by several 'nbrun serve' instances)
      --store DIR|S3URL        where snapshots, logs and outputs go (default STATE/artifacts);
                               s3://bucket/prefix: shared by several instances on one
                               --database postgres://… (STATE keeps only a cache)
      --s3-endpoint URL        S3-compatible endpoint (MinIO, COS, Ceph); default
                               $NBRUN_S3_ENDPOINT, else AWS. Credentials: $AWS_ACCESS_KEY_ID
                               and $AWS_SECRET_ACCESS_KEY, or --s3-profile NAME
      --s3-region REGION       default $AWS_REGION, else us-east-1
      --s3-profile NAME        credentials of a named AWS profile
      --s3-virtual-host        virtual-host-style addressing instead of path-style
      --max-concurrent N       runs active at once, service-wide (default 4)
      --token TOKEN            the API token (default $NBRUN_SERVER_TOKEN, else generated at
                               the first start, kept in STATE/server-token mode 0600, printed once)
      --state-dir DIR          STATE (default $NBRUN_STATE_DIR/service, else
                               $XDG_STATE_HOME/nbrun/service, else ~/.local/state/nbrun/service)
      --body-limit SIZE        largest request or bundle (default 100m; 413 beyond)
      --trusted-outputs        let rendered outputs run their scripts (web page)

${exitCodesHelp(
    {
      0: 'stopped by SIGINT/SIGTERM',
      2: 'invalid option, port in use, or a database from a newer nbrun',
      8: 'the database or the s3:// store is unreachable',
    },
    [0, 2, 8, 70],
  )}
`,
  run,
};
