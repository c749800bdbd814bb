/**
 * The Docker Engine client (engine.ts, on node:http) for an environment's `DOCKER_HOST`, and
 * the translation of engine failures into one-line {@link BackendError}s.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackendError } from '../../errors.js';
import { DockerApiError, DockerClient, type EngineTransport } from './engine.js';

/** The engine address nbrun uses when `DOCKER_HOST` is not set. */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/**
 * The engine address an environment selects.
 * @example dockerHostOf({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }) // 'tcp://10.0.0.5:2375'
 */
export function dockerHostOf(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
}

/** How `host` is reached (`unix:///path`, `tcp://host:port`, `ssh://user@host:port`); TLS as {@link createDockerClient} says. */
function transportOf(env: NodeJS.ProcessEnv, host: string): EngineTransport {
  if (host.startsWith('unix://')) return { kind: 'unix', socketPath: host.slice('unix://'.length) || '/var/run/docker.sock' };
  let url: URL;
  try {
    url = new URL(host.includes('//') ? host : `tcp://${host}`);
    if (!url.hostname || !['tcp:', 'http:', 'https:', 'ssh:'].includes(url.protocol)) throw new Error(`unsupported address '${host}'`);
  } catch (err) {
    throw new BackendError('docker', `DOCKER_HOST '${host}' is not an address like tcp://host:2375 or unix:///var/run/docker.sock`, undefined, { cause: err });
  }
  if (url.protocol === 'ssh:') {
    return { kind: 'ssh', host: url.hostname, port: url.port ? Number(url.port) : undefined, user: url.username || undefined };
  }
  const tls = env.DOCKER_TLS_VERIFY === '1' || url.port === '2376' || url.protocol === 'https:';
  const port = Number(url.port || (tls ? 2376 : 2375));
  if (!tls) return { kind: 'tcp', host: url.hostname, port };
  const certs = env.DOCKER_CERT_PATH
    ? {
        ca: readFileSync(join(env.DOCKER_CERT_PATH, 'ca.pem')),
        cert: readFileSync(join(env.DOCKER_CERT_PATH, 'cert.pem')),
        key: readFileSync(join(env.DOCKER_CERT_PATH, 'key.pem')),
      }
    : {};
  return { kind: 'tcp', host: url.hostname, port, tls: certs };
}

/**
 * A Docker Engine API client for `host` (`unix:///path`, `tcp://host:port`, `ssh://user@host`
 * through `ssh … docker system dial-stdio`); TLS when `DOCKER_TLS_VERIFY=1` or port 2376,
 * certificates from `DOCKER_CERT_PATH`. Nothing is sent until the first call.
 * @example const docker = createDockerClient(process.env); await docker.ping()
 */
export function createDockerClient(env: NodeJS.ProcessEnv, host = dockerHostOf(env)): DockerClient {
  return new DockerClient(transportOf(env, host));
}

/** What the engine error was about, to word the message. */
export interface DockerErrorContext {
  host: string;
  image?: string;
  jobId?: string;
  /** What nbrun was doing, e.g. `creating the container`. */
  action: string;
}

/**
 * Turns an engine failure (a {@link DockerApiError}, or the socket's own error) into a
 * one-line BackendError (engine unreachable, image missing, the engine's own message otherwise).
 * @example catch (err) { throw dockerError(err, { host, image, action: 'creating the container' }) }
 */
export function dockerError(err: unknown, ctx: DockerErrorContext): BackendError {
  if (err instanceof BackendError) return err;
  const e = (err ?? {}) as { code?: string; message?: string };
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'EHOSTUNREACH' || e.code === 'ETIMEDOUT' || e.code === 'ECONNRESET') {
    return new BackendError('docker', `cannot reach the Docker engine at ${ctx.host} (is dockerd running? DOCKER_HOST?)`, undefined, { cause: err });
  }
  if (e.code === 'EACCES') {
    return new BackendError('docker', `permission denied on the Docker engine socket ${ctx.host} (join the 'docker' group, or use sudo)`, undefined, {
      cause: err,
      code: 'E_BACKEND_AUTH',
    });
  }
  const status = err instanceof DockerApiError ? err.statusCode : undefined;
  const engineMessage = (e.message || String(err)).split('\n', 1)[0]!.trim();
  if (status === 404 && ctx.image && /image/i.test(engineMessage)) {
    return new BackendError(
      'docker',
      `image '${ctx.image}' not found locally; build it with examples/docker/build-local-image.sh (or docker pull ${ctx.image}), or choose another image`,
      404,
      { cause: err },
    );
  }
  if (status === 404 && ctx.jobId) {
    return new BackendError('docker', `the container of job '${ctx.jobId}' no longer exists on ${ctx.host}`, 404, { cause: err });
  }
  if (status === 401 || status === 403) {
    return new BackendError('docker', `the Docker engine at ${ctx.host} refused ${ctx.action}: ${engineMessage}`, status, {
      cause: err,
      code: 'E_BACKEND_AUTH',
    });
  }
  if (/could not select device driver/i.test(engineMessage)) {
    return new BackendError('docker', `the Docker engine at ${ctx.host} cannot give GPUs (${engineMessage}; install the NVIDIA Container Toolkit)`, status, {
      cause: err,
    });
  }
  return new BackendError('docker', `Docker engine error while ${ctx.action}: ${engineMessage}`, status, { cause: err });
}
