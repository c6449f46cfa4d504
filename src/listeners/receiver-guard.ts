import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { App, ReceiverEvent } from '@slack/bolt';
import type { ListenerDeps } from './deps.ts';
import { describeRequest, newRequestId } from './request-context.ts';

// Guards around Bolt for requests Slack never sends but anyone holding the signing secret (or a broken proxy)
// could: a signed request must never get a 5xx, never hang, never take the process down, and never be
// accepted from outside Slack's five-minute window.

const FORM = 'application/x-www-form-urlencoded';
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * What a request may cost before it is known to come from Slack (PRODUCT.md section 10: an unverified request
 * costs almost nothing).
 *
 * `bodyBytes`: the largest request Slack sends Foothold is an interaction from one of its own views: a
 * `view_submission`, or a button in the App Home, each carrying the whole view and its state. Slack refuses a
 * view larger than 250 kB (`view_too_large` from views.open/push/publish), percent-encoding (`payload=…`)
 * at worst triples it (750 kB), and the values typed into Foothold's inputs add at most ~8,000 characters
 * (18 bytes each at worst once JSON- and percent-encoded: 144 kB); with Slack's envelope that is under 0.9 MiB.
 * A 1 MiB cap keeps that margin while buffering at most `slackRequestsInFlight` × 1 MiB for requests whose
 * signature turns out to be wrong (Bolt's default is 4 MiB). test/http/request-limits.test.ts checks the
 * arithmetic against Foothold's real inputs.
 */
export const REQUEST_LIMITS = {
  bodyBytes: 1024 * 1024,
  /** A body must have arrived this long after its headers (Slack needs the answer within 3 s anyway). */
  bodyMs: 5_000,
  /** `server.headersTimeout` / `server.requestTimeout`: Node's own backstops (its defaults are 60 s / 300 s). */
  headersMs: 5_000,
  requestMs: 10_000,
  /** Slack requests being read or handled at once; more get 503 with Retry-After. */
  slackRequestsInFlight: 100,
  /** `server.maxConnections`: sockets beyond this are closed as they arrive. */
  connections: 512,
  /** After refusing, what is still read (and dropped) so the client reads the answer instead of a reset. */
  discardBytes: 4 * 1024 * 1024,
  discardMs: 2_000,
  /**
   * A request without signature headers is read only when it is this small: Slack's `ssl_check=1` probe may
   * come unsigned, and Bolt answers it (or 401s anything else).
   */
  unsignedBytes: 256,
} as const;

export type RequestLimits = { [K in keyof typeof REQUEST_LIMITS]: number };

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Exactly the texts `JSON.parse` turns into `null`: the literal, with JSON's whitespace around it. */
const JSON_NULL = /^[ \t\n\r]*null[ \t\n\r]*$/;
/**
 * The only characters a form value can be made of and still decode to such a text (JSON's whitespace, `+`,
 * `%` escapes, the letters of `null`). A real payload (`%7B%22type…`) fails at its first few characters.
 */
const MAY_DECODE_TO_NULL = /^[+ \t\n\r%0-9A-Fa-fnul]{4,}$/;

/**
 * Whether Bolt's body parser would turn this body into `null` (JSON `null`, or `payload=null`). Runs on every
 * request before Bolt parses the body itself, so it avoids a second full parse where it can: decoding and
 * parsing a modal submission's payload twice was a tenth of its CPU (issue 6, B2).
 */
export function parsesToNull(body: string, contentType: string | undefined): boolean {
  if (contentType === FORM) {
    const mayBeNull = body
      .split('&')
      .some((pair) => MAY_DECODE_TO_NULL.test(pair.slice(pair.indexOf('=') + 1)));
    if (!mayBeNull) return false;
    const { payload } = parseQuery(body);
    return typeof payload === 'string' && JSON_NULL.test(payload);
  }
  return JSON_NULL.test(body);
}

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;

/** What the headers decide: go on reading at most `cap` bytes, or refuse. `reason` is a fixed text (logged). */
export type Screening = { ok: true; cap: number } | { ok: false; status: 401 | 413; reason: string };

/**
 * What the headers alone say about a request to the Slack endpoint, before a byte of its body is read: its
 * signature headers must be present and well formed and its timestamp within five minutes either side of now
 * (Slack's rule; Bolt only checks the past side, after buffering the body), and its declared length within
 * the cap. The signature itself is checked by Bolt once the (capped) body is in.
 */
export function screenSlackRequest(
  headers: IncomingMessage['headers'],
  nowMs: number,
  limits: Pick<RequestLimits, 'bodyBytes' | 'unsignedBytes'> = REQUEST_LIMITS,
): Screening {
  const declared = headers['content-length'] === undefined ? null : Number(headers['content-length']);
  const signature = headers['x-slack-signature'];
  const stamp = headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof stamp !== 'string') {
    const tiny = declared !== null && declared <= limits.unsignedBytes && headers['content-type'] === FORM;
    return tiny
      ? { ok: true, cap: limits.unsignedBytes }
      : { ok: false, status: 401, reason: 'signature headers missing' };
  }
  if (!SIGNATURE.test(signature) || !TIMESTAMP.test(stamp)) {
    return { ok: false, status: 401, reason: 'signature headers malformed' };
  }
  if (Math.abs(Number(stamp) * 1000 - nowMs) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, status: 401, reason: 'timestamp more than 5 minutes from now' };
  }
  if (declared !== null && declared > limits.bodyBytes) {
    return { ok: false, status: 413, reason: 'declared body over the cap' };
  }
  return { ok: true, cap: limits.bodyBytes };
}

const STATUS_TEXT: Record<401 | 408 | 413 | 503, string> = {
  401: 'request_not_verified',
  408: 'request_body_too_slow',
  413: 'request_body_too_large',
  503: 'too_many_requests_in_flight',
};

/**
 * Answers `status` and closes the connection without a reset: the answer goes out at once, then whatever the
 * client is still sending is read and dropped (never kept) up to `discardBytes` or `discardMs`, and only then
 * is the connection closed. Destroying the socket first makes the client see ECONNRESET instead of the answer.
 */
export function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: keyof typeof STATUS_TEXT,
  limits: Pick<RequestLimits, 'discardBytes' | 'discardMs'> = REQUEST_LIMITS,
  options: { bodyComing?: boolean } = {},
): void {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  const body = JSON.stringify({ ok: false, error: STATUS_TEXT[status] });
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
    ...(status === 503 ? { 'retry-after': '1' } : {}),
  });
  if (options.bodyComing === false || req.readableEnded || req.destroyed) {
    res.end(body);
    return;
  }
  res.write(body);
  let dropped = 0;
  const done = (cut: boolean) => {
    clearTimeout(timer);
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    res.end();
    // The client had the whole answer; what it still sends is not worth reading.
    if (cut) res.once('finish', () => req.socket.destroy());
  };
  const onData = (c: Buffer) => {
    dropped += c.length;
    if (dropped > limits.discardBytes) done(true);
  };
  const onEnd = () => done(false);
  const timer = setTimeout(() => done(true), limits.discardMs);
  req.on('data', onData);
  req.once('end', onEnd);
  req.resume();
}

type BodyOutcome = { body: Buffer } | { refused: 408 | 413 };

/** Reads a body of at most `cap` bytes within `deadlineMs`. Nothing past the cap is kept. */
function readCappedBody(req: IncomingMessage, cap: number, deadlineMs: number): Promise<BodyOutcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: BodyOutcome) => {
      clearTimeout(timer);
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      chunks.length = 0;
      resolve(outcome);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > cap) {
        req.pause();
        settle({ refused: 413 });
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      const body = Buffer.concat(chunks, size);
      settle({ body });
    };
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    const timer = setTimeout(() => {
      req.pause();
      settle({ refused: 408 });
    }, deadlineMs);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  });
}

/** One log line per kind of refusal per interval, with how many were not logged: a flood stays a few lines. */
function refusalLog(logger: ListenerDeps['logger'], intervalMs = 10_000) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (reason: string, status: number, path: string | undefined) => {
    const now = Date.now();
    const seen = last.get(reason);
    if (seen && now - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    last.set(reason, { at: now, suppressed: 0 });
    logger.warn(
      { status, path, alsoRefusedSinceLastLine: seen?.suppressed ?? 0 },
      `refused a request before reading it: ${reason}`,
    );
  };
}

export interface HttpGuard {
  /** Slack requests being read or handled right now. */
  inFlight(): number;
}

/**
 * Puts a gate in front of Bolt's HTTP receiver for `POST /slack/events` (the only route that reads a body;
 * `/healthz` and the OAuth pages pass straight through):
 *  - too many Slack requests already in flight → 503 at once;
 *  - signature headers missing, malformed, or dated more than 5 minutes either side of now → 401, and a
 *    declared body over the cap → 413, before any of the body is read;
 *  - the body is read up to the cap (413 past it) and within a deadline (408 after it), then handed to Bolt
 *    as `rawBody`, which Bolt uses as is to check the signature;
 *  - Bolt reads `body.ssl_check` right after parsing, inside a promise nobody awaits: a body that parses to
 *    `null` throws there, the request is never answered, and the rejection is unhandled (which ends a Node
 *    process), so such a body is answered 400 here.
 * Every refusal is answered with `Connection: close` and read out (bounded) so the client sees it. Does nothing
 * when the app has no HTTP receiver (Socket Mode).
 */
export function guardHttpReceiver(
  app: App,
  logger: ListenerDeps['logger'],
  limits: RequestLimits = REQUEST_LIMITS,
): HttpGuard | null {
  const receiver = (
    app as unknown as { receiver?: { requestListener?: RequestListener; endpoints?: string[] } }
  ).receiver;
  const listener = receiver?.requestListener;
  if (!receiver || typeof listener !== 'function') return null;
  const endpoints = new Set(receiver.endpoints ?? ['/slack/events']);
  const logRefusal = refusalLog(logger);
  let inFlight = 0;
  receiver.requestListener = (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || !endpoints.has(path ?? '')) {
      listener(req, res);
      return;
    }
    if (inFlight >= limits.slackRequestsInFlight) {
      logRefusal('too many Slack requests in flight', 503, path);
      refuse(req, res, 503, limits);
      return;
    }
    const screening = screenSlackRequest(req.headers, Date.now(), limits);
    if (!screening.ok) {
      logRefusal(screening.reason, screening.status, path);
      refuse(req, res, screening.status, limits);
      return;
    }
    inFlight++;
    let counted = true;
    const release = () => {
      if (counted) inFlight--;
      counted = false;
    };
    res.once('close', release);
    readCappedBody(req, screening.cap, limits.bodyMs).then(
      (outcome) => {
        if ('refused' in outcome) {
          const tooSlow = outcome.refused === 408;
          logRefusal(tooSlow ? 'body too slow' : 'body over the cap', outcome.refused, path);
          // A slow sender has little in flight: answer and close at once rather than wait on it again.
          refuse(req, res, outcome.refused, limits, { bodyComing: !tooSlow });
          return;
        }
        if (parsesToNull(outcome.body.toString('utf8'), req.headers['content-type'])) {
          logger.warn({ path: req.url }, 'answered 400 to a request whose body is null');
          res.writeHead(400);
          res.end();
          return;
        }
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = outcome.body;
        listener(req, res);
      },
      () => {
        if (!res.headersSent) res.writeHead(400);
        res.end();
      },
    );
  };
  return { inFlight: () => inFlight };
}

/** Node's server options that bound how long a client may take to send its headers and its request. */
export function httpServerOptions(limits: RequestLimits = REQUEST_LIMITS) {
  return {
    headersTimeout: limits.headersMs,
    requestTimeout: limits.requestMs,
    // How often Node checks those two timeouts (its default, 30 s, would let a slow sender stay that long).
    connectionsCheckingInterval: 1_000,
  };
}

/** Called once the process is stopping, before the server closes: see `hardenHttpServer`. */
export interface HttpShutdown {
  closeKeptAliveConnections(): void;
}

/**
 * Settings that can only be made on the started server: the connection cap, an answer to
 * `Expect: 100-continue` that refuses (401/413) before the client sends the body at all, and a shutdown that
 * really stops taking requests. `server.close()` only stops new connections and closes the idle ones: a
 * kept-alive connection busy at that moment would carry the client's next requests for as long as it keeps
 * sending (and the close waits for it). Once stopping, every answer still to go out says `Connection: close`,
 * and a connection that turns idle is closed.
 */
export function hardenHttpServer(server: Server, limits: RequestLimits = REQUEST_LIMITS): HttpShutdown {
  server.maxConnections = limits.connections;
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  const closeWhenDone = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    if (stopping) closeWhenDone(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
  });
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/slack/events') {
      const screening = screenSlackRequest(req.headers, Date.now(), limits);
      if (!screening.ok) {
        refuse(req, res, screening.status, limits, { bodyComing: false });
        return;
      }
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  return {
    closeKeptAliveConnections() {
      stopping = true;
      for (const res of inFlight) closeWhenDone(res);
      server.closeIdleConnections();
    },
  };
}

/**
 * Two gaps in how Bolt answers requests nothing handles:
 *  - it reads a few fields of every interactivity payload (`user`, `team`, `view`…) before any middleware runs,
 *    and a payload without them makes it throw, which its HTTP receiver answers with 500;
 *  - a request no listener acknowledges (a body of no known type, an interaction nothing listens to) holds its
 *    connection open until Bolt's 3-second timeout, then gets a 404.
 * Both are acknowledged at once, without effect, and logged once. (A custom `HTTPReceiver` with a
 * `processEventErrorHandler` could answer the first from where the app is assembled.)
 */
export function guardProcessEvent(app: App, logger: ListenerDeps['logger']): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event: ReceiverEvent): Promise<void> => {
    let acked = false;
    const ack: ReceiverEvent['ack'] = async (response) => {
      acked = true;
      return event.ack(response);
    };
    const answerNow = async () => {
      if (acked) return;
      acked = true;
      try {
        await event.ack();
      } catch {
        // Already answered.
      }
    };
    try {
      await processEvent({ ...event, ack });
      if (!acked) {
        logger.info(
          describeRequest(event.body, newRequestId(), event.retryNum),
          'no listener handles this Slack request; answered without effect',
        );
        await answerNow();
      }
    } catch (err) {
      const fields = describeRequest(event.body, newRequestId(), event.retryNum);
      logger.warn({ ...fields, err }, 'ignored a Slack request Bolt could not read (malformed payload)');
      await answerNow();
    }
  };
}
