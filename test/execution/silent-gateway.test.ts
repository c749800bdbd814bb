/**
 * A gateway that accepts TCP connections and never answers: every wait is bounded by the
 * timeout the user gave (the outstanding HTTP requests are aborted with it), and a signal
 * ends the wait. Before, `--start-timeout 5` hung for the 10-minute request timeout and
 * `nbrun kernels` for as long.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { spawnNbrun } from '../helpers/cli.js';
import { fixturePath } from '../helpers/notebooks.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-silent-'));
let server: Server;
const sockets: Socket[] = [];
let url = '';

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** A hang shows as this rejection (not a duration assertion: the bound is minutes away from the expected seconds). */
function exitWithin<T>(exited: Promise<T>, what: string): Promise<T> {
  return Promise.race([exited, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} still running after 90 s`)), 90_000).unref())]);
}

describe('a gateway that never answers', () => {
  it('nbrun run --start-timeout 3: exit 4, one line naming the value given', async () => {
    const proc = spawnNbrun(['run', fixturePath('basics.ipynb'), join(dir, 'out.ipynb'), '--gateway-url', url, '--start-timeout', '3']);
    const { code } = await exitWithin(proc.exited, 'nbrun run');
    expect(code, proc.stderr()).toBe(EXIT_CODES.timeout);
    expect(proc.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(proc.stderr()).toContain('did not start within 3 s');
  });

  it('nbrun kernels --timeout 2: exit 5 with one line', async () => {
    const proc = spawnNbrun(['kernels', '--gateway-url', url, '--timeout', '2']);
    const { code } = await exitWithin(proc.exited, 'nbrun kernels');
    expect(code, proc.stderr()).toBe(EXIT_CODES.gateway);
    expect(proc.stderr()).toContain('did not answer within 2 s');
  });

  it.each([
    { signal: 'SIGINT' as const, exitCode: EXIT_CODES.interrupted },
    { signal: 'SIGTERM' as const, exitCode: EXIT_CODES.terminated },
  ])('$signal ends a run waiting on it (start timeout far away)', async ({ signal, exitCode }) => {
    const proc = spawnNbrun(['run', fixturePath('basics.ipynb'), join(dir, `${signal}.ipynb`), '--gateway-url', url, '--start-timeout', '600']);
    // Wait until nbrun is connected (the server saw the request), then signal it.
    const before = sockets.length;
    for (let i = 0; i < 600 && sockets.length === before; i++) await new Promise((r) => setTimeout(r, 100));
    proc.child.kill(signal);
    const { code } = await exitWithin(proc.exited, `nbrun run after ${signal}`);
    expect(code, proc.stderr()).toBe(exitCode);
  });
});
