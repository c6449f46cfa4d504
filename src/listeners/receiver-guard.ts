import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { App, ReceiverEvent } from '@slack/bolt';
import type { ListenerDeps } from './deps.ts';
import { describeRequest, newRequestId } from './request-context.ts';

// Guards around Bolt for requests Slack never sends but anyone holding the signing secret (or a broken proxy)
// could: a signed request must never get a 5xx, never hang, never take the process down, and never be
// accepted from outside Slack's five-minute window.

/** Bolt's default limit on a request body. */
const BODY_LIMIT = 4 * 1024 * 1024;
const FORM = 'application/x-www-form-urlencoded';
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

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

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Bolt's HTTP receiver reads `body.ssl_check` right after parsing, inside a promise nobody awaits: a body that
 * parses to `null` throws there, the request is never answered, and the rejection is unhandled (which ends a
 * Node process). This reads each POST body first (handing it to Bolt as `rawBody`, which Bolt then uses as
 * is) and answers such a body with 400 itself. Does nothing when the app has no HTTP receiver (Socket Mode).
 */
export function guardHttpReceiver(app: App, logger: ListenerDeps['logger']): void {
  const receiver = (app as unknown as { receiver?: { requestListener?: RequestListener } }).receiver;
  const listener = receiver?.requestListener;
  if (!receiver || typeof listener !== 'function') return;
  receiver.requestListener = (req, res) => {
    if (req.method !== 'POST') {
      listener(req, res);
      return;
    }
    // Slack's verification rule is |now − timestamp| ≤ 5 minutes; Bolt only rejects the past side, so a
    // request dated in the future would stay replayable for as long as it is early.
    const stamp = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(stamp) && stamp * 1000 > Date.now() + MAX_CLOCK_SKEW_MS) {
      logger.warn({ path: req.url }, 'rejected a request dated more than 5 minutes in the future');
      req.resume();
      res.writeHead(401);
      res.end();
      return;
    }
    readBody(req).then(
      (raw) => {
        if (raw === null) {
          res.writeHead(413);
          res.end();
          return;
        }
        if (parsesToNull(raw.toString('utf8'), req.headers['content-type'])) {
          logger.warn({ path: req.url }, 'answered 400 to a request whose body is null');
          res.writeHead(400);
          res.end();
          return;
        }
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
        listener(req, res);
      },
      () => {
        if (!res.headersSent) res.writeHead(400);
        res.end();
      },
    );
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
