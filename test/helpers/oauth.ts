import { request } from 'node:http';

// A browser going through Slack's OAuth install flow against the app: `/slack/install` (which sets the state
// cookie and redirects to Slack), then Slack sending the browser back to `/slack/oauth_redirect` with a code.

export interface PageResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function getPage(url: string, headers: Record<string, string> = {}): Promise<PageResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

export interface InstallStart {
  /** The state Slack will send back. */
  state: string;
  /** The browser's cookies after `/slack/install`, as a Cookie header. */
  cookie: string;
  /** Where `/slack/install` sent the browser (Slack's authorize page). */
  location: string;
}

/** Opens `/slack/install` as a browser does. */
export async function startInstall(baseUrl: string): Promise<InstallStart> {
  const res = await getPage(`${baseUrl}/slack/install`);
  if (res.status !== 302) throw new Error(`/slack/install answered ${res.status}`);
  const location = String(res.headers.location);
  const cookie = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  return { state: new URL(location).searchParams.get('state') ?? '', cookie, location };
}

/** Slack sending the browser back with `query` (e.g. `code=…&state=…`, or `error=access_denied&state=…`). */
export function redirectBack(
  baseUrl: string,
  query: Record<string, string>,
  cookie = '',
): Promise<PageResult> {
  const qs = new URLSearchParams(query).toString();
  return getPage(`${baseUrl}/slack/oauth_redirect?${qs}`, cookie ? { cookie } : {});
}

/** The whole flow for one code: install, approve, come back. */
export async function installWithCode(baseUrl: string, code: string): Promise<PageResult> {
  const start = await startInstall(baseUrl);
  return redirectBack(baseUrl, { code, state: start.state }, start.cookie);
}
