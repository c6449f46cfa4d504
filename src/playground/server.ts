/**
 * The playground's own small web server: the page at `/playground` and its JSON API. Every request body is
 * checked with zod; errors come back as `{ ok: false, error }` with a status the page shows.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { PLAYGROUND_PAGE } from './page.ts';
import { PlaygroundError, type Workspace } from './workspace.ts';

const userId = z.string().regex(/^[UW][A-Z0-9]+$/);
const where = z.string().regex(/^(dm|home|[CGD][A-Z0-9]+)$/);
const form = z.record(z.string(), z.array(z.string().max(3000)).max(100));

const actionBody = z.object({
  as: userId,
  actionId: z.string().max(255),
  blockId: z.string().max(255),
  type: z.string().max(50),
  value: z.string().max(2000).optional(),
  selected: z.string().max(2000).optional(),
  selectedLabel: z.string().max(2000).optional(),
  channel: z.string().max(30).optional(),
  ts: z.string().max(30).optional(),
  ephemeral: z.boolean().optional(),
  viewId: z.string().max(30).optional(),
  form: form.optional(),
});

/** Each POST endpoint: its body's schema and what it does. */
function endpoint<S extends z.ZodType>(schema: S, run: (ws: Workspace, body: z.infer<S>) => unknown) {
  return { schema, run };
}

const ENDPOINTS = {
  command: endpoint(z.object({ as: userId, where, text: z.string().min(1).max(3000) }), (ws, b) =>
    ws.command(b.as, b.where, b.text),
  ),
  action: endpoint(actionBody, (ws, { as, ...input }) => ws.action(as, input)),
  shortcut: endpoint(
    z.object({ as: userId, channel: z.string().regex(/^[CGD][A-Z0-9]+$/), ts: z.string().max(30) }),
    (ws, b) => ws.shortcut(b.as, b.channel, b.ts),
  ),
  submit: endpoint(z.object({ as: userId, viewId: z.string().max(30), form }), (ws, b) =>
    ws.submit(b.as, b.viewId, b.form),
  ),
  close: endpoint(z.object({ as: userId, viewId: z.string().max(30) }), (ws, b) => ws.close(b.as, b.viewId)),
  home: endpoint(z.object({ as: userId }), (ws, b) => ws.openHome(b.as)),
  run: endpoint(z.object({ job: z.string().max(40) }), (ws, b) => ws.runJob(b.job)),
  seed: endpoint(z.object({}), (ws) => ws.seed()),
} as const;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) {
        reject(new PlaygroundError('request too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve(text ? JSON.parse(text) : {});
      } catch {
        reject(new PlaygroundError('expected a JSON body'));
      }
    });
    req.on('error', reject);
  });
}

/** Only this machine's own names: a page elsewhere that rebinds its DNS name to 127.0.0.1 is refused. */
function localHost(host: string | undefined): boolean {
  const name = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

async function route(ws: Workspace, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://playground');
  if (!localHost(req.headers.host)) {
    send(res, 403, { ok: false, error: 'the playground answers on localhost only' });
    return;
  }
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (req.method === 'GET' && path === '/') {
    res.writeHead(302, { location: '/playground' });
    res.end();
    return;
  }
  if (req.method === 'GET' && path === '/playground') {
    send(res, 200, PLAYGROUND_PAGE, 'text/html; charset=utf-8');
    return;
  }
  const fileId = req.method === 'GET' ? path.match(/^\/playground\/files\/(F[A-Z0-9]+)$/)?.[1] : undefined;
  if (fileId) {
    const f = ws.file(fileId);
    if (!f) {
      send(res, 404, { ok: false, error: 'no such file' });
      return;
    }
    res.writeHead(200, {
      'content-type': f.type,
      'content-length': f.bytes.length,
      'x-content-type-options': 'nosniff',
      ...(f.type === 'image/png' ? {} : { 'content-disposition': 'attachment' }),
    });
    res.end(f.bytes);
    return;
  }
  if (req.method === 'GET' && path === '/playground/api/people') {
    send(res, 200, ws.people());
    return;
  }
  if (req.method === 'GET' && path === '/playground/api/state') {
    const q = z
      .object({ as: userId, where })
      .safeParse({ as: url.searchParams.get('as'), where: url.searchParams.get('where') });
    if (!q.success) throw new PlaygroundError('expected ?as=<user id>&where=<channel id|dm|home>');
    send(res, 200, await ws.state(q.data.as, q.data.where));
    return;
  }
  const m = path.match(/^\/playground\/api\/(\w+)$/);
  const name = m?.[1] ?? '';
  const ep = Object.hasOwn(ENDPOINTS, name) ? ENDPOINTS[name as keyof typeof ENDPOINTS] : undefined;
  if (req.method !== 'POST' || !ep) {
    send(res, 404, { ok: false, error: 'not found' });
    return;
  }
  // JSON only: another site's page cannot send it here without a CORS preflight, which is never granted.
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    send(res, 415, { ok: false, error: 'expected application/json' });
    return;
  }
  const parsed = ep.schema.safeParse(await readJson(req));
  if (!parsed.success) throw new PlaygroundError(`bad request: ${parsed.error.issues[0]?.message ?? ''}`);
  send(res, 200, await (ep.run as (ws: Workspace, b: unknown) => unknown)(ws, parsed.data));
}

export interface PlaygroundServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startPlaygroundServer(
  ws: Workspace,
  options: { port: number; host?: string; onError?: (err: unknown) => void },
): Promise<PlaygroundServer> {
  const server = createServer((req, res) => {
    route(ws, req, res).catch((err: unknown) => {
      if (err instanceof PlaygroundError) {
        send(res, 400, { ok: false, error: err.message });
        return;
      }
      options.onError?.(err);
      send(res, 500, { ok: false, error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
