/** StandbyGateway: the kernel started ahead goes to the first start asking for the same kernel, folder and environment. */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KernelConnection } from '@nbrun/core';
import { createMessage } from '@nbrun/core/kernel';
import { StandbyGateway } from '../src/standby.js';

const gateways: StandbyGateway[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.dispose()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', NBRUN_RUN_ID: 'r1', B: '2' };

/** A standby in a folder of its own, and the pid of the kernel it started ahead. */
async function standby(): Promise<{ gw: StandbyGateway; cwd: string; aheadPid: number }> {
  const cwd = mkdtempSync(join(tmpdir(), 'nbrun-standby-'));
  dirs.push(cwd);
  const gw = new StandbyGateway({ kernelName: 'python3', cwd, env: ENV, startTimeoutMs: 60_000 }, process.env);
  gateways.push(gw);
  return { gw, cwd, aheadPid: await kernelProcessIn(cwd) };
}

/** The pid of the (only) ipykernel process whose working directory is `cwd`. */
async function kernelProcessIn(cwd: string): Promise<number> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readlinkSync(`/proc/${pid}/cwd`) === cwd && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ipykernel')) return Number(pid);
      } catch {
        // gone, or not ours to read
      }
    }
  }
  throw new Error(`no kernel started in ${cwd}`);
}

/** Runs `code` in the kernel and returns what it printed. */
function run(kernel: KernelConnection, code: string): Promise<string> {
  return new Promise((resolvePromise) => {
    const request = createMessage('shell', 'execute_request', { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true }, kernel.session);
    let out = '';
    const off = kernel.onMessage((msg: unknown) => {
      const m = msg as unknown as { header: { msg_type: string }; parent_header: { msg_id?: string }; content: { text?: string; execution_state?: string } };
      if (m.parent_header.msg_id !== request.header.msg_id) return;
      if (m.header.msg_type === 'stream') out += m.content.text ?? '';
      if (m.header.msg_type === 'status' && m.content.execution_state === 'idle') {
        off();
        resolvePromise(out.trim());
      }
    });
    kernel.send(request);
  });
}

const pidOf = async (k: KernelConnection) => Number(await run(k, 'import os; print(os.getpid())'));

describe('StandbyGateway', () => {
  it('hands the kernel started ahead to the first start with the same environment, in any order', async () => {
    const { gw, cwd, aheadPid } = await standby();
    const reordered = { B: '2', NBRUN_RUN_ID: 'r1', PATH: ENV.PATH };
    const first = await gw.startKernel({ kernelName: 'python3', cwd, env: reordered });
    expect(await pidOf(first)).toBe(aheadPid);
    const second = await gw.startKernel({ kernelName: 'python3', cwd, env: reordered });
    expect(await pidOf(second)).not.toBe(aheadPid);
  }, 180_000);

  it('starts a new kernel when one value differs or a variable is missing', async () => {
    const { B: _b, ...withoutB } = ENV;
    for (const env of [{ ...ENV, B: '3' }, withoutB] as Record<string, string>[]) {
      const { gw, cwd, aheadPid } = await standby();
      const kernel = await gw.startKernel({ kernelName: 'python3', cwd, env });
      expect(await pidOf(kernel)).not.toBe(aheadPid);
      expect(await run(kernel, "import os; print(os.environ.get('B', 'unset'))")).toBe(env.B ?? 'unset');
    }
  }, 180_000);
});
