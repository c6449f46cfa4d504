import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { api } from './helpers.ts';

describe('Web API methods', () => {
  let standIn: SlackStandIn;
  let web: WebClient;
  beforeAll(async () => {
    standIn = await startSlackStandIn({
      channels: [
        { id: 'C0SHARED', name: 'acme-partners', isExtShared: true, connectedTeamIds: ['T0ACME'] },
        { id: 'G0PRIVATE', name: 'deal-room', isPrivate: true },
        { id: 'C0ARCHIVED', name: 'old', isArchived: true },
        { id: 'C0NOTMEMBER', name: 'elsewhere', isMember: false },
      ],
      users: [
        { id: 'U0000ALICE', name: 'alice', tz: 'Europe/Paris', tzOffset: 3600, locale: 'fr-FR' },
        { id: 'W0PARTNER', teamId: 'T0ACME', name: 'pat', tz: 'Asia/Tokyo', tzOffset: 32400 },
        { id: 'U0STRANGER', teamId: 'T0OTHER', canDm: false },
        { id: 'U0HIDDEN', teamId: 'T0OTHER', visible: false },
      ],
      missingChannels: ['C0GONE'],
      oauth: { clientId: 'cid', clientSecret: 'secret', response: { team: { id: 'T0NEW', name: 'New Co' } } },
    });
    web = new WebClient('xoxb-test', {
      slackApiUrl: standIn.apiUrl,
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 0 },
    });
  });
  afterAll(async () => {
    await standIn.close();
  });
  beforeEach(() => {
    standIn.reset();
  });

  it('posts to a user id via their DM channel and resolves messagesTo both ways', async () => {
    const opened = await web.conversations.open({ users: 'U0000ALICE' });
    const dm = opened.channel?.id ?? '';
    expect(dm).toMatch(/^D[A-Z0-9]+$/);
    expect((await web.conversations.open({ users: 'U0000ALICE' })).channel?.id).toBe(dm);
    const viaUser = await web.chat.postMessage({ channel: 'U0000ALICE', text: 'one' });
    expect(viaUser.channel).toBe(dm);
    await web.chat.postMessage({ channel: dm, text: 'two' });
    await web.chat.postEphemeral({ channel: 'C0SHARED', user: 'U0000ALICE', text: 'only you' });
    await web.chat.postMessage({ channel: 'C0SHARED', text: 'public' });
    expect(standIn.messagesTo('U0000ALICE').map((m) => m.text)).toEqual(['one', 'two', 'only you']);
    expect(standIn.messagesTo(dm).map((m) => m.dmUser)).toEqual(['U0000ALICE', 'U0000ALICE']);
    expect(standIn.messagesTo('C0SHARED').map((m) => m.method)).toEqual([
      'chat.postEphemeral',
      'chat.postMessage',
    ]);
  });

  it('checks channels: missing, archived, not a member, and arbitrary ids accepted', async () => {
    await expect(web.chat.postMessage({ channel: 'C0GONE', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(web.chat.postMessage({ channel: 'C0ARCHIVED', text: 'x' })).rejects.toMatchObject({
      data: { error: 'is_archived' },
    });
    await expect(web.chat.postMessage({ channel: 'C0NOTMEMBER', text: 'x' })).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });
    await expect(web.chat.postMessage({ channel: 'not a channel', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    expect((await web.chat.postMessage({ channel: 'C0ANYTHING', text: 'x' })).ok).toBe(true);
    expect((await web.chat.postMessage({ channel: '#deal-room', text: 'x' })).channel).toBe('G0PRIVATE');
  });

  it('answers conversations.info for configured, DM and unknown channels', async () => {
    const shared = await web.conversations.info({ channel: 'C0SHARED' });
    expect(shared.channel).toMatchObject({
      id: 'C0SHARED',
      name: 'acme-partners',
      is_ext_shared: true,
      is_private: false,
    });
    const priv = await web.conversations.info({ channel: 'G0PRIVATE' });
    expect(priv.channel).toMatchObject({ is_private: true, is_ext_shared: false });
    const dm = standIn.dmChannelFor('U0000ALICE');
    expect((await web.conversations.info({ channel: dm })).channel).toMatchObject({
      is_im: true,
      user: 'U0000ALICE',
    });
    await expect(web.conversations.info({ channel: 'C0UNKNOWN' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it('answers users.info for local and external people', async () => {
    const alice = await web.users.info({ user: 'U0000ALICE', include_locale: true });
    expect(alice.user).toMatchObject({
      id: 'U0000ALICE',
      team_id: 'T0000HOME',
      tz: 'Europe/Paris',
      locale: 'fr-FR',
    });
    const noLocale = await web.users.info({ user: 'U0000ALICE' });
    expect(noLocale.user?.locale).toBeUndefined();
    const partner = await web.users.info({ user: 'W0PARTNER' });
    expect(partner.user).toMatchObject({ team_id: 'T0ACME', tz: 'Asia/Tokyo', tz_offset: 32400 });
    await expect(web.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({
      data: { error: 'user_not_found' },
    });
    await expect(web.users.info({ user: 'U0HIDDEN' })).rejects.toMatchObject({
      data: { error: 'user_not_visible' },
    });
    await expect(web.conversations.open({ users: 'U0STRANGER' })).rejects.toMatchObject({
      data: { error: 'invalid_user_combination' },
    });
  });

  it('updates, pins, reacts and links only to messages that exist', async () => {
    const { ts = '' } = await web.chat.postMessage({ channel: 'C0SHARED', text: 'lead' });
    const updated = await web.chat.update({ channel: 'C0SHARED', ts, text: 'lead (won)' });
    expect(updated).toMatchObject({ ok: true, ts, channel: 'C0SHARED' });
    expect(standIn.message('C0SHARED', ts)?.text).toBe('lead (won)');
    await expect(web.chat.update({ channel: 'C0SHARED', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    const human = standIn.addMessage({ channel: 'C0SHARED', text: 'I have a lead', user: 'W0PARTNER' });
    await expect(web.chat.update({ channel: 'C0SHARED', ts: human, text: 'x' })).rejects.toMatchObject({
      data: { error: 'cant_update_message' },
    });

    await web.pins.add({ channel: 'C0SHARED', timestamp: ts });
    await expect(web.pins.add({ channel: 'C0SHARED', timestamp: ts })).rejects.toMatchObject({
      data: { error: 'already_pinned' },
    });
    const pins = await web.pins.list({ channel: 'C0SHARED' });
    expect(pins.items?.map((i) => i.message?.ts)).toEqual([ts]);
    await web.pins.remove({ channel: 'C0SHARED', timestamp: ts });
    await expect(web.pins.remove({ channel: 'C0SHARED', timestamp: ts })).rejects.toMatchObject({
      data: { error: 'no_pin' },
    });

    await web.reactions.add({ channel: 'C0SHARED', timestamp: human, name: 'eyes' });
    await expect(
      web.reactions.add({ channel: 'C0SHARED', timestamp: human, name: 'eyes' }),
    ).rejects.toMatchObject({
      data: { error: 'already_reacted' },
    });

    const link = await web.chat.getPermalink({ channel: 'C0SHARED', message_ts: ts });
    expect(link.permalink).toBe(`https://foothold-test.slack.com/archives/C0SHARED/p${ts.replace('.', '')}`);
  });

  it('exchanges an OAuth code once and accepts the issued token', async () => {
    const noToken = new WebClient(undefined, {
      slackApiUrl: standIn.apiUrl,
      logLevel: LogLevel.ERROR,
      retryConfig: { retries: 0 },
    });
    await expect(
      noToken.oauth.v2.access({ client_id: 'cid', client_secret: 'wrong', code: 'c1' }),
    ).rejects.toMatchObject({ data: { error: 'bad_client_secret' } });
    const res = await noToken.oauth.v2.access({ client_id: 'cid', client_secret: 'secret', code: 'c1' });
    expect(res).toMatchObject({
      ok: true,
      token_type: 'bot',
      bot_user_id: 'U0000BOT',
      team: { id: 'T0NEW' },
    });
    await expect(
      noToken.oauth.v2.access({ client_id: 'cid', client_secret: 'secret', code: 'c1' }),
    ).rejects.toMatchObject({ data: { error: 'invalid_code' } });
    const installed = new WebClient(res.access_token, {
      slackApiUrl: standIn.apiUrl,
      logLevel: LogLevel.ERROR,
    });
    expect(await installed.auth.test()).toMatchObject({
      team_id: 'T0NEW',
      team: 'New Co',
      bot_id: 'B0000BOT',
    });
  });

  it('requires channel and content', async () => {
    expect((await api(standIn, 'chat.postMessage', { text: 'x' })).body.error).toBe('channel_not_found');
    expect((await api(standIn, 'chat.postMessage', { channel: 'C1', text: '' })).body.error).toBe('no_text');
  });
});
