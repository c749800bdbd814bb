/**
 * The KernelConnection contract (gateway/types.ts), one suite run against both gateways:
 * the embedded one (kernels on this machine over ZeroMQ) and the remote one (the real
 * Jupyter Server of the global setup). Listeners, interrupt, restart, death and shutdown
 * must mean the same on each.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { executeByHand } from '../../../../test/helpers/execute-by-hand.js';
import { KernelDiedError } from '../../src/errors.js';
import { createEmbeddedGateway } from '../../src/gateway/embedded/gateway.js';
import { createMessage } from '../../src/gateway/messages.js';
import { createRemoteGateway } from '../../src/gateway/remote/gateway.js';
import type { Gateway, KernelConnection, KernelDeath } from '../../src/gateway/types.js';

const gateways: Array<{ name: string; make: () => Gateway }> = [
  { name: 'embedded', make: () => createEmbeddedGateway() },
  { name: 'remote', make: () => createRemoteGateway({ url: inject('jupyterUrl'), token: inject('jupyterToken') }) },
];

function nextDeath(kernel: KernelConnection, limitMs: number): Promise<KernelDeath> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no death reported within ${limitMs} ms`)), limitMs);
    const off = kernel.onDeath((d) => {
      clearTimeout(timer);
      off();
      resolve(d);
    });
  });
}

/** Sends code without waiting for anything (the kernel is about to die). */
function sendCode(kernel: KernelConnection, code: string): void {
  kernel.send(createMessage('shell', 'execute_request', {
    code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true,
  }, kernel.session));
}

describe.each(gateways)('KernelConnection contract: $name gateway', ({ make }) => {
  const gateway = make();
  afterAll(() => gateway.dispose());

  it('starts answering kernel_info; messages reach listeners until they unsubscribe', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    try {
      expect(kernel.isDead).toBe(false);
      expect(kernel.info.language_info.name).toBe('python');
      expect(kernel.kernelName).toBe('python3');
      let heard = 0;
      const off = kernel.onMessage(() => heard++);
      expect((await executeByHand(kernel, "print('hi')")).streams.stdout).toBe('hi\n');
      expect(heard).toBeGreaterThan(0);
      off();
      const before = heard;
      await executeByHand(kernel, "print('again')");
      expect(heard).toBe(before);
    } finally {
      await kernel.shutdown();
    }
  });

  it('interrupt() stops running code; restart() of a live kernel forgets its state', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    try {
      const sleeping = executeByHand(kernel, 'x = 1\nimport time\ntime.sleep(30)');
      // The interrupt must land inside the sleep, not before the request is read.
      await new Promise((r) => setTimeout(r, 1500));
      await kernel.interrupt();
      expect((await sleeping).reply.content).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
      await kernel.restart();
      expect(kernel.isDead).toBe(false);
      expect((await executeByHand(kernel, 'x')).reply.content).toMatchObject({ status: 'error', ename: 'NameError' });
    } finally {
      await kernel.shutdown();
    }
  });

  it('a dead kernel: death told once, send throws, interrupt does nothing, restart revives it for a new life', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    try {
      const deaths: KernelDeath[] = [];
      kernel.onDeath((d) => deaths.push(d));
      const first = nextDeath(kernel, 30_000);
      sendCode(kernel, 'import os\nos._exit(7)');
      await first;
      expect(kernel.isDead).toBe(true);
      expect(() => sendCode(kernel, '1')).toThrow(KernelDiedError);
      await expect(kernel.interrupt()).resolves.toBeUndefined();

      await kernel.restart();
      expect(kernel.isDead).toBe(false);
      expect((await executeByHand(kernel, "print('back')")).streams.stdout).toBe('back\n');
      expect(deaths).toHaveLength(1);

      const second = nextDeath(kernel, 30_000);
      sendCode(kernel, 'import os\nos._exit(8)');
      await second;
      expect(deaths).toHaveLength(2);
    } finally {
      await kernel.shutdown();
    }
  });

  it('after shutdown(): no death told, send throws, interrupt does nothing, restart refuses; shutdown is idempotent', async () => {
    const kernel = await gateway.startKernel({ kernelName: 'python3' });
    let died = false;
    kernel.onDeath(() => (died = true));
    await Promise.all([kernel.shutdown(), kernel.shutdown()]);
    await kernel.shutdown();
    expect(kernel.isDead).toBe(true);
    expect(died).toBe(false);
    expect(() => sendCode(kernel, '1')).toThrow(KernelDiedError);
    await expect(kernel.interrupt()).resolves.toBeUndefined();
    await expect(kernel.restart()).rejects.toBeInstanceOf(KernelDiedError);
  });
});
