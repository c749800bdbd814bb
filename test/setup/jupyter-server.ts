/**
 * Starts Debian's Jupyter Server (python3-jupyter-server) on a random loopback port with
 * a random token and temporary config/data/runtime dirs. Used by vitest's global setup
 * and by the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface JupyterServerHandle {
  url: string;
  token: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startJupyterServer(options: { python?: string; extraArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<JupyterServerHandle> {
  const python = options.python ?? process.env.NBRUN_TEST_PYTHON ?? '/usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'nbrun-jupyter-'));
  const token = randomBytes(24).toString('hex');
  const port = await freePort();
  const args = [
    '-m', 'jupyter_server',
    '--no-browser', '--allow-root',
    `--ServerApp.ip=127.0.0.1`, `--ServerApp.port=${port}`, '--ServerApp.port_retries=0',
    `--ServerApp.token=${token}`, `--ServerApp.root_dir=${dir}`,
    ...(options.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn(python, args, {
    env: {
      ...process.env,
      JUPYTER_CONFIG_DIR: join(dir, 'config'),
      JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
      JUPYTER_DATA_DIR: join(dir, 'data'),
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  // NBRUN_TEST_JUPYTER_LOG=FILE keeps the server's whole log there (to see its side of a failure).
  const keep = process.env.NBRUN_TEST_JUPYTER_LOG;
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
    if (keep) appendFileSync(keep, d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jupyter server exited (${child.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`jupyter server did not start within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    token,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
