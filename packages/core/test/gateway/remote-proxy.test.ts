/**
 * The remote gateway behind a loopback proxy that records and disturbs the traffic:
 * custom headers on every request and the WebSocket upgrade, a gateway that refuses to
 * list kernels, WebSocket drops mid-cell (no output lost), the pong cure against the
 * Nagle/delayed-ACK stall, and `KERNEL_*` variables in the start request.
 */
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { executeByHand } from '../../../../test/helpers/execute-by-hand.js';
import { startGatewayProxy, type GatewayProxy } from '../../../../test/helpers/gateway-proxy.js';
import { startJupyterServer, type JupyterServerHandle } from '../../../../test/setup/jupyter-server.js';
import { createMessage } from '../../src/gateway/messages.js';
import { buildKernelEnv, createRemoteGateway } from '../../src/gateway/remote/gateway.js';
import type { Gateway, GatewayNotice, KernelConnection } from '../../src/gateway/types.js';

const url = inject('jupyterUrl');
const token = inject('jupyterToken');

describe('remote gateway behind a proxy', () => {
  let proxy: GatewayProxy;
  const gateways: Gateway[] = [];
  const open = (options: Partial<Parameters<typeof createRemoteGateway>[0]> = {}, tuning = {}): Gateway => {
    const g = createRemoteGateway({ url: proxy.url, token, ...options }, tuning);
    gateways.push(g);
    return g;
  };
  beforeAll(async () => {
    proxy = await startGatewayProxy({ target: url, forbidKernelList: true });
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.dispose()));
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('sends the token and custom headers on every request and on the WebSocket upgrade, never listing kernels', async () => {
    const gateway = open({ headers: { 'X-Nbrun-Test': 'header-reaches-server' } });
    const before = { requests: proxy.requests.length, upgrades: proxy.upgrades.length };
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    await executeByHand(kernel, 'pass');
    await kernel.interrupt();
    await kernel.shutdown();
    const requests = proxy.requests.slice(before.requests);
    const upgrades = proxy.upgrades.slice(before.upgrades);
    expect(requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual(
      expect.arrayContaining(['GET /api/kernelspecs', 'POST /api/kernels', `POST /api/kernels/${kernel.id}/interrupt`, `DELETE /api/kernels/${kernel.id}`]),
    );
    expect(upgrades).toHaveLength(1);
    for (const r of [...requests, ...upgrades]) {
      expect(r.headers['x-nbrun-test']).toBe('header-reaches-server');
      expect(r.headers.authorization).toBe(`token ${token}`);
      expect(r.url).not.toContain(token);
    }
    // The proxy answers 403 to GET /api/kernels (list_kernels disabled): it must never be needed.
    expect(requests.filter((r) => r.method === 'GET' && /^\/api\/kernels\/?(\?|$)/.test(r.url))).toEqual([]);
  });

  it("asks for python3 when a server does not know `python` (jupyter_client's alias for the native kernel)", async () => {
    const local = await startGatewayProxy({ target: url, refuseKernelNames: ['python'] });
    const gateway = createRemoteGateway({ url: local.url, token });
    try {
      const kernel = await gateway.startKernel({ kernelName: 'python' });
      expect(kernel.spec.name).toBe('python3');
      expect(kernel.spec.language).toBe('python');
      await executeByHand(kernel, 'pass');
      await kernel.shutdown();
      const posts = local.requests.filter((r) => r.method === 'POST' && r.url.split('?')[0] === '/api/kernels');
      expect(posts.map((r) => (JSON.parse(r.body!) as { name: string }).name)).toEqual(['python', 'python3']);
      expect(posts.map((r) => r.response?.status)).toEqual([404, 201]);
    } finally {
      await gateway.dispose();
      await local.close();
    }
  });

  it.each([
    { protocol: 'v1.kernel.websocket.jupyter.org', hideSubprotocol: false },
    { protocol: '', hideSubprotocol: true },
  ])('a WebSocket dropped mid-cell reconnects with the same session and loses no output (protocol "$protocol")', async ({ protocol, hideSubprotocol }) => {
    const local = await startGatewayProxy({ target: url, hideSubprotocol });
    const gateway = createRemoteGateway({ url: local.url, token });
    try {
      const kernel = await gateway.startKernel({ kernelName: 'python3' });
      expect((kernel as KernelConnection & { wireProtocol: string }).wireProtocol).toBe(protocol);
      const notices: GatewayNotice[] = [];
      kernel.onNotice((n) => notices.push(n));
      // One write per line: print() writes the newline separately, and a message the server
      // had already handed to the dropped socket cannot be replayed by anyone.
      const dropped = local.dropWebSocketsAfter('n=05');
      const run = executeByHand(kernel, 'import sys, time\nfor i in range(1, 21):\n    sys.stdout.write(f"n={i:02d}\\n"); sys.stdout.flush()\n    time.sleep(0.1)');
      await dropped;
      const result = await run;
      const expected = Array.from({ length: 20 }, (_, i) => `n=${String(i + 1).padStart(2, '0')}\n`).join('');
      expect(result.streams.stdout).toBe(expected);
      expect((result.reply.content as { status: string }).status).toBe('ok');
      expect(notices.map((n) => n.code)).toEqual(['reconnect']);
      expect(notices[0]!.message).not.toContain(token);
      // Without the subprotocol the first connect tries v1 once, then stays on legacy JSON.
      expect(local.upgrades).toHaveLength(hideSubprotocol ? 3 : 2);
      const accepted = local.upgrades.slice(hideSubprotocol ? 1 : 0);
      const sessions = new Set(accepted.map((u) => new URL(u.url, 'http://x').searchParams.get('session_id')));
      expect([...sessions]).toEqual([kernel.session]);
      expect(kernel.isDead).toBe(false);
      await kernel.shutdown();
    } finally {
      await gateway.dispose();
      await local.close();
    }
  });

  it.each([
    { ackEveryFrame: true, pongs: 'one per received frame' },
    { ackEveryFrame: false, pongs: 'none' },
  ])('with ackEveryFrame=$ackEveryFrame the client sends $pongs (the Nagle-stall cure)', async ({ ackEveryFrame }) => {
    const local = await startGatewayProxy({ target: url });
    const gateway = createRemoteGateway({ url: local.url, token }, { ackEveryFrame });
    try {
      const kernel = await gateway.startKernel({ kernelName: 'python3' });
      for (let i = 0; i < 5; i++) await executeByHand(kernel, `${i} + 1`);
      await kernel.shutdown();
      const dataFrames = (local.frames.toClient.get(1) ?? 0) + (local.frames.toClient.get(2) ?? 0);
      const pongs = local.frames.toServer.get(10) ?? 0;
      expect(dataFrames).toBeGreaterThan(20);
      if (ackEveryFrame) expect(pongs).toBe(dataFrames);
      else expect(pongs).toBe(0);
    } finally {
      await gateway.dispose();
      await local.close();
    }
  });

  it('restart() after the server restarted a crashed kernel adopts that kernel (no restart racing the server\'s own) and hears its output again, three lives in a row', async () => {
    const gateway = open();
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    try {
      for (let life = 1; life <= 3; life++) {
        const died = new Promise<string>((resolve) => {
          const off = kernel.onDeath((d) => {
            off();
            resolve(d.reason);
          });
        });
        kernel.send(createMessage('shell', 'execute_request', { code: 'import os\nos._exit(3)', silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, kernel.session));
        // Jupyter Server's restarter brings the kernel back itself and says `restarting`.
        expect(await died).toMatch(/the gateway restarted it/);
        const seen = proxy.requests.length;
        await kernel.restart();
        // A POST .../restart now would race the server's own restart: jupyter_client 7 can then
        // lose track of the kernel process, and a later death would never be noticed.
        expect(proxy.requests.slice(seen).map((r) => `${r.method} ${r.url.split('?')[0]}`)).not.toContain(`POST /api/kernels/${kernel.id}/restart`);
        // Output and idle arrive on iopub (a socket restored with channels bound to the old ports hears nothing there).
        const { streams } = await executeByHand(kernel, `print('life ${life}')`);
        expect(streams.stdout).toBe(`life ${life}\n`);
      }
    } finally {
      await kernel.shutdown();
    }
  });
});

describe('remote gateway: KERNEL_* variables', () => {
  let server: JupyterServerHandle;
  let proxy: GatewayProxy;
  const saved = process.env.KERNEL_NBRUN_FROM_PROCESS;
  beforeAll(async () => {
    // A Jupyter Server that honours the start request's `env` as Kernel/Enterprise Gateway do.
    const config = fileURLToPath(new URL('../../../../test/helpers/kernel_env_server_config.py', import.meta.url));
    server = await startJupyterServer({ extraArgs: [`--config=${config}`] });
    proxy = await startGatewayProxy({ target: server.url });
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.KERNEL_NBRUN_FROM_PROCESS;
    else process.env.KERNEL_NBRUN_FROM_PROCESS = saved;
    await proxy?.close();
    await server?.stop();
  });

  it('forwards KERNEL_* from the environment, kernelEnv and the start env, with KERNEL_USERNAME defaulting to the OS user', async () => {
    process.env.KERNEL_NBRUN_FROM_PROCESS = 'from-process';
    process.env.NBRUN_NOT_FORWARDED = 'secret-ish';
    const gateway = createRemoteGateway({ url: proxy.url, token: server.token, kernelEnv: { KERNEL_NBRUN_FROM_OPTION: 'from-option' } });
    try {
      const kernel = await gateway.startKernel({ kernelName: 'python3', env: { KERNEL_NBRUN_FROM_RUN: 'from-run' }, startTimeoutMs: 45_000 });
      const post = proxy.requests.find((r) => r.method === 'POST' && r.url.startsWith('/api/kernels'));
      const body = JSON.parse(post!.body!) as { name: string; env: Record<string, string> };
      expect(body.name).toBe('python3');
      expect(body.env).toMatchObject({
        KERNEL_NBRUN_FROM_PROCESS: 'from-process',
        KERNEL_NBRUN_FROM_OPTION: 'from-option',
        KERNEL_NBRUN_FROM_RUN: 'from-run',
        KERNEL_USERNAME: userInfo().username,
        KERNEL_LAUNCH_TIMEOUT: '45',
      });
      expect(body.env).not.toHaveProperty('NBRUN_NOT_FORWARDED');
      const run = await executeByHand(
        kernel,
        'import os\nprint(os.environ.get("KERNEL_NBRUN_FROM_PROCESS"), os.environ.get("KERNEL_NBRUN_FROM_OPTION"), os.environ.get("KERNEL_NBRUN_FROM_RUN"), os.environ.get("KERNEL_USERNAME"))',
      );
      expect(run.streams.stdout).toBe(`from-process from-option from-run ${userInfo().username}\n`);
      await kernel.shutdown();
    } finally {
      delete process.env.NBRUN_NOT_FORWARDED;
      await gateway.dispose();
    }
  });

  it.each<{ name: string; processEnv: NodeJS.ProcessEnv; kernelEnv: Record<string, string>; runEnv: Record<string, string>; expected: Record<string, string> }>([
    { name: 'later sources win', processEnv: { KERNEL_A: 'p' }, kernelEnv: { KERNEL_A: 'o' }, runEnv: { KERNEL_A: 'r' }, expected: { KERNEL_A: 'r' } },
    { name: 'an explicit KERNEL_USERNAME is kept', processEnv: { KERNEL_USERNAME: 'alice' }, kernelEnv: {}, runEnv: {}, expected: { KERNEL_USERNAME: 'alice' } },
    { name: 'only KERNEL_* leave the process', processEnv: { HOME: '/root', KERNEL_X: '1' }, kernelEnv: {}, runEnv: {}, expected: { KERNEL_X: '1' } },
  ])('buildKernelEnv: $name', ({ processEnv, kernelEnv, runEnv, expected }) => {
    const env = buildKernelEnv(processEnv, kernelEnv, runEnv);
    expect(env).toMatchObject(expected);
    expect(Object.keys(env).every((k) => k.startsWith('KERNEL_'))).toBe(true);
    expect(env.KERNEL_USERNAME).toBeTruthy();
  });

});
