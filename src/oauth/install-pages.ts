import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.ts';

// What a person sees when installing Foothold in their workspace goes wrong (issue 10, finding 7): a page
// saying what happened, what to do, and a link to start again, with a 4xx status for anything the visit
// itself got wrong. Bolt's default answers 500 to all but three of these, with the error code as the only
// explanation.

export type InstallFailure =
  | 'declined'
  | 'slack_error'
  | 'state_missing'
  | 'state_forged'
  | 'state_unknown'
  | 'state_used'
  | 'state_expired'
  | 'wrong_browser'
  | 'code_missing'
  | 'code_rejected'
  | 'app_misconfigured'
  | 'slack_unreachable'
  | 'not_saved';

interface FailurePage {
  status: number;
  title: string;
  what: string;
  todo: string;
}

const START_AGAIN = 'Start the installation again with the link below.';

export const INSTALL_FAILURES: Record<InstallFailure, FailurePage> = {
  declined: {
    status: 403,
    title: 'Foothold was not installed',
    what: 'The installation was cancelled on Slack’s permission page, so Foothold was not added to your workspace.',
    todo: 'If that was a mistake, start again and choose Allow. If your workspace needs an admin’s approval, ask an admin to install it.',
  },
  slack_error: {
    status: 400,
    title: 'Slack stopped the installation',
    what: 'Slack sent you back without permission to install Foothold.',
    todo: `${START_AGAIN} If it happens again, send your Foothold contact the code shown below.`,
  },
  state_missing: {
    status: 400,
    title: 'This installation link is incomplete',
    what: 'The page Slack sent you back to is missing part of its address, so the installation cannot be checked.',
    todo: START_AGAIN,
  },
  state_forged: {
    status: 400,
    title: 'This installation link is not valid',
    what: 'The link was not created by this Foothold, so it cannot be used to install it.',
    todo: 'Start the installation from the link your Foothold contact gave you.',
  },
  state_unknown: {
    status: 400,
    title: 'This installation link is not valid',
    what: 'Foothold does not recognise this link. It may come from another server or an old installation.',
    todo: START_AGAIN,
  },
  state_used: {
    status: 400,
    title: 'This installation link was already used',
    what: 'Each installation link works once, and this one has been used. If you just installed Foothold, it is installed.',
    todo: 'Open Slack to use Foothold, or start again to install it once more.',
  },
  state_expired: {
    status: 400,
    title: 'This installation link has expired',
    what: 'Installation links work for 10 minutes, and this one is older.',
    todo: START_AGAIN,
  },
  wrong_browser: {
    status: 400,
    title: 'Finish the installation in the browser where you started it',
    what: 'The installation was started in another browser (or your browser blocked Foothold’s cookie), so it cannot be checked here.',
    todo: `${START_AGAIN} Use one browser from start to finish, with cookies allowed for this site.`,
  },
  code_missing: {
    status: 400,
    title: 'Slack did not send an authorization',
    what: 'The page Slack sent you back to carries no authorization code, so Foothold cannot be installed.',
    todo: START_AGAIN,
  },
  code_rejected: {
    status: 400,
    title: 'Slack did not accept this authorization',
    what: 'The authorization from Slack was refused: it may have been used already, or it expired before it reached Foothold.',
    todo: START_AGAIN,
  },
  app_misconfigured: {
    status: 502,
    title: 'Foothold could not be installed',
    what: 'Slack refused Foothold’s app credentials. This is a problem on Foothold’s side, not yours.',
    todo: 'Let your Foothold contact know; the installation will work once they fix the app settings.',
  },
  slack_unreachable: {
    status: 502,
    title: 'Slack could not be reached',
    what: 'Foothold could not finish the installation because Slack did not answer.',
    todo: `Wait a minute, then start again. ${START_AGAIN}`,
  },
  not_saved: {
    status: 503,
    title: 'Foothold could not save the installation',
    what: 'Slack approved the installation, but Foothold could not store it.',
    todo: 'Wait a minute, then start again. If it keeps happening, let your Foothold contact know.',
  },
};

/** Slack's answers to `oauth.v2.access` that mean the code (not the app) was the problem. */
const BAD_CODE = new Set([
  'invalid_code',
  'code_already_used',
  'code_expired',
  'bad_redirect_uri',
  'invalid_grant_type',
]);

interface CodedError {
  code?: string;
  problem?: string;
  message?: string;
  data?: { error?: string };
}

/** Which failure an error from Bolt's OAuth callback is, given the redirect's query. */
export function classifyInstallFailure(error: CodedError, query: URLSearchParams): InstallFailure {
  const slackError = query.get('error');
  if (slackError === 'access_denied') return 'declined';
  if (slackError) return 'slack_error';
  switch (error.code) {
    case 'slack_oauth_missing_state':
      return 'state_missing';
    case 'slack_oauth_missing_code':
      return 'code_missing';
    case 'slack_oauth_invalid_state':
      if (error.problem === 'forged') return 'state_forged';
      if (error.problem === 'used') return 'state_used';
      if (error.problem === 'expired') return 'state_expired';
      if (error.problem === 'unknown') return 'state_unknown';
      return 'wrong_browser';
    case 'slack_webapi_platform_error':
      return BAD_CODE.has(error.data?.error ?? '') ? 'code_rejected' : 'app_misconfigured';
    case 'slack_webapi_request_error':
    case 'slack_webapi_http_error':
    case 'slack_webapi_rate_limited_error':
      return 'slack_unreachable';
    default:
      return 'not_saved';
  }
}

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** The page for a failure. `detail` (e.g. Slack's error code) is shown escaped, for support. */
export function installFailurePage(
  failure: InstallFailure,
  installPath: string,
  detail?: string,
): { status: number; html: string } {
  const page = INSTALL_FAILURES[failure];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Foothold</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #1d1c1d; line-height: 1.5; }
h1 { font-size: 1.5rem; }
a.button { display: inline-block; margin-top: 1rem; padding: 0.6rem 1.2rem; background: #4a154b; color: #fff; border-radius: 6px; text-decoration: none; }
small { color: #616061; }
</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.what)}</p>
<p>${escapeHtml(page.todo)}</p>
<p><a class="button" href="${escapeHtml(installPath)}">Try the installation again</a></p>
${detail ? `<p><small>Reference: ${escapeHtml(detail)}</small></p>` : ''}
</body>
</html>
`;
  return { status: page.status, html };
}

/** Bolt's `installerOptions.callbackOptions.failure`: logs the failure once and answers with its page. */
export function installFailureHandler(logger: Logger, installPath = '/slack/install') {
  return (error: CodedError, _options: unknown, req: IncomingMessage, res: ServerResponse): void => {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const failure = classifyInstallFailure(error, query);
    const detail = failure === 'slack_error' ? (query.get('error') ?? undefined) : error.data?.error;
    const { status, html } = installFailurePage(failure, installPath, detail);
    const log = status >= 500 ? logger.error.bind(logger) : logger.warn.bind(logger);
    log({ failure, status, code: error.code, slackError: detail }, 'an OAuth installation failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  };
}
