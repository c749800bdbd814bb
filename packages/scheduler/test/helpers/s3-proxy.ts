/**
 * A counting HTTP proxy in front of the test's S3 server: what an instance asked of the store
 * (method, path, query, Range header) and how many body bytes came back. Headers pass
 * unchanged, so the client's signature (host included) still verifies behind it.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** The path without the query, decoded (`/bucket/prefix/key`). */
  path: string;
  query: URLSearchParams;
  range?: string;
  status: number;
  /** Body bytes of the answer. */
  bytes: number;
}

export interface S3Proxy {
  endpoint: string;
  /** Every request answered so far, in order. */
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

/**
 * Starts a proxy on loopback forwarding to `upstream` (an `http://host:port` endpoint).
 * @example const proxy = await startS3Proxy(s3.endpoint); env.NBRUN_S3_ENDPOINT = proxy.endpoint;
 */
export async function startS3Proxy(upstream: string): Promise<S3Proxy> {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const out = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        let bytes = 0;
        answer.on('data', (d: Buffer) => (bytes += d.length));
        answer.on('end', () =>
          requests.push({
            method: req.method ?? '', path: decodeURIComponent(url.pathname), query: url.searchParams,
            ...(req.headers.range ? { range: req.headers.range } : {}), status: answer.statusCode ?? 0, bytes,
          }),
        );
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // The store is down: the client sees its connection cut, as without the proxy.
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
