/**
 * A loopback HTTP + WebSocket proxy in front of a Jupyter Server, for remote gateway tests:
 * records every request's headers (and start bodies), counts WebSocket frames each way
 * (pongs from the client included), can answer 403 to `GET /api/kernels` (as Enterprise
 * Gateway does with list_kernels disabled), can refuse to start kernels of given names (as
 * a server without jupyter_client's `python` alias does), can hide the v1 subprotocol
 * (forcing legacy JSON), and can drop the WebSocket right after a given text went to the client.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Request body (UTF-8), for requests that have one. */
  body?: string;
  /** The server's answer (HTTP requests only), filled in when it has arrived. */
  response?: { status: number; body: string };
}

export interface GatewayProxyOptions {
  /** Base URL of the real server, e.g. `http://127.0.0.1:8888`. */
  target: string;
  /** Answer GET /api/kernels with 403, like Enterprise Gateway with list_kernels disabled. */
  forbidKernelList?: boolean;
  /** Remove Sec-WebSocket-Protocol from upgrades, so the server speaks legacy JSON. */
  hideSubprotocol?: boolean;
  /** Answer POST /api/kernels for these kernel names with 404 "No such kernel". */
  refuseKernelNames?: string[];
}

export interface GatewayProxy {
  url: string;
  requests: RecordedRequest[];
  upgrades: RecordedRequest[];
  /** WebSocket frames seen so far, by direction and opcode (1 text, 2 binary, 9 ping, 10 pong). */
  frames: { toServer: Map<number, number>; toClient: Map<number, number> };
  /** Resolves once a server→client chunk containing `text` was forwarded and every WebSocket then dropped. */
  dropWebSocketsAfter(text: string): Promise<void>;
  /** Destroys every open WebSocket tunnel now (both sides, no close frame). */
  dropWebSockets(): void;
  close(): Promise<void>;
}

/**
 * Starts the proxy on a random loopback port.
 * @example const proxy = await startGatewayProxy({ target: inject('jupyterUrl') })
 */
export async function startGatewayProxy(options: GatewayProxyOptions): Promise<GatewayProxy> {
  const target = new URL(options.target);
  const targetPort = Number(target.port || 80);
  const requests: RecordedRequest[] = [];
  const upgrades: RecordedRequest[] = [];
  const frames = { toServer: new Map<number, number>(), toClient: new Map<number, number>() };
  const tunnels = new Set<{ client: Socket; server: Socket }>();
  const sockets = new Set<Socket>();
  let dropTrigger: { text: string; resolve: () => void } | undefined;

  const dropAll = (): void => {
    for (const t of tunnels) {
      t.client.destroy();
      t.server.destroy();
    }
    tunnels.clear();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const record: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
      if (body.length) record.body = body.toString('utf8');
      requests.push(record);
      const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
      if (options.forbidKernelList && req.method === 'GET' && path === '/api/kernels') {
        res.writeHead(403, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'Forbidden', reason: 'list_kernels is disabled' }));
        return;
      }
      if (options.refuseKernelNames && req.method === 'POST' && path === '/api/kernels') {
        const name = (JSON.parse(body.toString('utf8') || '{}') as { name?: string }).name ?? '';
        if (options.refuseKernelNames.includes(name)) {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ message: `No such kernel named ${name}`, reason: 'NoSuchKernel' }));
          record.response = { status: 404, body: '' };
          return;
        }
      }
      const upstream = httpRequest(
        { host: target.hostname, port: targetPort, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (up: IncomingMessage) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          const answer: Buffer[] = [];
          up.on('data', (c: Buffer) => answer.push(c));
          up.on('end', () => (record.response = { status: up.statusCode ?? 0, body: Buffer.concat(answer).toString('utf8') }));
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });

  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    upgrades.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    const upstream = connect(targetPort, target.hostname);
    const tunnel = { client, server: upstream };
    tunnels.add(tunnel);
    const forget = (): void => {
      tunnels.delete(tunnel);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget);
    upstream.on('error', forget);
    client.on('close', forget);
    upstream.on('close', forget);
    upstream.on('connect', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        if (options.hideSubprotocol && name.toLowerCase() === 'sec-websocket-protocol') continue;
        lines.push(`${name}: ${name.toLowerCase() === 'host' ? target.host : req.rawHeaders[i + 1]}`);
      }
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      const toServer = countFrames(frames.toServer, false);
      if (head.length) {
        toServer(head);
        upstream.write(head);
      }
      client.on('data', (chunk: Buffer) => {
        toServer(chunk);
        upstream.write(chunk);
      });
      const toClient = countFrames(frames.toClient, true);
      let tail = '';
      upstream.on('data', (chunk: Buffer) => {
        toClient(chunk);
        const text = tail + chunk.toString('latin1');
        tail = text.slice(-256);
        const trigger = dropTrigger;
        if (trigger && text.includes(trigger.text)) {
          dropTrigger = undefined;
          // Cut both sides without a close frame once this chunk has left our socket.
          client.write(chunk, () => {
            dropAll();
            trigger.resolve();
          });
        } else {
          client.write(chunk);
        }
      });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    upgrades,
    frames,
    dropWebSocketsAfter(text: string) {
      return new Promise<void>((resolve) => {
        dropTrigger = { text, resolve };
      });
    },
    dropWebSockets: dropAll,
    async close() {
      dropAll();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A tiny RFC 6455 frame reader that only counts opcodes. Server→client streams start
 * with the HTTP 101 response, which is skipped.
 */
function countFrames(counts: Map<number, number>, skipHttpResponse: boolean): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  let inHeaders = skipHttpResponse;
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    if (inHeaders) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      buf = buf.subarray(end + 4);
      inHeaders = false;
    }
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      const masked = (buf[1]! & 0x80) !== 0;
      let length = buf[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) return;
        length = buf.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length < 10) return;
        length = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (masked) offset += 4;
      if (buf.length < offset + length) return;
      counts.set(opcode, (counts.get(opcode) ?? 0) + 1);
      buf = buf.subarray(offset + length);
    }
  };
}
