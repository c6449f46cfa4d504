import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { api, fakeClock } from './helpers.ts';

const modal = (title = 'Modal', extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  callback_id: 'cb',
  title: { type: 'plain_text', text: title },
  close: { type: 'plain_text', text: 'Close' },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
  ...extra,
});

describe('trigger ids and view stacks', () => {
  const clock = fakeClock();
  let standIn: SlackStandIn;
  beforeAll(async () => {
    standIn = await startSlackStandIn({ now: clock.now });
  });
  afterAll(async () => {
    await standIn.close();
  });
  beforeEach(() => {
    standIn.reset();
  });

  it('accepts a trigger once, within 3 seconds', async () => {
    const trigger_id = standIn.issueTriggerId({ userId: 'U0000ALICE' });
    const first = await api(standIn, 'views.open', { trigger_id, view: modal() });
    expect(first.body.ok).toBe(true);
    const view = first.body.view as Record<string, unknown>;
    expect(view.id).toMatch(/^V[A-Z0-9]+$/);
    expect(view.hash).toMatch(/^\d+\.[0-9a-f]+$/);
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: 'cb',
      root_view_id: view.id,
      previous_view_id: null,
    });
    const again = await api(standIn, 'views.open', { trigger_id, view: modal() });
    expect(again.body).toEqual({ ok: false, error: 'exchanged_trigger_id' });
  });

  it('expires a trigger after 3 seconds and rejects unknown ones', async () => {
    const fresh = standIn.issueTriggerId();
    clock.advance(3000);
    expect((await api(standIn, 'views.open', { trigger_id: fresh, view: modal() })).body.ok).toBe(true);
    const stale = standIn.issueTriggerId();
    clock.advance(3001);
    expect((await api(standIn, 'views.open', { trigger_id: stale, view: modal() })).body.error).toBe(
      'expired_trigger_id',
    );
    expect((await api(standIn, 'views.open', { trigger_id: '123.456.abc', view: modal() })).body.error).toBe(
      'invalid_trigger_id',
    );
    expect((await api(standIn, 'views.open', { view: modal() })).body.error).toBe('invalid_arguments');
  });

  it('stacks at most 3 views and tracks root/previous ids', async () => {
    const opened = await api(standIn, 'views.open', {
      trigger_id: standIn.issueTriggerId({ userId: 'U1' }),
      view: modal('One'),
    });
    const rootId = (opened.body.view as { id: string }).id;
    const p2 = await api(standIn, 'views.push', {
      trigger_id: standIn.issueTriggerId({ userId: 'U1', viewId: rootId }),
      view: modal('Two'),
    });
    expect(p2.body.view).toMatchObject({ root_view_id: rootId, previous_view_id: rootId });
    const secondId = (p2.body.view as { id: string }).id;
    const p3 = await api(standIn, 'views.push', {
      trigger_id: standIn.issueTriggerId({ userId: 'U1', viewId: secondId }),
      view: modal('Three'),
    });
    expect(p3.body.ok).toBe(true);
    const p4 = await api(standIn, 'views.push', {
      trigger_id: standIn.issueTriggerId({ userId: 'U1' }),
      view: modal('Four'),
    });
    expect(p4.body.error).toBe('push_limit_reached');
    expect(standIn.viewStack('U1').map((v) => (v.payload.title as { text: string }).text)).toEqual([
      'One',
      'Two',
      'Three',
    ]);
    standIn.closeView(secondId);
    expect(standIn.viewStack('U1')).toHaveLength(1);
    const p5 = await api(standIn, 'views.push', {
      trigger_id: standIn.issueTriggerId({ userId: 'U1' }),
      view: modal('Again'),
    });
    expect(p5.body.ok).toBe(true);
  });

  it('refuses views.push when the user has no open modal', async () => {
    const res = await api(standIn, 'views.push', {
      trigger_id: standIn.issueTriggerId({ userId: 'U9' }),
      view: modal(),
    });
    expect(res.body.error).toBe('not_found');
  });

  it('updates by view_id or external_id and honours hash', async () => {
    const opened = await api(standIn, 'views.open', {
      trigger_id: standIn.issueTriggerId(),
      view: modal('Before', { external_id: 'lead-42' }),
    });
    const v = opened.body.view as { id: string; hash: string };
    const byId = await api(standIn, 'views.update', { view_id: v.id, hash: v.hash, view: modal('After') });
    expect(byId.body.view).toMatchObject({ id: v.id, external_id: 'lead-42', title: { text: 'After' } });
    const newHash = (byId.body.view as { hash: string }).hash;
    expect(newHash).not.toBe(v.hash);
    const stale = await api(standIn, 'views.update', { view_id: v.id, hash: v.hash, view: modal('Stale') });
    expect(stale.body.error).toBe('hash_conflict');
    const byExternal = await api(standIn, 'views.update', { external_id: 'lead-42', view: modal('Ext') });
    expect(byExternal.body.view).toMatchObject({ id: v.id, title: { text: 'Ext' } });
    expect((await api(standIn, 'views.update', { view_id: 'VNOPE', view: modal() })).body.error).toBe(
      'not_found',
    );
    const dup = await api(standIn, 'views.open', {
      trigger_id: standIn.issueTriggerId(),
      view: modal('Dup', { external_id: 'lead-42' }),
    });
    expect(dup.body.error).toBe('duplicate_external_id');
    expect(standIn.view('lead-42')?.history).toHaveLength(3);
  });

  it('publishes one Home tab per user', async () => {
    const home = { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'home' } }] };
    const first = await api(standIn, 'views.publish', { user_id: 'U0000ALICE', view: home });
    const second = await api(standIn, 'views.publish', { user_id: 'U0000ALICE', view: home });
    expect((first.body.view as { id: string }).id).toBe((second.body.view as { id: string }).id);
    expect(standIn.homeView('U0000ALICE')?.history).toHaveLength(2);
    expect((await api(standIn, 'views.publish', { view: home })).body.error).toBe('invalid_arguments');
  });
});
