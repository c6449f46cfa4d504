import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { api, errorStrings } from './helpers.ts';

type Json = Record<string, unknown>;

const pt = (text: string): Json => ({ type: 'plain_text', text });
const md = (text: string): Json => ({ type: 'mrkdwn', text });
const x = (n: number): string => 'x'.repeat(n);
const section = (text = 'hello', over: Json = {}): Json => ({ type: 'section', text: md(text), ...over });
const button = (over: Json = {}): Json => ({
  type: 'button',
  action_id: 'go',
  text: pt('Go'),
  value: 'v',
  ...over,
});
const actions = (elements: Json[], over: Json = {}): Json => ({ type: 'actions', elements, ...over });
const option = (text: string, value: string): Json => ({ text: pt(text), value });
const select = (options: Json[], over: Json = {}): Json => ({
  type: 'static_select',
  action_id: 'pick',
  placeholder: pt('Pick'),
  options,
  ...over,
});
const textInput = (over: Json = {}): Json => ({ type: 'plain_text_input', action_id: 'in', ...over });
const input = (over: Json = {}, element: Json = textInput()): Json => ({
  type: 'input',
  block_id: 'in_block',
  label: pt('Name'),
  element,
  ...over,
});
const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const modal = (over: Json = {}): Json => ({
  type: 'modal',
  callback_id: 'cb',
  title: pt('Title'),
  submit: pt('Save'),
  close: pt('Cancel'),
  blocks: [section()],
  ...over,
});

interface Case {
  name: string;
  method: 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral' | 'views.open' | 'views.publish';
  args: Json;
  /** Expected error, or null when the payload must be accepted. */
  error: string | null;
  /** JSON pointer that an error string must mention. */
  pointer?: string;
}

const msg = (blocks: Json[], extra: Json = {}): Json => ({
  channel: 'C0000GENERAL',
  text: 'fallback',
  blocks,
  ...extra,
});
const openView = (view: Json): Json => ({ view });
const home = (view: Json): Json => ({
  user_id: 'U0000ALICE',
  view: { type: 'home', blocks: [section()], ...view },
});

const cases: Case[] = [
  // blocks per message
  {
    name: '50 blocks per message',
    method: 'chat.postMessage',
    args: msg(many(50, () => ({ type: 'divider' }))),
    error: null,
  },
  {
    name: '51 blocks per message',
    method: 'chat.postMessage',
    args: msg(many(51, () => ({ type: 'divider' }))),
    error: 'invalid_blocks',
    pointer: '/blocks',
  },
  // section
  { name: 'section text 3000', method: 'chat.postMessage', args: msg([section(x(3000))]), error: null },
  {
    name: 'section text 3001',
    method: 'chat.postMessage',
    args: msg([section(x(3001))]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/text/text',
  },
  {
    name: 'section 10 fields of 2000',
    method: 'chat.postMessage',
    args: msg([{ type: 'section', fields: many(10, () => md(x(2000))) }]),
    error: null,
  },
  {
    name: 'section 11 fields',
    method: 'chat.postMessage',
    args: msg([{ type: 'section', fields: many(11, () => md('f')) }]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/fields',
  },
  {
    name: 'section field 2001',
    method: 'chat.postMessage',
    args: msg([{ type: 'section', fields: [md('a'), md(x(2001))] }]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/fields/1/text',
  },
  {
    name: 'section without text or fields',
    method: 'chat.postMessage',
    args: msg([{ type: 'section' }]),
    error: 'invalid_blocks',
    pointer: '/blocks/0',
  },
  // header
  {
    name: 'header 150',
    method: 'chat.postMessage',
    args: msg([{ type: 'header', text: pt(x(150)) }]),
    error: null,
  },
  {
    name: 'header 151',
    method: 'chat.postMessage',
    args: msg([{ type: 'header', text: pt(x(151)) }]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/text/text',
  },
  {
    name: 'header mrkdwn not allowed',
    method: 'chat.postMessage',
    args: msg([{ type: 'header', text: md('*h*') }]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/text/type',
  },
  // context
  {
    name: 'context 10 elements',
    method: 'chat.postMessage',
    args: msg([{ type: 'context', elements: many(10, () => md('c')) }]),
    error: null,
  },
  {
    name: 'context 11 elements',
    method: 'chat.postMessage',
    args: msg([{ type: 'context', elements: many(11, () => md('c')) }]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements',
  },
  // actions
  {
    name: 'actions 25 elements',
    method: 'chat.postMessage',
    args: msg([actions(many(25, (i) => button({ action_id: `b${i}` })))]),
    error: null,
  },
  {
    name: 'actions 26 elements',
    method: 'chat.postMessage',
    args: msg([actions(many(26, (i) => button({ action_id: `b${i}` })))]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements',
  },
  // button
  {
    name: 'button text 75, value 2000, url 3000',
    method: 'chat.postMessage',
    args: msg([actions([button({ text: pt(x(75)), value: x(2000), url: `https://e.co/${x(3000 - 13)}` })])]),
    error: null,
  },
  {
    name: 'button text 76',
    method: 'chat.postMessage',
    args: msg([actions([button({ text: pt(x(76)) })])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/text/text',
  },
  {
    name: 'button value 2001',
    method: 'chat.postMessage',
    args: msg([actions([button({ value: x(2001) })])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/value',
  },
  {
    name: 'button url 3001',
    method: 'chat.postMessage',
    args: msg([actions([button({ url: `https://e.co/${x(3001 - 13)}` })])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/url',
  },
  {
    name: 'button text mrkdwn',
    method: 'chat.postMessage',
    args: msg([actions([button({ text: md('Go') })])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/text/type',
  },
  // ids
  {
    name: 'action_id/block_id 255',
    method: 'chat.postMessage',
    args: msg([actions([button({ action_id: x(255) })], { block_id: x(255) })]),
    error: null,
  },
  {
    name: 'action_id 256',
    method: 'chat.postMessage',
    args: msg([actions([button({ action_id: x(256) })])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/action_id',
  },
  {
    name: 'block_id 256',
    method: 'chat.postMessage',
    args: msg([section('s', { block_id: x(256) })]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/block_id',
  },
  {
    name: 'duplicate block_id',
    method: 'chat.postMessage',
    args: msg([section('a', { block_id: 'same' }), section('b', { block_id: 'same' })]),
    error: 'invalid_blocks',
    pointer: '/blocks/1/block_id',
  },
  {
    name: 'duplicate action_id within a block',
    method: 'chat.postMessage',
    args: msg([actions([button(), button()])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/1/action_id',
  },
  {
    name: 'same action_id in different blocks',
    method: 'chat.postMessage',
    args: msg([actions([button()]), actions([button()])]),
    error: null,
  },
  // static select
  {
    name: 'select 100 options, text 75, value 75',
    method: 'chat.postMessage',
    args: msg([actions([select(many(100, (i) => option(x(75), `${i}`.padEnd(75, 'v'))))])]),
    error: null,
  },
  {
    name: 'select 101 options',
    method: 'chat.postMessage',
    args: msg([actions([select(many(101, (i) => option('o', `${i}`)))])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/options',
  },
  {
    name: 'option text 76',
    method: 'chat.postMessage',
    args: msg([actions([select([option(x(76), 'v')])])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/options/0/text/text',
  },
  {
    name: 'option value 76',
    method: 'chat.postMessage',
    args: msg([actions([select([option('o', x(76))])])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/options/0/value',
  },
  {
    name: 'select placeholder 151',
    method: 'chat.postMessage',
    args: msg([actions([select([option('o', 'v')], { placeholder: pt(x(151)) })])]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/elements/0/placeholder/text',
  },
  // plain_text objects
  {
    name: 'empty plain_text',
    method: 'chat.postMessage',
    args: msg([{ type: 'section', text: pt('') }]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/text/text',
  },
  {
    name: 'unknown block type',
    method: 'chat.postMessage',
    args: msg([{ type: 'sektion', text: md('a') }]),
    error: 'invalid_blocks',
    pointer: '/blocks/0/type',
  },
  // message text and presence
  {
    name: 'text 4000',
    method: 'chat.postMessage',
    args: { channel: 'C0000GENERAL', text: x(4000) },
    error: null,
  },
  {
    name: 'text 4001',
    method: 'chat.postMessage',
    args: { channel: 'C0000GENERAL', text: x(4001) },
    error: 'msg_too_long',
  },
  {
    name: 'no text and no blocks',
    method: 'chat.postMessage',
    args: { channel: 'C0000GENERAL' },
    error: 'no_text',
  },
  {
    name: 'blocks only (no text)',
    method: 'chat.postMessage',
    args: { channel: 'C0000GENERAL', blocks: [section()] },
    error: null,
  },
  {
    name: 'blocks not JSON',
    method: 'chat.postMessage',
    args: { channel: 'C0000GENERAL', blocks: 'nope' },
    error: 'invalid_blocks_format',
  },
  {
    name: 'ephemeral 51 blocks',
    method: 'chat.postEphemeral',
    args: msg(
      many(51, () => ({ type: 'divider' })),
      { user: 'U0000ALICE' },
    ),
    error: 'invalid_blocks',
    pointer: '/blocks',
  },
  // modals
  {
    name: 'modal 100 blocks',
    method: 'views.open',
    args: openView(modal({ blocks: many(100, () => ({ type: 'divider' })) })),
    error: null,
  },
  {
    name: 'modal 101 blocks',
    method: 'views.open',
    args: openView(modal({ blocks: many(101, () => ({ type: 'divider' })) })),
    error: 'invalid_arguments',
    pointer: '/view/blocks',
  },
  {
    name: 'modal title 24, submit 24, close 24',
    method: 'views.open',
    args: openView(modal({ title: pt(x(24)), submit: pt(x(24)), close: pt(x(24)) })),
    error: null,
  },
  {
    name: 'modal title 25',
    method: 'views.open',
    args: openView(modal({ title: pt(x(25)) })),
    error: 'invalid_arguments',
    pointer: '/view/title/text',
  },
  {
    name: 'modal submit 25',
    method: 'views.open',
    args: openView(modal({ submit: pt(x(25)) })),
    error: 'invalid_arguments',
    pointer: '/view/submit/text',
  },
  {
    name: 'modal close 25',
    method: 'views.open',
    args: openView(modal({ close: pt(x(25)) })),
    error: 'invalid_arguments',
    pointer: '/view/close/text',
  },
  {
    name: 'modal without title',
    method: 'views.open',
    args: openView(modal({ title: undefined })),
    error: 'invalid_arguments',
    pointer: '/view/title',
  },
  {
    name: 'private_metadata 3000, callback_id/external_id 255',
    method: 'views.open',
    args: openView(modal({ private_metadata: x(3000), callback_id: x(255), external_id: `e${x(254)}` })),
    error: null,
  },
  {
    name: 'private_metadata 3001',
    method: 'views.open',
    args: openView(modal({ private_metadata: x(3001) })),
    error: 'invalid_arguments',
    pointer: '/view/private_metadata',
  },
  {
    name: 'callback_id 256',
    method: 'views.open',
    args: openView(modal({ callback_id: x(256) })),
    error: 'invalid_arguments',
    pointer: '/view/callback_id',
  },
  {
    name: 'external_id 256',
    method: 'views.open',
    args: openView(modal({ external_id: x(256) })),
    error: 'invalid_arguments',
    pointer: '/view/external_id',
  },
  {
    name: 'input label 2000, placeholder 150, max_length 3000',
    method: 'views.open',
    args: openView(
      modal({
        blocks: [input({ label: pt(x(2000)) }, textInput({ placeholder: pt(x(150)), max_length: 3000 }))],
      }),
    ),
    error: null,
  },
  {
    name: 'input label 2001',
    method: 'views.open',
    args: openView(modal({ blocks: [input({ label: pt(x(2001)) })] })),
    error: 'invalid_arguments',
    pointer: '/view/blocks/0/label/text',
  },
  {
    name: 'input placeholder 151',
    method: 'views.open',
    args: openView(modal({ blocks: [input({}, textInput({ placeholder: pt(x(151)) }))] })),
    error: 'invalid_arguments',
    pointer: '/view/blocks/0/element/placeholder/text',
  },
  {
    name: 'plain_text_input max_length 3001',
    method: 'views.open',
    args: openView(modal({ blocks: [input({}, textInput({ max_length: 3001 }))] })),
    error: 'invalid_arguments',
    pointer: '/view/blocks/0/element/max_length',
  },
  {
    name: 'input block without label',
    method: 'views.open',
    args: openView(modal({ blocks: [input({ label: undefined })] })),
    error: 'invalid_arguments',
    pointer: '/view/blocks/0/label',
  },
  {
    name: 'input label mrkdwn',
    method: 'views.open',
    args: openView(modal({ blocks: [input({ label: md('*x*') })] })),
    error: 'invalid_arguments',
    pointer: '/view/blocks/0/label/type',
  },
  {
    name: 'modal with inputs but no submit',
    method: 'views.open',
    args: openView(modal({ submit: undefined, blocks: [input()] })),
    error: 'invalid_arguments',
    pointer: '/view/submit',
  },
  {
    name: 'modal without inputs needs no submit',
    method: 'views.open',
    args: openView(modal({ submit: undefined })),
    error: null,
  },
  {
    name: 'duplicate block_id in a view',
    method: 'views.open',
    args: openView(modal({ blocks: [input(), input()] })),
    error: 'invalid_arguments',
    pointer: '/view/blocks/1/block_id',
  },
  {
    name: 'views.open with a home view',
    method: 'views.open',
    args: openView(modal({ type: 'home' })),
    error: 'invalid_arguments',
    pointer: '/view/type',
  },
  // home
  {
    name: 'home 100 blocks',
    method: 'views.publish',
    args: home({ blocks: many(100, () => ({ type: 'divider' })) }),
    error: null,
  },
  {
    name: 'home 101 blocks',
    method: 'views.publish',
    args: home({ blocks: many(101, () => ({ type: 'divider' })) }),
    error: 'invalid_arguments',
    pointer: '/view/blocks',
  },
  {
    name: 'views.publish with a modal',
    method: 'views.publish',
    args: { user_id: 'U0000ALICE', view: modal() },
    error: 'invalid_arguments',
    pointer: '/view/type',
  },
];

describe('Block Kit limits enforced by the stand-in', () => {
  let standIn: SlackStandIn;
  beforeAll(async () => {
    standIn = await startSlackStandIn();
  });
  afterAll(async () => {
    await standIn.close();
  });
  beforeEach(() => {
    standIn.reset();
  });

  it.each(cases)('$name → $error', async ({ method, args, error, pointer }) => {
    const callArgs = { ...args };
    if (method === 'views.open') callArgs.trigger_id = standIn.issueTriggerId();
    const { status, body } = await api(standIn, method, callArgs);
    expect(status).toBe(200);
    if (error === null) {
      expect(body, JSON.stringify(body).slice(0, 500)).toMatchObject({ ok: true });
      return;
    }
    expect(body.ok).toBe(false);
    expect(body.error).toBe(error);
    if (pointer !== undefined) {
      const strings = errorStrings(body);
      expect(
        strings.some((s) => s.endsWith(`[json-pointer:${pointer}]`)),
        strings.join('\n'),
      ).toBe(true);
    }
    if (error === 'invalid_blocks') expect(Array.isArray(body.errors)).toBe(true);
    if (error === 'invalid_arguments') {
      expect((body.response_metadata as { messages: string[] }).messages[0]).toMatch(/^\[ERROR\] /);
    }
  });

  it('applies the same checks to chat.update and to JSON bodies', async () => {
    const posted = await api(standIn, 'chat.postMessage', { channel: 'C0000GENERAL', text: 'hi' });
    const ts = posted.body.ts as string;
    const tooLong = await api(standIn, 'chat.update', { channel: 'C0000GENERAL', ts, text: x(4001) });
    expect(tooLong.body.error).toBe('msg_too_long');
    const badBlocks = await api(
      standIn,
      'chat.update',
      { channel: 'C0000GENERAL', ts, text: 'hi', blocks: [section(x(3001))] },
      { json: true },
    );
    expect(badBlocks.body.error).toBe('invalid_blocks');
    const ok = await api(
      standIn,
      'chat.update',
      { channel: 'C0000GENERAL', ts, text: 'edited', blocks: [section()] },
      { json: true },
    );
    expect(ok.body).toMatchObject({ ok: true, channel: 'C0000GENERAL', ts, text: 'edited' });
  });

  it('does not consume the trigger when the view is rejected', async () => {
    const trigger_id = standIn.issueTriggerId();
    const bad = await api(standIn, 'views.open', { trigger_id, view: modal({ title: pt(x(25)) }) });
    expect(bad.body.error).toBe('invalid_arguments');
    const good = await api(standIn, 'views.open', { trigger_id, view: modal() });
    expect(good.body.ok).toBe(true);
  });
});
