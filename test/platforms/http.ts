/**
 * Small HTTP plumbing shared by the fake platform servers: a loopback server, JSON
 * answers, body reading, recorded requests, injected faults (a 500, a quota error).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake server received, with what its validation found. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: unknown;
  /** Spec violations found in the body (empty when it validated). */
  problems: string[];
  /** True when the body was checked against a spec. */
  validated: boolean;
  status?: number;
}

/** A fault to answer instead of handling a request. */
export interface Fault {
  method: string;
  path: RegExp;
  status: number;
  body: unknown;
  /** How many matching requests get it. */
  times: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, record: RecordedRequest) => Promise<void>;

/** A loopback HTTP server with request recording and fault injection. */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Fault[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly handler: Handler) {}

  async start(): Promise<string> {
    // Idle keep-alive sockets stay open longer than any client keeps them (undici: 4 s). With
    // Node's default 5 s, a socket the server closed for idleness could be the one the
    // client had just picked for its next request — on a busy machine the server's expired
    // timer runs before it reads that request, the client gets "read ECONNRESET", and the
    // request (and the fault meant for it) never reaches the handler.
    this.server = createServer({ keepAliveTimeout: 120_000, headersTimeout: 125_000 }, (req, res) => void this.dispatch(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /**
   * The next `times` requests matching method and path get `status` with `body`, until
   * {@link reset}: a fault belongs to the test that injected it.
   * @example server.inject({ method: 'GET', path: /\/jobs\//, status: 500, body: {}, times: 1 })
   */
  inject(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /**
   * Ends a test: drops its faults, and returns those no request consumed (a test that
   * injected a fault expects it used; left over, it would hit the next test's requests).
   * @example afterEach(() => expect(server.reset(), 'unused faults').toEqual([]))
   */
  reset(): Fault[] {
    const unused = this.faults.filter((f) => f.times > 0).map((f) => ({ ...f }));
    this.faults.length = 0;
    return unused;
  }

  /** Requests whose body was validated against a spec. */
  get validatedRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.validated);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, problems: [], validated: false };
    this.requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const fault = this.faults.find((f) => f.times > 0 && f.method === record.method && f.path.test(url.pathname));
    try {
      if (fault) {
        fault.times--;
        return sendJson(res, fault.status, fault.body);
      }
      await this.handler(req, res, url, record);
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { message: `fake server bug: ${(err as Error).stack}` });
      else res.end();
    }
  }
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The raw request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The request body as JSON, or `undefined` when empty; throws on bad JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  return raw.length ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
}

/** A multipart/form-data body, parsed by the platform's own rules (undici's FormData). */
export async function readMultipart(req: IncomingMessage): Promise<FormData> {
  const raw = await readBody(req);
  return new Request('http://localhost/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: raw }).formData();
}
