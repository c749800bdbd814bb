/**
 * SIGINT/SIGTERM sent to a real `nbrun run` process while a cell sleeps: the documented
 * exit code (130/143), the partial notebook written, and no kernel process or connection
 * file left behind (found by a marker in the kernels' environment, scanned in /proc).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@nbrun/core';
import { startJupyterServer } from '../setup/jupyter-server.js';
import { spawnNbrun } from '../helpers/cli.js';
import { cellRecord, countOf, fixturePath, readExecuted, streamText } from '../helpers/notebooks.js';
import { findMarkedKernels, findMarkedProcesses, MARKER_VAR, newMarker, pollUntil } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'nbrun-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  { signal: 'SIGINT' as const, exitCode: EXIT_CODES.interrupted },
  { signal: 'SIGTERM' as const, exitCode: EXIT_CODES.terminated },
])('$signal during a sleeping cell (embedded gateway)', ({ signal, exitCode }) => {
  it(`exits ${exitCode}, writes the partial notebook and leaves no kernel`, async () => {
    const marker = newMarker();
    const runtime = mkdtempSync(join(dir, 'runtime-'));
    const out = join(dir, `${signal}.ipynb`);
    const proc = spawnNbrun(['run', fixturePath('sleep-60s.ipynb'), out, '--log-output'], {
      env: { ...process.env, [MARKER_VAR]: marker, JUPYTER_RUNTIME_DIR: runtime },
    });
    await proc.waitForStderr(/sleeping/);
    // The scan sees the kernel while it runs, so seeing none later means it is really gone.
    expect(findMarkedKernels(marker)).toHaveLength(1);
    expect(readdirSync(runtime).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    proc.child.kill(signal);
    const { code } = await proc.exited;
    expect(code, proc.stderr()).toBe(exitCode);
    expect(proc.stderr()).not.toMatch(/\n\s+at .+:\d+:\d+/);

    const nb = readExecuted(out);
    expect(streamText(nb, 'sleep-60s-0')).toBe('started\n');
    expect(streamText(nb, 'sleep-60s-1')).toBe('sleeping\n');
    expect(cellRecord(nb, 'sleep-60s-1')).toMatchObject({ status: 'cancelled' });
    expect(countOf(nb, 'sleep-60s-2')).toBeNull();

    expect(await pollUntil(() => findMarkedProcesses(marker).length === 0, 5000), JSON.stringify(findMarkedProcesses(marker))).toBe(true);
    expect(readdirSync(runtime)).toEqual([]);
  });
});

describe('SIGTERM during a sleeping cell (remote gateway)', () => {
  it('exits 143, writes the partial notebook and shuts the remote kernel down', async () => {
    // A server of its own, so its kernel list holds only this run's kernel.
    const server = await startJupyterServer();
    try {
      const out = join(dir, 'remote-SIGTERM.ipynb');
      const proc = spawnNbrun([
        'run', fixturePath('sleep-60s.ipynb'), out, '--log-output', '--gateway-url', server.url, '--gateway-token', server.token,
      ]);
      const kernels = async () =>
        (await (await fetch(`${server.url}/api/kernels`, { headers: { Authorization: `token ${server.token}` } })).json()) as unknown[];
      await proc.waitForStderr(/sleeping/);
      expect(await kernels()).toHaveLength(1);
      proc.child.kill('SIGTERM');
      const { code } = await proc.exited;
      expect(code, proc.stderr()).toBe(EXIT_CODES.terminated);
      const nb = readExecuted(out);
      expect(streamText(nb, 'sleep-60s-1')).toBe('sleeping\n');
      expect(countOf(nb, 'sleep-60s-2')).toBeNull();
      expect(await kernels()).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
