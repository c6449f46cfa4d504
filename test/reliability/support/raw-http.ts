import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';

// Requests no Slack client library would send: huge bodies, bodies that stall, headers that never end. Each
// resolves with what the client saw (a status, or the socket error it got instead) and how long it took.

export interface ProbeResult {
  /** HTTP status the client read, or 0 if it read none. */
  status: number;
  /** The socket error the client got before reading an answer (`ECONNRESET`, `EPIPE`…), if any. */
  error: string | null;
  connection: string | undefined;
  ms: number;
}

/**
 * POSTs `size` bytes of `fill` to `/slack/events` in 64 KiB writes, with a Content-Length (or chunked when
 * `chunked`). The answer counts once its body has been read, whatever happens to the socket afterwards.
 */
export function postBody(
  port: number,
  size: number,
  headers: Record<string, string>,
  options: { chunked?: boolean } = {},
): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: Omit<ProbeResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...r, ms: performance.now() - started });
    };
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/slack/events',
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(size) }),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          settle({ status: res.statusCode ?? 0, error: null, connection: res.headers.connection }),
        );
        res.on('error', (err: NodeJS.ErrnoException) =>
          settle({ status: 0, error: err.code ?? err.message, connection: undefined }),
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      settle({ status: 0, error: err.code ?? err.message, connection: undefined }),
    );
    const piece = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(piece.length, size - sent);
        sent += n;
        if (!req.write(n === piece.length ? piece : piece.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/**
 * Sends `head` (request line and headers, ending with a blank line when complete) and `bodyStart`, then
 * nothing more. Resolves when the server answers and closes, or gives up; with the status line it read.
 */
export function stall(
  port: number,
  head: string,
  bodyStart = '',
  giveUpMs = 30_000,
): Promise<{ status: number; closedAfterMs: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on('connect', () => socket.write(head + bodyStart));
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, closedAfterMs: performance.now() - started });
    });
  });
}

/** Resident memory of a process, in MiB (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}
