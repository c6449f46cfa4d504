import { describe, expect, it } from 'vitest';
import {
  channelLink,
  cleanPlain,
  escapeMrkdwn,
  formatAge,
  formatCalendarDate,
  formatDate,
  link,
  mention,
  percent,
  sanitize,
  slackMessageLink,
  truncate,
  truncateMrkdwn,
  userText,
} from '../../src/slack/mrkdwn.ts';

describe('escapeMrkdwn', () => {
  it('makes mentions, broadcasts and links inert', () => {
    expect(escapeMrkdwn('<!channel> <@U123> <#C123> <https://evil|click> a&b')).toBe(
      '&lt;!channel&gt; &lt;@U123&gt; &lt;#C123&gt; &lt;https://evil|click&gt; a&amp;b',
    );
  });
  it('escapes an already-escaped entity again, so it shows literally', () => {
    expect(escapeMrkdwn('&lt;!here&gt;')).toBe('&amp;lt;!here&amp;gt;');
  });
  it('strips control characters and bidi overrides, keeps newlines and emoji', () => {
    expect(escapeMrkdwn('a\u0000b\u0007c\u202Ed\u2066e\u2069\r\nf 👨‍👩‍👧')).toBe('abcde\nf 👨‍👩‍👧');
  });
  it('handles null and lone surrogates', () => {
    expect(escapeMrkdwn(null)).toBe('');
    expect(sanitize('x\uD800y')).toBe('x\uFFFDy');
  });
});

describe('cleanPlain', () => {
  it('swaps angle brackets so plain text never carries a raw token', () => {
    expect(cleanPlain('<!channel> & co\u202E')).toBe('‹!channel› & co');
  });
});

describe('truncate', () => {
  it('leaves short text alone and ends cut text with an ellipsis within max', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 8)).toBe('hello w…');
    expect(truncate('hello world', 8).length).toBeLessThanOrEqual(8);
  });
  it('never splits a surrogate pair or an emoji sequence', () => {
    const s = '😀'.repeat(10);
    for (let max = 1; max < 21; max++) {
      const t = truncate(s, max);
      expect(t.length).toBeLessThanOrEqual(max);
      expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(t)).toBe(false);
    }
    expect(truncate('ab👨‍👩‍👧cd', 6)).toBe('ab…');
  });
  it('truncateMrkdwn never leaves half an entity or half a token', () => {
    expect(truncateMrkdwn('abc &amp; def', 7)).toBe('abc…');
    expect(truncateMrkdwn('hi <@U123ABC> there', 9)).toBe('hi…');
    expect(userText('<'.repeat(100), 10)).toBe('&lt;&lt;…');
  });
});

describe('mentions and links', () => {
  it('mentions only real user ids', () => {
    expect(mention('U0REP1')).toBe('<@U0REP1>');
    expect(mention('W0ABC')).toBe('<@W0ABC>');
    expect(mention('!channel')).toBe('!channel');
    expect(mention('U1><!channel')).toBe('U1&gt;&lt;!channel');
    expect(channelLink('C0ROUTING')).toBe('<#C0ROUTING>');
    expect(channelLink('C0|x>')).toBe('C0|x&gt;');
  });
  it('links only http(s) URLs, with an escaped label', () => {
    expect(link('https://acme.com/a?b=1&c=2', 'Acme <x>')).toBe(
      '<https://acme.com/a?b=1&amp;c=2|Acme &lt;x&gt;>',
    );
    expect(link('javascript:alert(1)', 'x')).toBe('x');
    expect(link('https://a.com/|evil', 'x')).toBe('x');
    expect(link('https://a.com/<!channel>', 'x')).toBe('x');
  });
  it('links source messages only on slack.com', () => {
    expect(slackMessageLink('https://slack.com/archives/C1/p123', 'msg')).toBe(
      '<https://slack.com/archives/C1/p123|msg>',
    );
    expect(slackMessageLink('https://acme.slack.com/archives/C1/p123', 'msg')).toContain(
      '<https://acme.slack.com',
    );
    expect(slackMessageLink('https://evil.example/slack.com', 'msg')).toBe('msg');
  });
});

describe('dates and ages', () => {
  it('formats dates in the program time zone', () => {
    const ms = Date.UTC(2026, 10, 23, 3, 0); // Nov 23 03:00 UTC = Nov 22 in New York
    expect(formatDate(ms, 'America/New_York')).toBe('Nov 22, 2026');
    expect(formatDate(ms, 'Europe/London')).toBe('Nov 23, 2026');
    expect(formatCalendarDate('2026-11-02')).toBe('Nov 2, 2026');
    expect(formatCalendarDate('<!here>')).toBe('&lt;!here&gt;');
  });
  it('formats ages', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(formatAge(now - 30_000, now)).toBe('less than a minute');
    expect(formatAge(now - 60_000, now)).toBe('1 minute');
    expect(formatAge(now - 5 * 3_600_000, now)).toBe('5 hours');
    expect(formatAge(now - 3 * 86_400_000, now)).toBe('3 days');
    expect(formatAge(now - 200 * 86_400_000, now)).toBe('6 months');
    expect(formatAge(now + 5000, now)).toBe('less than a minute');
  });
  it('formats rates', () => {
    expect(percent(0.4)).toBe('40%');
    expect(percent(null)).toBe('—');
    expect(percent(Number.NaN)).toBe('—');
  });
});
