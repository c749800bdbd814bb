/**
 * `node --import tsx bench/s3-log-reads.ts`: what a reader that does not follow a run pays per
 * look at its growing log in the S3 store (issue 14: `GET /runs/{id}/log`, the web page's live
 * log), side by side: the whole object per look (before) against a ranged GET from where the
 * reader left off (`Range: bytes=N-`, `ObjectStore.getFrom`, after). A real S3-protocol server
 * (s3rver, as in the tests) on loopback; the log grows by 16 KiB per upload to 2 MiB, the
 * reader looks once per upload, then 30 times with nothing new. Prints a markdown table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from './lib/tools.js';

// s3rver and the SDK as the runner's tests load them (dependencies of the packages, not of bench/).
// Typed here as far as used: bench/ does not resolve their types.
interface S3Sdk {
  S3Client: new (config: object) => { send(command: unknown): Promise<{ Body?: { transformToByteArray(): Promise<Uint8Array> } }>; destroy(): void };
  GetObjectCommand: new (input: object) => unknown;
  PutObjectCommand: new (input: object) => unknown;
}
type S3rverClass = new (options: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
const require = createRequire(join(ROOT, 'packages/runner/package.json'));
const sdk = require('@aws-sdk/client-s3') as S3Sdk;
const S3rver = require('s3rver') as S3rverClass;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const STEP = 16 * 1024;
const UPLOADS = 128;
const IDLE_LOOKS = 30;
const BUCKET = 'bench';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'nbrun-bench-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  const client = new sdk.S3Client({
    endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const rows: string[][] = [];
  try {
    for (const mode of ['whole object per look (before)', 'ranged GET from the offset (after)'] as const) {
      const ranged = mode.startsWith('ranged');
      const key = `runs/${ranged ? 'after' : 'before'}/run.log`;
      const look = async (offset: number): Promise<number> => {
        try {
          const res = await client.send(new sdk.GetObjectCommand({ Bucket: BUCKET, Key: key, ...(ranged && offset > 0 ? { Range: `bytes=${offset}-` } : {}) }));
          const body = await res.Body!.transformToByteArray();
          return body.length;
        } catch (err) {
          if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return 0; // nothing new
          throw err;
        }
      };
      let log = Buffer.alloc(0);
      let offset = 0;
      let bytes = 0;
      const growing: number[] = [];
      const idle: number[] = [];
      for (let i = 0; i < UPLOADS; i++) {
        log = Buffer.concat([log, Buffer.alloc(STEP, 0x61 + (i % 26))]);
        await client.send(new sdk.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: log }));
        const t = performance.now();
        const got = await look(offset);
        growing.push(performance.now() - t);
        bytes += got;
        offset = ranged ? offset + got : log.length;
      }
      for (let i = 0; i < IDLE_LOOKS; i++) {
        const t = performance.now();
        bytes += await look(offset);
        idle.push(performance.now() - t);
      }
      const ms = (x: number) => `${x.toFixed(1)} ms`;
      rows.push([
        mode, `${(bytes / 1024 / 1024).toFixed(1)} MiB`, ms(quantile(growing, 0.5)), ms(quantile(growing, 0.99)), ms(quantile(idle, 0.5)),
        loadavg().map((l) => l.toFixed(2)).join(' / '),
      ]);
    }
  } finally {
    client.destroy();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
  console.log(`| reader | bytes fetched (${UPLOADS} growing + ${IDLE_LOOKS} idle looks, log ${(UPLOADS * STEP) / 1024 / 1024} MiB) | look p50, growing | look p99, growing | look p50, idle | load (1/5/15) |`);
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

await main();
