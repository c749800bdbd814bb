/**
 * Per-cell latency of the remote gateway when each trivial cell waits for the previous
 * one (execute_reply + idle), with and without the pong cure against the Nagle /
 * delayed-ACK stall, on both WebSocket protocols. Starts its own Jupyter Server.
 *
 *   node --import tsx bench/remote-nagle.ts [cells=200]
 */
import { startJupyterServer } from '../test/setup/jupyter-server.js';
import { executeByHand } from '../test/helpers/execute-by-hand.js';
import { createRemoteGateway } from '../packages/core/src/gateway/remote/gateway.js';

const cells = Number(process.argv[2] ?? 200);
const server = await startJupyterServer();
const rows: string[] = [];
try {
  for (const offerV1Protocol of [true, false]) {
    for (const ackEveryFrame of [true, false]) {
      const gateway = createRemoteGateway({ url: server.url, token: server.token }, { ackEveryFrame, offerV1Protocol });
      const kernel = await gateway.startKernel({ kernelName: 'python3' });
      for (let i = 0; i < 10; i++) await executeByHand(kernel, 'pass'); // warm-up
      const times: number[] = [];
      const started = performance.now();
      for (let i = 0; i < cells; i++) {
        const t = performance.now();
        await executeByHand(kernel, `x = ${i}`);
        times.push(performance.now() - t);
      }
      const total = performance.now() - started;
      await gateway.dispose();
      times.sort((a, b) => a - b);
      const pick = (q: number): string => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
      rows.push(
        `| ${offerV1Protocol ? 'v1 binary' : 'legacy JSON'} | ${ackEveryFrame ? 'on' : 'off'} | ${(total / cells).toFixed(1)} | ${pick(0.5)} | ${pick(0.95)} | ${(total / 1000).toFixed(2)} |`,
      );
    }
  }
} finally {
  await server.stop();
}
console.log(`${cells} trivial cells, one at a time, Jupyter Server ${'1.23'} on loopback\n`);
console.log('| protocol | pong cure | mean ms/cell | median | p95 | total s |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
