/**
 * The remote gateway: kernels on any server with the Jupyter kernels REST + WebSocket API
 * (Jupyter Server, Kernel Gateway, Enterprise Gateway).
 */
import { userInfo } from 'node:os';
import { isAbsolute } from 'node:path';
import { CancelledError, GatewayError, KernelNotFoundError, KernelStartTimeoutError, UsageError } from '../../errors.js';
import type { RemoteGatewayOptions } from '../../execute/types.js';
import { NATIVE_KERNEL_NAME, type Gateway, type KernelConnection, type KernelSpecInfo, type KernelSpecList, type StartKernelOptions } from '../types.js';
import { RemoteKernelConnection, toStartAbortError, type RemoteConnectionTuning } from './connection.js';
import { CONTROL_REQUEST_TIMEOUT_MS, RestClient } from './rest.js';
import { setLongTimeout } from '../../timers.js';

/** How long dispose() waits for kernels to be deleted before it drops the connections. */
const DISPOSE_GRACE_MS = CONTROL_REQUEST_TIMEOUT_MS;

/** What POST /api/kernels answered: the kernel's id and the kernelspec name the server started. */
interface StartedKernel {
  id: string;
  name: string;
}

export type { RemoteConnectionTuning } from './connection.js';

/** Default kernel start timeout (kernel_info answered), as in {@link StartKernelOptions}. */
const DEFAULT_START_TIMEOUT_MS = 60_000;

/**
 * Creates a gateway that starts kernels on a Jupyter Server, Kernel Gateway or Enterprise
 * Gateway. Nothing is contacted until a method is called.
 * @example
 * const gateway = createRemoteGateway({ url: 'http://127.0.0.1:8888', token: process.env.JUPYTER_TOKEN })
 * const kernel = await gateway.startKernel({ kernelName: 'python3' })
 * await kernel.shutdown(); await gateway.dispose()
 */
export function createRemoteGateway(options: RemoteGatewayOptions, tuning: RemoteConnectionTuning = {}): Gateway {
  return new RemoteGateway(options, tuning);
}

/**
 * The `env` of a kernel start request: every `KERNEL_*` variable of `processEnv`, then
 * `kernelEnv`, then the run's own `env`; `KERNEL_USERNAME` defaults to the OS user
 * (Enterprise Gateway refuses starts without an acceptable one).
 * @example buildKernelEnv(process.env, { KERNEL_NAMESPACE: 'ml' }) // { KERNEL_USERNAME: 'ada', KERNEL_NAMESPACE: 'ml' }
 */
export function buildKernelEnv(
  processEnv: NodeJS.ProcessEnv,
  kernelEnv: Record<string, string> = {},
  runEnv: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(processEnv)) {
    if (key.startsWith('KERNEL_') && value !== undefined) env[key] = value;
  }
  Object.assign(env, kernelEnv, runEnv);
  if (!env.KERNEL_USERNAME) {
    const user = osUser();
    if (user) env.KERNEL_USERNAME = user;
  }
  return env;
}

class RemoteGateway implements Gateway {
  readonly kind = 'remote' as const;
  private readonly rest: RestClient;
  private readonly kernels = new Set<RemoteKernelConnection>();
  /** Deletions of kernels whose start was given up while the start request still ran. */
  private readonly cleanups = new Set<Promise<void>>();
  private readonly options: RemoteGatewayOptions;
  private readonly tuning: RemoteConnectionTuning;
  private disposed = false;

  constructor(options: RemoteGatewayOptions, tuning: RemoteConnectionTuning) {
    if (!options || typeof options.url !== 'string' || !options.url) {
      throw new UsageError('a remote gateway needs gatewayUrl (e.g. http://127.0.0.1:8888)', { hint: { option: 'gatewayUrl' } });
    }
    for (const [key, value] of Object.entries(options.kernelEnv ?? {})) {
      if (typeof value !== 'string') throw new UsageError(`kernelEnv.${key} must be a string (got ${typeof value})`);
    }
    this.options = options;
    this.tuning = tuning;
    this.rest = new RestClient(options);
  }

  async listKernelSpecs(signal?: AbortSignal): Promise<KernelSpecList> {
    const res = await this.rest.request('GET', 'api/kernelspecs', signal ? { signal } : {});
    if (res.status !== 200) throw this.rest.unexpected('GET', 'api/kernelspecs', res);
    return parseKernelSpecs(res.data, this.rest.displayUrl);
  }

  async startKernel(options: StartKernelOptions): Promise<KernelConnection> {
    if (this.disposed) throw new UsageError('this remote gateway was disposed: create a new one');
    const kernelName = options.kernelName;
    if (typeof kernelName !== 'string' || !kernelName) throw new UsageError('startKernel needs a kernelName (e.g. python3)');
    const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new UsageError(`startTimeoutMs must be a positive number of milliseconds (got ${String(options.startTimeoutMs)})`);
    }
    const controller = new AbortController();
    const timer = setLongTimeout(() => controller.abort(new KernelStartTimeoutError(kernelName, timeoutMs)), timeoutMs);
    const onCancel = (): void => controller.abort(new CancelledError(`start of kernel '${kernelName}' cancelled`, undefined, { cause: options.signal?.reason }));
    if (options.signal?.aborted) onCancel();
    options.signal?.addEventListener('abort', onCancel, { once: true });
    const signal = controller.signal;
    let kernelId: string | undefined;
    try {
      const specs = this.listKernelSpecs(signal);
      specs.catch(() => undefined);
      const started = await this.postUnlessAborted(kernelName, options, timeoutMs, signal, specs);
      kernelId = started.id;
      const id = kernelId;
      const conn = await RemoteKernelConnection.open(
        { rest: this.rest, id, kernelName, tuning: this.tuning, onClosed: (c) => this.kernels.delete(c) },
        signal,
      );
      this.kernels.add(conn);
      const list = await specs.catch(() => undefined);
      // The server may have started another name than asked (jupyter_client turns `python` into `python3`).
      const spec = list?.specs.find((s) => s.name === started.name) ?? list?.specs.find((s) => s.name === kernelName);
      conn.spec = spec ?? { name: kernelName, displayName: kernelName, language: conn.info?.language_info?.name ?? '' };
      return conn;
    } catch (err) {
      if (kernelId) await this.deleteQuietly(kernelId);
      if (signal.aborted) throw toStartAbortError(signal.reason, kernelName);
      throw err;
    } finally {
      timer.clear();
      options.signal?.removeEventListener('abort', onCancel);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const open = [...this.kernels];
    // Bounded: a silent or frozen gateway must not hold the caller (a start request it never
    // answers, a DELETE it never acknowledges); what is still pending is aborted by close().
    let timer: NodeJS.Timeout | undefined;
    // A kernel whose DELETE already went unanswered is not asked again: a frozen gateway
    // would hold the caller (a cell timeout, a SIGTERM) for a second request timeout.
    const asking = open.filter((k) => !k.shutdownUnanswered);
    await Promise.race([
      Promise.allSettled([...asking.map((k) => k.shutdown()), ...this.cleanups]),
      new Promise((resolve) => (timer = setTimeout(resolve, DISPOSE_GRACE_MS))),
    ]);
    clearTimeout(timer);
    for (const kernel of open) kernel.abandon();
    this.kernels.clear();
    await this.rest.close();
  }

  /**
   * The start request is not aborted with the start: the server would start the kernel
   * anyway and we would never learn its id. It runs on, and the kernel is deleted when
   * the answer comes (dispose() waits for that).
   */
  private postUnlessAborted(
    kernelName: string,
    options: StartKernelOptions,
    timeoutMs: number,
    signal: AbortSignal,
    specs: Promise<KernelSpecList>,
  ): Promise<StartedKernel> {
    const post = this.postKernel(kernelName, options, timeoutMs, specs);
    return new Promise<StartedKernel>((resolve, reject) => {
      const onAbort = (): void => {
        const cleanup = post.then((started) => this.deleteQuietly(started.id), () => undefined);
        this.cleanups.add(cleanup);
        void cleanup.finally(() => this.cleanups.delete(cleanup));
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      post.then(
        (started) => {
          signal.removeEventListener('abort', onAbort);
          resolve(started);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  /**
   * POST /api/kernels with `{ name, env, path? }`; resolves with the new kernel's id and the
   * name the server started. `python` is the native Python kernel, as in jupyter_client:
   * a server that does not know that name but has `python3` is asked for `python3`.
   */
  private async postKernel(
    kernelName: string,
    options: StartKernelOptions,
    timeoutMs: number,
    specs: Promise<KernelSpecList>,
  ): Promise<StartedKernel> {
    const env = buildKernelEnv(process.env, this.options.kernelEnv, options.env);
    // Enterprise Gateway bounds its own launch wait by KERNEL_LAUNCH_TIMEOUT (seconds).
    env.KERNEL_LAUNCH_TIMEOUT ??= String(Math.ceil(timeoutMs / 1000));
    const body: Record<string, unknown> = { name: kernelName, env };
    // A local absolute folder means nothing on a remote server; a relative one is a server path.
    if (options.cwd && !isAbsolute(options.cwd)) body.path = options.cwd;
    const res = await this.rest.request('POST', 'api/kernels', { body });
    if (res.status === 200 || res.status === 201) {
      const data = res.data as { id?: unknown; name?: unknown } | undefined;
      const id = data?.id;
      if (typeof id !== 'string' || !id) {
        throw new GatewayError('E_GATEWAY', `the gateway at ${this.rest.displayUrl} answered POST /api/kernels without a kernel id`, res.status);
      }
      return { id, name: typeof data?.name === 'string' && data.name ? data.name : kernelName };
    }
    if (res.status === 404 || res.status === 500 || res.status === 400) {
      const list = await specs.catch(() => undefined);
      const names = (list?.specs ?? []).map((s) => s.name).sort();
      // Servers word it differently (Jupyter Server hides it in a 500 traceback): the list decides too.
      const unknown = res.mentions(/no ?such ?kernel|kernel ?spec.*not found|NoSuchKernel/i) || (list !== undefined && !names.includes(kernelName));
      if (unknown && kernelName.toLowerCase() === 'python' && names.includes(NATIVE_KERNEL_NAME)) {
        return this.postKernel(NATIVE_KERNEL_NAME, options, timeoutMs, specs);
      }
      if (unknown) throw new KernelNotFoundError(kernelName, names);
    }
    throw this.rest.unexpected('POST', 'api/kernels', res);
  }

  private async deleteQuietly(id: string): Promise<void> {
    // Best effort: a kernel we gave up on must not keep running on the gateway.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), CONTROL_REQUEST_TIMEOUT_MS);
    try {
      await this.rest.request('DELETE', `api/kernels/${encodeURIComponent(id)}`, { signal: controller.signal });
    } catch {
      /* the start error is what the caller needs to see */
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Checks the JSON of GET /api/kernelspecs (`{ default, kernelspecs: { name: { name, spec, resources } } }`). */
function parseKernelSpecs(data: unknown, where: string): KernelSpecList {
  const bad = (why: string): GatewayError =>
    new GatewayError('E_GATEWAY', `the gateway at ${where} answered GET /api/kernelspecs with ${why}`);
  if (!data || typeof data !== 'object') throw bad('no JSON object');
  const { default: def, kernelspecs } = data as { default?: unknown; kernelspecs?: unknown };
  if (!kernelspecs || typeof kernelspecs !== 'object') throw bad("no 'kernelspecs' object");
  const specs: KernelSpecInfo[] = [];
  for (const [key, value] of Object.entries(kernelspecs as Record<string, unknown>)) {
    const entry = (value ?? {}) as { name?: unknown; spec?: Record<string, unknown> };
    const spec = entry.spec;
    if (!spec || typeof spec !== 'object') continue; // one broken kernelspec must not hide the others
    const info: KernelSpecInfo = {
      name: typeof entry.name === 'string' ? entry.name : key,
      displayName: typeof spec.display_name === 'string' ? spec.display_name : key,
      language: typeof spec.language === 'string' ? spec.language : '',
    };
    if (Array.isArray(spec.argv)) info.argv = spec.argv.map(String);
    if (spec.env && typeof spec.env === 'object') info.env = spec.env as Record<string, string>;
    if (spec.interrupt_mode === 'signal' || spec.interrupt_mode === 'message') info.interruptMode = spec.interrupt_mode;
    if (spec.metadata && typeof spec.metadata === 'object') info.metadata = spec.metadata as Record<string, unknown>;
    specs.push(info);
  }
  specs.sort((a, b) => a.name.localeCompare(b.name));
  const list: KernelSpecList = { specs };
  if (typeof def === 'string' && def) list.default = def;
  return list;
}

function osUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    // Containers may run as a uid without a passwd entry.
    return process.env.USER ?? process.env.LOGNAME ?? undefined;
  }
}
