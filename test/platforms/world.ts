/**
 * What every platform test shares: one real S3-protocol server on loopback (s3rver, the
 * runner tests' helper) with the `nbrun` bucket, a temp work dir with its own job
 * registry, the CLI run in-process, and readers for executed notebooks.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startS3Server, type S3TestServer } from '../../packages/runner/test/helpers/s3-server.js';
import { ensureRunnerBuilt } from './container.js';
import type { FakeHttpServer } from './http.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const BUCKET = 'nbrun';

export interface PlatformWorld {
  s3: S3TestServer;
  work: string;
  /** Environment of nbrun: its own state dir, S3 credentials. */
  env: NodeJS.ProcessEnv;
  /** Runs `nbrun ARGS` in-process with {@link env} (plus `extra`). */
  nbrun(args: string[], extra?: NodeJS.ProcessEnv): Promise<CliResult>;
  stop(): Promise<void>;
}

/**
 * Starts the shared pieces for one test file.
 * @example const world = await startWorld(); … await world.stop();
 */
export async function startWorld(): Promise<PlatformWorld> {
  ensureRunnerBuilt();
  const s3 = await startS3Server([BUCKET]);
  const work = await mkdtemp(join(tmpdir(), 'nbrun-platform-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: work,
    NBRUN_STATE_DIR: join(work, 'state'),
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return {
    s3,
    work,
    env,
    nbrun: (args, extra = {}) => runCli(args, { env: { ...env, ...extra } }),
    async stop() {
      await s3.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}

interface Cell {
  cell_type: string;
  metadata?: { tags?: string[] };
  outputs?: { output_type: string; text?: string | string[]; ename?: string; evalue?: string }[];
}

/**
 * Printed text and errors of an executed notebook, one string.
 * @example expect(await notebookText('out.ipynb')).toContain('HELLO!')
 */
export async function notebookText(path: string): Promise<string> {
  const nb = JSON.parse(await readFile(path, 'utf8')) as { cells: Cell[] };
  const text = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : (t ?? ''));
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (o.output_type === 'error' ? `${o.ename}: ${o.evalue}\n` : text(o.text)))
    .join('');
}

/**
 * Asserts that every body a fake server received validated against its spec, and that
 * there was at least one (so the check is not vacuous); returns the validated requests.
 */
export function validatedBodies(server: FakeHttpServer, method: string, path: RegExp): { problems: string[]; body?: unknown }[] {
  return server.validatedRequests.filter((r) => r.method === method && path.test(r.path));
}
