/**
 * Makes sure a Docker engine answers for the docker driver's tests: pings DOCKER_HOST (or
 * /var/run/docker.sock) and, when nothing answers, runs scripts/start-dockerd.sh (dockerd
 * with --iptables=false --bridge=none, as root). Call from vitest's global setup or CI;
 * `stop()` ends the engine only if this module started it.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface DockerEngineHandle {
  /** The engine address (`unix:///var/run/docker.sock`, `tcp://…`). */
  host: string;
  /** True when this module started dockerd. */
  started: boolean;
  stop(): Promise<void>;
}

const START_SCRIPT = fileURLToPath(new URL('../../scripts/start-dockerd.sh', import.meta.url));

/**
 * Resolves true when the engine at `host` answers `GET /_ping`.
 * @example if (!(await pingDockerEngine())) console.log('no engine')
 */
export function pingDockerEngine(host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'): Promise<boolean> {
  return new Promise((resolve) => {
    let target: { socketPath: string } | { host: string; port: number };
    if (host.startsWith('unix://')) target = { socketPath: host.slice('unix://'.length) };
    else {
      const url = new URL(host.replace(/^tcp:/, 'http:'));
      target = { host: url.hostname, port: Number(url.port || 2375) };
    }
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/**
 * Pings the engine, starting it if needed.
 * @example const engine = await ensureDockerEngine(); ... await engine.stop();
 */
export async function ensureDockerEngine(): Promise<DockerEngineHandle> {
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (await pingDockerEngine(host)) return { host, started: false, stop: async () => undefined };
  try {
    await promisify(execFile)('bash', [START_SCRIPT], { timeout: 90_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`cannot start the Docker engine: ${(e.stderr || e.message).trim()}`);
  }
  if (!(await pingDockerEngine(host))) throw new Error(`the Docker engine at ${host} does not answer after start-dockerd.sh`);
  return {
    host,
    started: true,
    async stop() {
      const { readFile } = await import('node:fs/promises');
      const pid = Number((await readFile('/var/run/docker.pid', 'utf8').catch(() => '')).trim());
      if (!pid) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
