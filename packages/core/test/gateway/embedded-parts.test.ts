/**
 * The embedded kernel's parts, each alone (jupyter_client's split): the process
 * (process.ts: launch, stderr, a port taken, exit, kill, a launcher that leaves its kernel
 * running), the channels (channels.ts: real ZeroMQ sockets against a scripted peer) and the
 * heartbeat (heartbeat.ts: a real echo socket that stops answering). Whole kernels:
 * embedded-kernel.test.ts and contract.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Publisher, Router } from 'zeromq';
import { KernelStartError, UsageError } from '../../src/errors.js';
import { KernelChannels } from '../../src/gateway/embedded/channels.js';
import { Heartbeat } from '../../src/gateway/embedded/heartbeat.js';
import type { ConnectionInfo } from '../../src/gateway/embedded/launch.js';
import { isPortClash, KernelProcess } from '../../src/gateway/embedded/process.js';
import { decodeMessage, encodeMessage } from '../../src/gateway/embedded/wire.js';
import { createMessage, type Channel, type JupyterMessage } from '../../src/gateway/messages.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function shProcess(script: string): KernelProcess {
  const proc = new KernelProcess({
    spec: { name: 'sh-kernel', displayName: 'sh', language: 'sh', argv: ['sh', '-c', script] },
    baseEnv: process.env,
    stdio: 'pipe',
  });
  cleanups.push(() => proc.release());
  return proc;
}

/** Launches and resolves with the exit the process tells. */
function exitOf(proc: KernelProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    proc.launch('/nonexistent/connection.json', { onExit: (code, signal) => resolve({ code, signal }), onPortTaken: () => undefined }).catch(reject);
  });
}

describe('KernelProcess', () => {
  it('tells an exit it did not expect, with the code and the stderr tail', async () => {
    const proc = shProcess('echo "Traceback: no module named ipykernel" >&2; exit 3');
    expect(await exitOf(proc)).toEqual({ code: 3, signal: null });
    expect(proc.stderr()).toContain('no module named ipykernel');
    expect(proc.stderrCause()?.kernelStderr).toContain('no module named ipykernel');
    expect(proc.detached).toBe(false);
    expect(proc.isAlive()).toBe(false);
  });

  it('an exit it expects (kill after expectExit) is not told; waitForExit resolves true', async () => {
    const proc = shProcess('sleep 30');
    const exits: unknown[] = [];
    await proc.launch('/x.json', { onExit: (code) => exits.push(code), onPortTaken: () => undefined });
    expect(proc.isAlive()).toBe(true);
    expect(await proc.waitForExit(50)).toBe(false);
    proc.expectExit();
    proc.kill('SIGKILL');
    expect(await proc.waitForExit(10_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exits).toEqual([]);
  });

  it('a port taken under the kernel is told with the stderr line that says so, while the process hangs on', async () => {
    const proc = shProcess('echo "starting"; echo "zmq.error.ZMQError: Address already in use (addr=\'tcp://127.0.0.1:5555\')" >&2; sleep 30');
    const line = await new Promise<string>((resolve, reject) => {
      proc.launch('/x.json', { onExit: () => reject(new Error('exited')), onPortTaken: resolve }).catch(reject);
    });
    expect(line).toBe("zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:5555')");
    expect(proc.isAlive()).toBe(true);
    expect(isPortClash(new KernelStartError(`kernel 'x' could not bind a port: ${line}`))).toBe(true);
    expect(isPortClash(new KernelStartError("kernel 'x' exited with code 1"))).toBe(false);
    proc.release();
    expect(await proc.waitForExit(10_000)).toBe(true);
  });

  it('a launcher that exits 0 leaves its kernel running detached: the process group is watched and killed', async () => {
    const proc = shProcess('sleep 30 & exit 0');
    expect(await exitOf(proc)).toEqual({ code: 0, signal: null });
    expect(proc.detached).toBe(true);
    expect(proc.isAlive()).toBe(true);
    proc.kill('SIGKILL');
    expect(await proc.waitForExit(10_000)).toBe(true);
    expect(proc.isAlive()).toBe(false);
  });

  it('a kernel that cannot be launched fails with a KernelStartError naming its argv[0]', async () => {
    const proc = new KernelProcess({
      spec: { name: 'missing', displayName: 'missing', language: 'x', argv: ['/nonexistent/bin/kernel', '{connection_file}'] },
      baseEnv: process.env,
      stdio: 'pipe',
    });
    await expect(proc.launch('/x.json', { onExit: () => undefined, onPortTaken: () => undefined })).rejects.toThrow(
      /cannot launch kernel 'missing': \/nonexistent\/bin\/kernel: ENOENT/,
    );
  });
});

/** A scripted kernel side: ROUTERs for shell, stdin and control, a PUB for iopub. */
async function kernelSide() {
  const shell = new Router({ linger: 0 });
  const stdin = new Router({ linger: 0 });
  const control = new Router({ linger: 0 });
  const iopub = new Publisher({ linger: 0 });
  const sockets = [shell, stdin, control, iopub];
  for (const socket of sockets) await socket.bind('tcp://127.0.0.1:*');
  cleanups.push(() => sockets.forEach((s) => s.close()));
  const port = (socket: { lastEndpoint: string | null }) => Number((socket.lastEndpoint as string).split(':').pop());
  const conn: ConnectionInfo = {
    transport: 'tcp', ip: '127.0.0.1', shell_port: port(shell), iopub_port: port(iopub), stdin_port: port(stdin),
    control_port: port(control), hb_port: 0, key: 'secret', signature_scheme: 'hmac-sha256', kernel_name: 'scripted',
  };
  return { shell, stdin, control, iopub, conn };
}

describe('KernelChannels', () => {
  const key = Buffer.from('secret', 'latin1');

  it('sends signed messages from the session identity; delivers verified replies and iopub; drops forged ones with one warning', async () => {
    const side = await kernelSide();
    const received: Array<[Channel, string]> = [];
    const warnings: string[] = [];
    let handshakes = 0;
    const channels = new KernelChannels(side.conn, key, 'session-1', 'scripted', {
      onMessage: (msg, channel) => received.push([channel, msg.header.msg_type]),
      onStdinHandshake: () => handshakes++,
      onWarning: (message) => warnings.push(message),
    });
    cleanups.push(() => channels.close());
    const request = createMessage('shell', 'kernel_info_request', {}, 'session-1');
    channels.send(request);
    const [identity, ...frames] = (await side.shell.receive()) as Buffer[];
    expect(identity?.toString()).toBe('session-1');
    const decoded = decodeMessage(frames, 'shell', key);
    expect(decoded.ok && decoded.message.header.msg_id).toBe(request.header.msg_id);

    const reply = { ...createMessage('shell', 'kernel_info_reply', {}, 'k'), parent_header: request.header } as JupyterMessage;
    await side.shell.send([identity as Buffer, ...encodeMessage(reply, key)]);
    await side.shell.send([identity as Buffer, ...encodeMessage(reply, Buffer.from('forged'))]);
    // PUB drops what it sends before the SUB has joined: publish until one arrives.
    const status = createMessage('iopub', 'status', { execution_state: 'idle' }, 'k');
    for (let i = 0; i < 200 && !received.some(([c]) => c === 'iopub'); i++) {
      await side.iopub.send(encodeMessage(status, key));
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(received).toContainEqual(['shell', 'kernel_info_reply']);
    expect(received).toContainEqual(['iopub', 'status']);
    expect(received.filter(([c]) => c === 'shell')).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/^dropped 1 message\(s\) from kernel 'scripted' \(last: .+ on shell\)$/)]);
    expect(channels.stdinMet).toBe(true);
    expect(handshakes).toBe(1);
    expect(() => channels.send(createMessage('iopub', 'stream', {}, 'session-1'))).toThrow(UsageError);
  });
});

describe('Heartbeat', () => {
  it('a probe is answered by an echoing peer; once the peer stops echoing, onMissed is told (after 3 missed beats)', async () => {
    const peer = new Router({ linger: 0 });
    await peer.bind('tcp://127.0.0.1:*');
    cleanups.push(() => peer.close());
    let echo = true;
    void (async () => {
      try {
        for await (const frames of peer) if (echo) await peer.send(frames);
      } catch {
        // closed
      }
    })();
    const hb = new Heartbeat(peer.lastEndpoint as string);
    cleanups.push(() => hb.close());
    expect(await hb.probe(5000)).toBe(true);
    let told = false;
    const missed = new Promise<void>((resolve) =>
      hb.start(() => {
        told = true;
        resolve();
      }),
    );
    // Still answering: not told while the beats come back.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(told).toBe(false);
    echo = false;
    await missed;
  });

  it('a probe nobody answers is false', async () => {
    const peer = new Router({ linger: 0 });
    await peer.bind('tcp://127.0.0.1:*');
    const address = peer.lastEndpoint as string;
    peer.close();
    const hb = new Heartbeat(address);
    cleanups.push(() => hb.close());
    expect(await hb.probe(300)).toBe(false);
  });
});
