import type { SlackApiResponse, SlackStandIn } from '../../src/dev/slack-stand-in.ts';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: SlackApiResponse;
}

/** Calls the stand-in the way @slack/web-api does by default (form-encoded, objects JSON-encoded). */
export async function api(
  standIn: SlackStandIn,
  method: string,
  args: Record<string, unknown> = {},
  opts: { token?: string | null; json?: boolean } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? 'xoxb-test' : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string;
  if (opts.json) {
    headers['content-type'] = 'application/json; charset=utf-8';
    body = JSON.stringify(args);
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(args)) {
      if (v === undefined) continue;
      form.set(
        k,
        typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : JSON.stringify(v),
      );
    }
    body = form.toString();
  }
  const res = await fetch(`${standIn.apiUrl}${method}`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as SlackApiResponse };
}

/** Error strings of a failed answer: `errors` for messages, `response_metadata.messages` for views. */
export function errorStrings(body: SlackApiResponse): string[] {
  const errors = Array.isArray(body.errors) ? body.errors.map(String) : [];
  const meta = body.response_metadata as { messages?: unknown[] } | undefined;
  return [...errors, ...(meta?.messages ?? []).map(String)];
}

/** A controllable clock for the stand-in. */
export function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}
