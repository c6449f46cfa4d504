import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { App, ReceiverEvent } from '@slack/bolt';
import type { ListenerDeps } from './deps.ts';
import { describeRequest, newRequestId } from './request-context.ts';

// Two guards around Bolt for requests Slack never sends but anyone holding the signing secret (or a broken
// proxy) could: a signed request must never get a 5xx, never hang, and never take the process down.

/** Bolt's default limit on a request body. */
const BODY_LIMIT = 4 * 1024 * 1024;
const FORM = 'application/x-www-form-urlencoded';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Whether Bolt's body parser would turn this body into `null` (JSON `null`, or `payload=null`). */
export function parsesToNull(body: string, contentType: string | undefined): boolean {
  try {
    if (contentType === FORM) {
      const { payload } = parseQuery(body);
      return typeof payload === 'string' && JSON.parse(payload) === null;
    }
    return JSON.parse(body) === null;
  } catch {
    return false;
  }
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
 * Bolt reads a few fields of every interactivity payload (`user`, `team`, `view`…) before any middleware
 * runs; a payload without them makes it throw, and its HTTP receiver then answers 500. Such a request is
 * acknowledged without effect and logged once instead. (A custom `HTTPReceiver` with a
 * `processEventErrorHandler` could do the same from where the app is assembled.)
 */
export function guardProcessEvent(app: App, logger: ListenerDeps['logger']): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event: ReceiverEvent): Promise<void> => {
    try {
      await processEvent(event);
    } catch (err) {
      const fields = describeRequest(event.body, newRequestId(), event.retryNum);
      logger.warn({ ...fields, err }, 'ignored a Slack request Bolt could not read (malformed payload)');
      try {
        await event.ack();
      } catch {
        // Already answered.
      }
    }
  };
}
