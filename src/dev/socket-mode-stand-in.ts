import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A loopback stand-in for Slack's Socket Mode WebSocket endpoint, enough for an app to connect: the WebSocket
// handshake (RFC 6455 §4.2.2), then Slack's `hello` message, as documented at
// https://docs.slack.dev/apis/events-api/using-socket-mode ("hello" envelope: `type`, `num_connections`,
// `debug_info`, `connection_info.app_id`). `apps.connections.open` on the Web API stand-in hands out its URL.
// It can push an envelope (`send`) and records what the app sends back (its acks).

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface SocketModeStandIn {
  /** `ws://127.0.0.1:<port>/link/?ticket=…`: what `apps.connections.open` answers. */
  url(): string;
  /** Connections currently open. */
  connections(): number;
  /** Text frames the app sent (its envelope acks), parsed as JSON where possible. */
  received(): unknown[];
  /** Sends an envelope to every open connection. */
  send(envelope: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** One unmasked text frame, server to client. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = 0x81;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = 0x81;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Client frames are masked (RFC 6455 §5.3): returns the complete frames in `buf` and the rest. */
function readFrames(buf: Buffer): { frames: Array<{ opcode: number; payload: Buffer }>; rest: Buffer } {
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  let at = 0;
  while (buf.length - at >= 2) {
    const opcode = (buf[at] ?? 0) & 0x0f;
    const masked = ((buf[at + 1] ?? 0) & 0x80) !== 0;
    let len = (buf[at + 1] ?? 0) & 0x7f;
    let offset = at + 2;
    if (len === 126) {
      if (buf.length < offset + 2) break;
      len = buf.readUInt16BE(offset);
      offset += 2;
    } else if (len === 127) {
      if (buf.length < offset + 8) break;
      len = Number(buf.readBigUInt64BE(offset));
      offset += 8;
    }
    const maskLen = masked ? 4 : 0;
    if (buf.length < offset + maskLen + len) break;
    const mask = buf.subarray(offset, offset + maskLen);
    const payload = Buffer.from(buf.subarray(offset + maskLen, offset + maskLen + len));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
    frames.push({ opcode, payload });
    at = offset + maskLen + len;
  }
  return { frames, rest: buf.subarray(at) };
}

export async function startSocketModeStandIn(options: { appId?: string } = {}): Promise<SocketModeStandIn> {
  const open = new Set<Socket>();
  const received: unknown[] = [];
  const server: Server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('upgrade required');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || !req.url?.startsWith('/link')) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(`${key}${WS_GUID}`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    open.add(socket);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const { frames, rest } = readFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const f of frames) {
        if (f.opcode === 0x1) {
          const text = f.payload.toString('utf8');
          try {
            received.push(JSON.parse(text));
          } catch {
            received.push(text);
          }
        } else if (f.opcode === 0x9) {
          // ping → pong with the same payload
          socket.write(Buffer.concat([Buffer.from([0x8a, f.payload.length]), f.payload]));
        } else if (f.opcode === 0x8) {
          socket.end(Buffer.from([0x88, 0x00]));
        }
      }
    });
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => open.delete(socket));
    socket.write(
      textFrame(
        JSON.stringify({
          type: 'hello',
          num_connections: open.size,
          debug_info: { host: 'stand-in', approximate_connection_time: 18060 },
          connection_info: { app_id: options.appId ?? 'A0FOOTHOLD' },
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: () => `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}&app_id=${options.appId ?? 'A0FOOTHOLD'}`,
    connections: () => open.size,
    received: () => [...received],
    send(envelope) {
      for (const s of open) s.write(textFrame(JSON.stringify(envelope)));
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
