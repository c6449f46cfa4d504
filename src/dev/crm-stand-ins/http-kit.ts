// What the CRM stand-ins share: a loopback HTTP server, a request log and scripted faults (an error status with
// its body and headers, a hang past the client's deadline, a dropped connection), matched by method and path
// and consumed in order. Library code (no test-framework imports) so the bench and the demo can use it.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LoggedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answers (the client's own deadline must fire); the socket is closed when the stand-in stops. */
  | { kind: 'hang' }
  /** Destroys the connection without an answer (ECONNRESET / socket hang up). */
  | { kind: 'reset' };

export interface FaultRule {
  method?: string;
  /** Matches when the path (without query) contains this string, or matches this pattern. */
  path: string | RegExp;
  fault: Fault;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** Let this many matching requests through first (a page that fails halfway through a walk). */
  after?: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Sent as is (CSV); otherwise `body` is JSON-encoded. */
  text?: string;
  headers?: Record<string, string>;
}

export type Route = (req: {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}) => Reply | Promise<Reply>;

export interface HttpStandIn {
  url: string;
  requests: LoggedRequest[];
  /** Adds a scripted fault. */
  fault(rule: FaultRule): void;
  clearFaults(): void;
  /** Requests whose path contains `fragment` (and method, when given). */
  calls(fragment: string | RegExp, method?: string): LoggedRequest[];
  /** Stop logging request bodies (the bench: 100k-record walks). */
  setLogging(on: boolean): void;
  close(): Promise<void>;
}

export async function startHttpStandIn(route: Route, options: { port?: number } = {}): Promise<HttpStandIn> {
  const requests: LoggedRequest[] = [];
  const rules: Array<FaultRule & { seen: number; used: number }> = [];
  const sockets = new Set<Socket>();
  let logging = true;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const entry: LoggedRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: logging ? body : '',
      status: 0,
    };
    if (logging) requests.push(entry);
    for (const rule of rules) {
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      const matches =
        typeof rule.path === 'string' ? url.pathname.includes(rule.path) : rule.path.test(url.pathname);
      if (!matches) continue;
      rule.seen += 1;
      if (rule.seen <= (rule.after ?? 0)) continue;
      if (rule.used >= (rule.times ?? 1)) continue;
      rule.used += 1;
      const f = rule.fault;
      if (f.kind === 'hang') return;
      if (f.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      entry.status = f.status;
      send(res, { status: f.status, body: f.body ?? {}, ...(f.headers ? { headers: f.headers } : {}) });
      return;
    }
    let reply: Reply;
    try {
      reply = await route({
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
    } catch (err) {
      reply = { status: 500, body: { message: `stand-in error: ${(err as Error).message}` } };
    }
    entry.status = reply.status;
    send(res, reply);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fault(rule) {
      rules.push({ ...rule, seen: 0, used: 0 });
    },
    clearFaults() {
      rules.length = 0;
    },
    calls(fragment, method) {
      return requests.filter(
        (r) =>
          (typeof fragment === 'string' ? r.path.includes(fragment) : fragment.test(r.path)) &&
          (!method || r.method === method.toUpperCase()),
      );
    },
    setLogging(on) {
      logging = on;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload = '';
  if (reply.text !== undefined) {
    payload = reply.text;
  } else if (reply.body !== undefined && reply.status !== 204) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json;charset=UTF-8';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** The JSON body of a request, or undefined when it is not JSON. */
export function jsonBody(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
