/**
 * The remote gateway against the real Jupyter Server of the global setup: kernels start,
 * answer kernel_info, execute by hand, interrupt, restart, die and shut down; errors map
 * to their codes and never carry the token.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../../test/setup/jupyter-server.js';
import { executeByHand } from '../../../../test/helpers/execute-by-hand.js';
import { startGatewayProxy, type GatewayProxy } from '../../../../test/helpers/gateway-proxy.js';
import {
  CancelledError, GatewayError, KernelDiedError, KernelNotFoundError, KernelStartTimeoutError, NbrunError,
} from '../../src/errors.js';
import { createRemoteGateway } from '../../src/gateway/remote/gateway.js';
import { createMessage } from '../../src/gateway/messages.js';
import type { Gateway, GatewayNotice, KernelConnection, KernelDeath } from '../../src/gateway/types.js';
import type { JupyterMessage } from '../../src/gateway/messages.js';

const url = inject('jupyterUrl');
const token = inject('jupyterToken');

/** Asks the server directly (not through the gateway) whether a kernel still exists. */
async function kernelStatus(id: string): Promise<number> {
  const res = await fetch(`${url}/api/kernels/${id}`, { headers: { Authorization: `token ${token}` } });
  await res.body?.cancel();
  return res.status;
}

function waitForDeath(kernel: KernelConnection, limitMs: number): Promise<KernelDeath> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no death reported within ${limitMs} ms`)), limitMs);
    kernel.onDeath((d) => {
      clearTimeout(timer);
      resolve(d);
    });
  });
}

async function caught(p: Promise<unknown>): Promise<NbrunError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NbrunError);
    return err as NbrunError;
  }
  throw new Error('expected a rejection');
}

describe('remote gateway: kernels', () => {
  let gateway: Gateway;
  beforeAll(() => {
    gateway = createRemoteGateway({ url, token });
  });
  afterAll(async () => {
    await gateway.dispose();
  });

  it('lists the server kernelspecs with their languages', async () => {
    const list = await gateway.listKernelSpecs();
    const byName = new Map(list.specs.map((s) => [s.name, s]));
    expect(byName.get('python3')?.language).toBe('python');
    expect(byName.get('ir')?.language).toBe('R');
    expect(list.default).toBe('python3');
  });

  it.each([
    { kernelName: 'python3', language: 'python', code: 'print("hello from python")', out: 'hello from python\n' },
    { kernelName: 'ir', language: 'R', code: 'cat("hello from R\\n")', out: 'hello from R\n' },
  ])('starts $kernelName, has its kernel_info, executes by hand and shuts down', async ({ kernelName, language, code, out }) => {
    const kernel = await gateway.startKernel({ kernelName });
    try {
      expect(kernel.kernelName).toBe(kernelName);
      expect(kernel.info.language_info.name).toBe(language);
      expect(kernel.info.protocol_version).toMatch(/^5\./);
      expect(kernel.spec.name).toBe(kernelName);
      expect(kernel.spec.language).toBe(language);
      const run = await executeByHand(kernel, code);
      expect(run.streams.stdout).toBe(out);
      expect((run.reply.content as { status: string }).status).toBe('ok');
      expect(run.reply.channel).toBe('shell');
      const types = run.messages.map((m) => m.header.msg_type);
      expect(types).toContain('stream');
      expect(types.at(-1) === 'status' || types.at(-1) === 'execute_reply').toBe(true);
      for (const m of run.messages) expect(m.parent_header.msg_id).toBe(run.request.header.msg_id);
    } finally {
      await kernel.shutdown();
    }
    expect(await kernelStatus(kernel.id)).toBe(404);
    expect(kernel.isDead).toBe(true);
  });

  it('shutdown is idempotent and does not report a death', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    const deaths: KernelDeath[] = [];
    kernel.onDeath((d) => deaths.push(d));
    await Promise.all([kernel.shutdown(), kernel.shutdown()]);
    await kernel.shutdown();
    expect(await kernelStatus(kernel.id)).toBe(404);
    expect(deaths).toEqual([]);
    expect(() => kernel.send(executeRequestLike(kernel))).toThrow(KernelDiedError);
  });

  it('interrupting time.sleep(30) ends the cell with KeyboardInterrupt', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    try {
      const started = new Promise<void>((resolve) => {
        const stop = kernel.onMessage((m) => {
          if (m.header.msg_type === 'stream' && (m.content as { text: string }).text.includes('sleeping')) {
            stop();
            resolve();
          }
        });
      });
      const run = executeByHand(kernel, 'import time\nprint("sleeping", flush=True)\ntime.sleep(30)');
      await started;
      await kernel.interrupt();
      const result = await run;
      const reply = result.reply.content as { status: string; ename?: string };
      expect(reply.status).toBe('error');
      expect(reply.ename).toBe('KeyboardInterrupt');
      expect(result.messages.some((m) => m.header.msg_type === 'error')).toBe(true);
    } finally {
      await kernel.shutdown();
    }
  });

  it('restart resolves with a fresh kernel that answers kernel_info', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    const deaths: KernelDeath[] = [];
    kernel.onDeath((d) => deaths.push(d));
    try {
      await executeByHand(kernel, 'remembered = 42');
      await kernel.restart();
      expect(kernel.info.language_info.name).toBe('python');
      const after = await executeByHand(kernel, 'print("remembered" in globals())');
      expect(after.streams.stdout).toBe('False\n');
      expect(deaths).toEqual([]);
    } finally {
      await kernel.shutdown();
    }
  });

  it('a kernel that kills itself is reported dead within seconds', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    try {
      const death = waitForDeath(kernel, 20_000);
      kernel.send(executeRequestLike(kernel, 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)'));
      const d = await death;
      expect(d.reason).toMatch(/died/);
      expect(kernel.isDead).toBe(true);
      await expect(kernel.interrupt()).resolves.toBeUndefined(); // the contract: nothing left to interrupt
    } finally {
      await kernel.shutdown();
    }
    expect(await kernelStatus(kernel.id)).toBe(404);
  });

  it('a kernel shut down by someone else is reported dead', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    const death = waitForDeath(kernel, 20_000);
    const res = await fetch(`${url}/api/kernels/${kernel.id}`, { method: 'DELETE', headers: { Authorization: `token ${token}` } });
    expect(res.status).toBe(204);
    expect((await death).reason).toMatch(/no longer exists|dead/);
    await kernel.shutdown(); // 404 is fine
  });

  it('sends on the control and stdin channels and delivers their replies', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    try {
      const control = createMessage('control', 'kernel_info_request', {}, kernel.session);
      const controlReply = new Promise<JupyterMessage>((resolve) => {
        kernel.onMessage((m) => {
          if (m.parent_header.msg_id === control.header.msg_id && m.header.msg_type === 'kernel_info_reply') resolve(m);
        });
      });
      kernel.send(control);
      expect((await controlReply).channel).toBe('control');

      const request = createMessage(
        'shell',
        'execute_request',
        { code: 'print("got", input("name? "))', silent: false, store_history: false, user_expressions: {}, allow_stdin: true, stop_on_error: true },
        kernel.session,
      );
      let inputChannel = '';
      const printed = new Promise<string>((resolve) => {
        kernel.onMessage((m) => {
          if (m.header.msg_type === 'input_request' && m.parent_header.msg_id === request.header.msg_id) {
            inputChannel = m.channel;
            kernel.send(createMessage('stdin', 'input_reply', { value: 'ada' }, kernel.session, { parent: m.header }));
          }
          if (m.header.msg_type === 'stream' && m.parent_header.msg_id === request.header.msg_id) resolve((m.content as { text: string }).text);
        });
      });
      kernel.send(request);
      expect(await printed).toBe('got ada\n');
      expect(inputChannel).toBe('stdin');
    } finally {
      await kernel.shutdown();
    }
  });

  it('dispose() shuts down the kernels the gateway started and not yet shut down', async () => {
    const own = createRemoteGateway({ url, token });
    const kept = await own.startKernel({ kernelName: 'python3' });
    const closed = await own.startKernel({ kernelName: 'python3' });
    await closed.shutdown();
    await own.dispose();
    expect(await kernelStatus(kept.id)).toBe(404);
    expect(kept.isDead).toBe(true);
  });

  it('reports output dropped by the server IOPub data rate limit as a rate-limit notice', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    const notices: GatewayNotice[] = [];
    kernel.onNotice((n) => notices.push(n));
    try {
      const run = await executeByHand(kernel, 'print("x" * 3_000_000)');
      expect(run.streams.stderr).toContain('IOPub data rate exceeded');
      expect(notices.filter((n) => n.code === 'rate-limit')).toHaveLength(1);
      expect(notices[0]!.message).toContain('iopub_data_rate_limit');
    } finally {
      await kernel.shutdown();
    }
  });
});

describe('remote gateway: errors', () => {
  it.each([
    { what: 'listKernelSpecs', call: (g: Gateway) => g.listKernelSpecs() },
    { what: 'startKernel', call: (g: Gateway) => g.startKernel({ kernelName: 'python3' }) },
  ])('a wrong token fails $what with E_GATEWAY_AUTH and never shows the token', async ({ call }) => {
    const wrong = `wrong-${token}`;
    const gateway = createRemoteGateway({ url, token: wrong });
    const err = await caught(call(gateway));
    await gateway.dispose();
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe('E_GATEWAY_AUTH');
    expect(err.message).toContain('check gatewayToken');
    expect(err.hint).toEqual({ option: 'gatewayToken' });
    expect(err.message).not.toContain(token);
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(token);
  });

  it('an unreachable port fails with E_GATEWAY_UNREACHABLE naming the URL', async () => {
    const port = await freePort();
    const gateway = createRemoteGateway({ url: `http://127.0.0.1:${port}`, token });
    const err = await caught(gateway.startKernel({ kernelName: 'python3' }));
    await gateway.dispose();
    expect(err.code).toBe('E_GATEWAY_UNREACHABLE');
    expect(err.message).toContain(`http://127.0.0.1:${port}/`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain(token);
  });

  it('an unknown kernel name fails with KernelNotFoundError listing the server kernelspecs', async () => {
    const gateway = createRemoteGateway({ url, token });
    const err = await caught(gateway.startKernel({ kernelName: 'no-such-kernel' }));
    await gateway.dispose();
    expect(err).toBeInstanceOf(KernelNotFoundError);
    expect((err as KernelNotFoundError).available).toEqual(expect.arrayContaining(['ir', 'python3']));
    expect(err.message).toContain("'no-such-kernel'");
  });

  it.each([
    { bad: 'not a url', pattern: /not a URL/ },
    { bad: 'ftp://127.0.0.1:1', pattern: /http:\/\/ or https:\/\// },
    { bad: `http://127.0.0.1:1/?token=${'s'.repeat(12)}`, pattern: /query/ },
  ])('rejects the gateway url $bad up front', ({ bad, pattern }) => {
    let error: unknown;
    try {
      createRemoteGateway({ url: bad });
    } catch (err) {
      error = err;
    }
    expect((error as NbrunError).code).toBe('E_USAGE');
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain('s'.repeat(12));
  });
});

describe('remote gateway: start that is given up', () => {
  let proxy: GatewayProxy;
  beforeAll(async () => {
    proxy = await startGatewayProxy({ target: url });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('a gateway that stays unreachable after a WebSocket drop means death once the reconnect deadline passes', async () => {
    const local = await startGatewayProxy({ target: url });
    const gateway = createRemoteGateway({ url: local.url, token }, { reconnectTimeoutMs: 1500 });
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    try {
      const death = waitForDeath(kernel, 20_000);
      await local.close(); // drops the WebSocket and refuses every new connection
      expect((await death).reason).toMatch(/could not reconnect within 1\.5 s.*ECONNREFUSED/);
      expect((await death).reason).not.toContain(token);
    } finally {
      const res = await fetch(`${url}/api/kernels/${kernel.id}`, { method: 'DELETE', headers: { Authorization: `token ${token}` } });
      expect(res.status).toBe(204);
      await gateway.dispose();
    }
  });

  it.each([
    { how: 'start timeout', expected: KernelStartTimeoutError, start: (g: Gateway) => g.startKernel({ kernelName: 'python3', startTimeoutMs: 30 }) },
    {
      how: 'AbortSignal',
      expected: CancelledError,
      start: (g: Gateway) => g.startKernel({ kernelName: 'python3', signal: AbortSignal.timeout(30) }),
    },
  ])('a $how rejects at once and the kernel the server started anyway is deleted', async ({ expected, start }) => {
    const gateway = createRemoteGateway({ url: proxy.url, token });
    const before = proxy.requests.length;
    const err = await caught(start(gateway));
    expect(err).toBeInstanceOf(expected);
    await gateway.dispose();
    const post = proxy.requests.slice(before).find((r) => r.method === 'POST' && r.url.startsWith('/api/kernels'));
    expect(post?.response?.status).toBe(201);
    const id = (JSON.parse(post!.response!.body) as { id: string }).id;
    expect(await kernelStatus(id)).toBe(404);
  });
});

function executeRequestLike(kernel: KernelConnection, code = 'pass') {
  const content = { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true };
  return createMessage('shell', 'execute_request', content, kernel.session);
}
