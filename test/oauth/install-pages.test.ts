import { describe, expect, it } from 'vitest';
import {
  classifyInstallFailure,
  INSTALL_FAILURES,
  type InstallFailure,
  installFailurePage,
} from '../../src/oauth/install-pages.ts';

// Which page each way an OAuth install can fail gets, and that every page is a complete, escaped answer.

describe('classifyInstallFailure', () => {
  const q = (s = '') => new URLSearchParams(s);
  it.each<[string, Parameters<typeof classifyInstallFailure>[0], string, InstallFailure]>([
    [
      'user cancelled',
      { code: 'slack_oauth_installer_authorization_error' },
      'error=access_denied',
      'declined',
    ],
    ['other Slack error', { code: 'slack_oauth_missing_code' }, 'error=invalid_team', 'slack_error'],
    ['no state', { code: 'slack_oauth_missing_state' }, 'code=x', 'state_missing'],
    ['no code', { code: 'slack_oauth_missing_code' }, 'state=x', 'code_missing'],
    ['cookie mismatch', { code: 'slack_oauth_invalid_state' }, '', 'wrong_browser'],
    ['forged', { code: 'slack_oauth_invalid_state', problem: 'forged' }, '', 'state_forged'],
    ['unknown', { code: 'slack_oauth_invalid_state', problem: 'unknown' }, '', 'state_unknown'],
    ['used', { code: 'slack_oauth_invalid_state', problem: 'used' }, '', 'state_used'],
    ['expired', { code: 'slack_oauth_invalid_state', problem: 'expired' }, '', 'state_expired'],
    [
      'invalid_code',
      { code: 'slack_webapi_platform_error', data: { error: 'invalid_code' } },
      '',
      'code_rejected',
    ],
    [
      'code_already_used',
      { code: 'slack_webapi_platform_error', data: { error: 'code_already_used' } },
      '',
      'code_rejected',
    ],
    [
      'bad_client_secret',
      { code: 'slack_webapi_platform_error', data: { error: 'bad_client_secret' } },
      '',
      'app_misconfigured',
    ],
    ['network', { code: 'slack_webapi_request_error' }, '', 'slack_unreachable'],
    ['Slack 5xx', { code: 'slack_webapi_http_error' }, '', 'slack_unreachable'],
    ['store failed', { code: 'slack_oauth_unknown_error', message: 'SQLITE_FULL' }, '', 'not_saved'],
  ])('%s', (_name, error, query, expected) => {
    expect(classifyInstallFailure(error, q(query))).toBe(expected);
  });

  it('answers 4xx for everything the visit got wrong, 5xx only for the server’s or Slack’s side', () => {
    const serverSide: InstallFailure[] = ['app_misconfigured', 'slack_unreachable', 'not_saved'];
    for (const [failure, page] of Object.entries(INSTALL_FAILURES) as Array<
      [InstallFailure, { status: number }]
    >) {
      if (serverSide.includes(failure)) expect([502, 503]).toContain(page.status);
      else expect(page.status >= 400 && page.status < 500, failure).toBe(true);
      expect(page.status).not.toBe(500);
    }
  });
});

describe('installFailurePage', () => {
  it('says what happened, what to do, links to start again, and escapes the reference', () => {
    const { status, html } = installFailurePage(
      'slack_error',
      '/slack/install',
      '"><img src=x onerror=alert(1)>',
    );
    expect(status).toBe(400);
    expect(html).toContain('<h1>Slack stopped the installation</h1>');
    expect(html).toContain('<a class="button" href="/slack/install">Try the installation again</a>');
    expect(html).toContain('Reference: &quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });
});
