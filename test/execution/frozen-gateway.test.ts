/**
 * A real Jupyter Server frozen (SIGSTOP) while a cell runs: `--execution-timeout` still
 * fires and SIGTERM still ends the run, each giving up on the frozen server once (one
 * interrupt, one DELETE of 5 s at most), not waiting again when the gateway is disposed.
 * The server is this file's own (never the shared one); it sits behind a recording proxy,
 * as a frozen server behind a network would, and is resumed and stopped in cleanup.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { spawnNbrun } from '../helpers/cli.js';
import { startGatewayProxy, type GatewayProxy } from '../helpers/gateway-proxy.js';
import { readExecuted, runRecord } from '../helpers/notebooks.js';
import { startJupyterServer, type JupyterServerHandle } from '../setup/jupyter-server.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-frozen-'));
let server: JupyterServerHandle;
let proxy: GatewayProxy;
let frozen = false;

function freeze(): void {
  process.kill(server.pid, 'SIGSTOP');
  frozen = true;
}

function thaw(): void {
  if (frozen) process.kill(server.pid, 'SIGCONT');
  frozen = false;
}

beforeAll(async () => {
  server = await startJupyterServer();
  proxy = await startGatewayProxy({ target: server.url });
});
afterEach(thaw);
afterAll(async () => {
  thaw();
  await proxy?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A hang shows as this rejection (not a duration assertion: the bound is far from the expected seconds). */
function exitWithin<T>(exited: Promise<T>, what: string): Promise<T> {
  return Promise.race([exited, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} still running after 90 s`)), 90_000).unref())]);
}

function sleepingNotebook(name: string): string {
  const path = join(dir, `${name}.ipynb`);
  const cell = (id: string, source: string) => ({ cell_type: 'code', execution_count: null, id, metadata: {}, outputs: [], source });
  writeFileSync(path, JSON.stringify({
    cells: [cell('f-0', 'import time\nprint("sleeping", flush=True)\ntime.sleep(120)'), cell('f-1', 'print("never")')],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  }));
  return path;
}

describe('a Jupyter Server frozen (SIGSTOP) mid-cell', () => {
  it.each([
    { name: 'timeout', flags: ['--execution-timeout', '8'], signal: undefined, exitCode: EXIT_CODES.timeout, status: 'timed-out' },
    { name: 'sigterm', flags: [], signal: 'SIGTERM' as const, exitCode: EXIT_CODES.terminated, status: 'cancelled' },
  ])('$name: the run ends ($exitCode) with its output saved, asking the frozen server to delete the kernel once', async ({ name, flags, signal, exitCode, status }) => {
    const out = join(dir, `${name}.out.ipynb`);
    const proc = spawnNbrun(['run', sleepingNotebook(name), out, '--gateway-url', proxy.url, '--gateway-token', server.token, '--log-output', ...flags]);
    await proc.waitForStderr(/sleeping/);
    const seen = proxy.requests.length;
    freeze();
    const t0 = performance.now();
    if (signal) proc.child.kill(signal);
    const { code } = await exitWithin(proc.exited, `nbrun run (${name}) with the server frozen`);
    console.log(`frozen server, ${name}: nbrun ended ${((performance.now() - t0) / 1000).toFixed(1)} s after the freeze`);
    expect(code, proc.stderr()).toBe(exitCode);
    expect(runRecord(readExecuted(out))).toMatchObject({ status });
    const asked = proxy.requests.slice(seen).map((r) => `${r.method} ${r.url.split('?')[0]!.replace(/\/api\/kernels\/[^/]+/, '/api/kernels/ID')}`);
    expect(asked.filter((r) => r.startsWith('DELETE')), asked.join('\n')).toEqual(['DELETE /api/kernels/ID']);
  });
});
