import { describe, expect, it } from 'vitest';
import {
  type CallLike,
  type Names,
  renderAck,
  renderBlock,
  renderBlocks,
  renderCall,
  renderMrkdwn,
  renderView,
} from '../../src/slack/render-text.ts';

const names: Names = {
  users: { U0NWPAT: 'Pat Northwind', U0REP1: 'Riley Rep', U0REP2: 'Sam Rep' },
  orgs: { U0NWPAT: 'Northwind Consulting' },
  channels: { C0ROUTING: 'eql-routing', C0SHAREDN: 'shared-northwind' },
  dms: { D0PAT: 'U0NWPAT' },
  views: { V0001: 'U0NWPAT' },
};

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
const md = (text: string) => ({ type: 'mrkdwn', text });
const btn = (text: string, style?: string) => ({
  type: 'button',
  text: plain(text),
  action_id: text.toLowerCase(),
  ...(style ? { style } : {}),
});

describe('renderMrkdwn', () => {
  it.each([
    ['keeps bold', '*Owner* is here', '*Owner* is here'],
    ['names a mentioned user', 'claimed by <@U0REP1>', 'claimed by @Riley Rep'],
    ['uses the label of an unknown user', 'by <@U0XYZ|someone>', 'by @someone'],
    ['keeps the id of an unknown user', 'by <@U0XYZ>', 'by @U0XYZ'],
    ['names a channel', 'see <#C0ROUTING>', 'see #eql-routing'],
    ['uses a channel link label', 'see <#C0OTHER|general>', 'see #general'],
    ['shows special mentions', 'hey <!here>', 'hey @here'],
    [
      'shows a link label and address',
      'read <https://x.example/a|the docs>',
      'read the docs (https://x.example/a)',
    ],
    ['shows a bare link', 'at <https://x.example>', 'at https://x.example'],
    ['uses a date fallback', 'on <!date^1700000000^{date}|Nov 14>', 'on Nov 14'],
    [
      'unescapes entities only for display',
      'Met &lt;!channel&gt; &amp; &lt;@U0REP1&gt;',
      'Met <!channel> & <@U0REP1>',
    ],
  ])('%s', (_name, input, expected) => {
    expect(renderMrkdwn(input, names)).toBe(expected);
  });
});

describe('renderBlock', () => {
  const cases: Array<[string, unknown, string]> = [
    [
      'header: uppercase and underlined',
      { type: 'header', text: plain('Acme Corp') },
      'ACME CORP\n═════════',
    ],
    [
      'section: mentions, channels and escaped entities',
      { type: 'section', text: md('*Owner* <@U0REP1> in <#C0ROUTING> · notes: &lt;b&gt; &amp; co') },
      '*Owner* @Riley Rep in #eql-routing · notes: <b> & co',
    ],
    [
      'section: fields in two columns',
      { type: 'section', fields: [md('*Domain*\nacme.com'), md('*Owner*\n<@U0REP2>')] },
      `*Domain*${' '.repeat(40)}  *Owner*\nacme.com${' '.repeat(40)}  @Sam Rep`,
    ],
    [
      'section: long fields as bullets',
      { type: 'section', fields: [md(`*Need*\n${'x'.repeat(60)}`), md('*Owner*\nnobody')] },
      `• *Need*\n  ${'x'.repeat(60)}\n• *Owner*\n  nobody`,
    ],
    [
      'section: a button accessory sits beside short text',
      { type: 'section', text: md('Flag it here.'), accessory: btn('Flag an account', 'primary') },
      'Flag it here.   [ Flag an account ]',
    ],
    [
      'actions: buttons in a row',
      { type: 'actions', elements: [btn('Claim', 'primary'), btn('Reassign')] },
      '[ Claim ]  [ Reassign ]',
    ],
    [
      'context: dimmed line',
      { type: 'context', elements: [md('Lead #1'), plain('updated just now')] },
      '  · Lead #1  updated just now',
    ],
    [
      'input: optional text',
      {
        type: 'input',
        optional: true,
        label: plain('Notes'),
        element: { type: 'plain_text_input', action_id: 'notes' },
      },
      'Notes: ________ (optional)',
    ],
    [
      'input: required text with a placeholder and hint',
      {
        type: 'input',
        label: plain('Website'),
        hint: plain('The company’s domain'),
        element: { type: 'plain_text_input', action_id: 'website', placeholder: plain('acme.com') },
      },
      'Website: ________ (acme.com)\n    The company’s domain',
    ],
    [
      'input: a prefilled value',
      {
        type: 'input',
        label: plain('Website'),
        element: { type: 'plain_text_input', action_id: 'website', initial_value: 'acme.com' },
      },
      'Website: acme.com____',
    ],
    [
      'input: select with its options',
      {
        type: 'input',
        label: plain('Relationship'),
        element: {
          type: 'static_select',
          placeholder: plain('Choose'),
          options: [
            { text: plain('Customer'), value: 'customer' },
            { text: plain('Prospect'), value: 'prospect' },
          ],
        },
      },
      'Relationship: [ Choose ▾ ]  (Customer | Prospect)',
    ],
    [
      'input: radio buttons with a choice made',
      {
        type: 'input',
        label: plain('Willing to introduce?'),
        element: {
          type: 'radio_buttons',
          initial_option: { text: plain('Yes'), value: 'yes' },
          options: [
            { text: plain('Yes'), value: 'yes' },
            { text: plain('No'), value: 'no' },
          ],
        },
      },
      'Willing to introduce?: (•) Yes  ( ) No',
    ],
    [
      'input: datepicker',
      {
        type: 'input',
        label: plain('Last spoke'),
        element: { type: 'datepicker', initial_date: '2026-11-01' },
      },
      'Last spoke: [ 📅 2026-11-01 ]',
    ],
    ['divider', { type: 'divider' }, '─'.repeat(40)],
    ['unknown block', { type: 'mystery' }, '[mystery]'],
  ];
  it.each(cases)('%s', (_name, block, expected) => {
    expect(renderBlock(block, names)).toBe(expected);
  });

  it('joins blocks line by line and skips empty ones', () => {
    expect(
      renderBlocks([
        { type: 'header', text: plain('Hi') },
        { type: 'context', elements: [] },
        { type: 'divider' },
      ]),
    ).toBe(`HI\n═══\n${'─'.repeat(40)}`);
  });

  it('puts long context elements on separate lines', () => {
    const text = renderBlock({ type: 'context', elements: [md('a'.repeat(60)), md('b'.repeat(60))] }, names);
    expect(text.split('\n')).toEqual([`  · ${'a'.repeat(60)}`, `  · ${'b'.repeat(60)}`]);
  });

  it('colours only when asked', () => {
    const block = { type: 'actions', elements: [btn('Claim', 'primary'), btn('Disqualify', 'danger')] };
    expect(renderBlock(block, names, { color: false })).not.toContain('\x1b[');
    expect(renderBlock(block, names, { color: true })).toContain('\x1b[32m[ Claim ]');
    expect(renderMrkdwn('*bold* text', names, { color: true })).toBe('\x1b[1mbold\x1b[0m text');
  });
});

describe('renderView', () => {
  it('shows the title, the blocks and the submit button', () => {
    const view = {
      type: 'modal',
      title: plain('Flag an account'),
      submit: plain('Submit'),
      close: plain('Cancel'),
      blocks: [{ type: 'input', label: plain('Account'), element: { type: 'plain_text_input' } }],
    };
    expect(renderView(view, names)).toBe('┃ Flag an account\nAccount: ________\n[ Cancel ]  [ Submit ]');
  });

  it('renders App Home without modal buttons', () => {
    expect(renderView({ type: 'home', blocks: [{ type: 'section', text: md('Hello') }] })).toBe(
      '┃ App Home\nHello',
    );
  });
});

describe('renderCall', () => {
  const msg = { blocks: [{ type: 'section', text: md('Hi <@U0NWPAT>') }] };
  const cases: Array<[string, CallLike, string]> = [
    [
      'a DM by user id',
      { method: 'chat.postMessage', args: { channel: 'U0NWPAT', ...msg }, response: { ok: true } },
      '── DM to Pat Northwind (Northwind Consulting) ──\n  Hi @Pat Northwind',
    ],
    [
      'a DM by DM channel id',
      {
        method: 'chat.postMessage',
        args: { channel: 'D0PAT', text: 'plain &amp; simple' },
        response: { ok: true },
      },
      '── DM to Pat Northwind (Northwind Consulting) ──\n  plain & simple',
    ],
    [
      'a new channel post',
      { method: 'chat.postMessage', args: { channel: 'C0ROUTING', ...msg }, response: { ok: true } },
      '── #eql-routing: new post ──\n  Hi @Pat Northwind',
    ],
    [
      'a thread reply',
      {
        method: 'chat.postMessage',
        args: { channel: 'C0ROUTING', thread_ts: '1.2', ...msg },
        response: { ok: true },
      },
      '── #eql-routing: reply in thread ──\n  Hi @Pat Northwind',
    ],
    [
      'an update',
      { method: 'chat.update', args: { channel: 'C0ROUTING', ts: '1.2', ...msg }, response: { ok: true } },
      '── #eql-routing: post updated ──\n  Hi @Pat Northwind',
    ],
    [
      'an ephemeral',
      {
        method: 'chat.postEphemeral',
        args: { channel: 'C0ROUTING', user: 'U0REP2', text: '<@U0REP1> already claimed this lead.' },
        response: { ok: true },
      },
      '── ephemeral to Sam Rep in #eql-routing ──\n  @Riley Rep already claimed this lead.',
    ],
    [
      'a modal',
      {
        method: 'views.open',
        args: { trigger_id: 't', view: { type: 'modal', title: plain('Flag'), blocks: [] } },
        response: { ok: true, view: { id: 'V0001' } },
      },
      '── modal opened for Pat Northwind ──\n  ┃ Flag\n  [ Cancel ]',
    ],
    [
      'a pin',
      { method: 'pins.add', args: { channel: 'C0SHAREDN', timestamp: '1.2' }, response: { ok: true } },
      '── 📌 pinned in #shared-northwind ──',
    ],
    [
      'a failed post',
      {
        method: 'chat.postMessage',
        args: { channel: 'C0ROUTING', text: 'x' },
        response: { ok: false, error: 'not_in_channel' },
      },
      '── #eql-routing: new post ──\n  x\n  ✗ Slack answered: not_in_channel',
    ],
  ];
  it.each(cases)('%s', (_name, call, expected) => {
    expect(renderCall(call, names)).toBe(expected);
  });

  it('leaves out plumbing calls', () => {
    for (const method of ['auth.test', 'users.info', 'conversations.open', 'conversations.info'])
      expect(renderCall({ method, args: {}, response: { ok: true } }, names)).toBeNull();
  });
});

describe('renderAck', () => {
  it.each([
    [
      'a modal update',
      {
        response_action: 'update',
        view: { type: 'modal', title: plain('It’s an EQL'), close: plain('Done'), blocks: [] },
      },
      '── modal answer (update) ──\n  ┃ It’s an EQL\n  [ Done ]',
    ],
    [
      'field errors',
      { response_action: 'errors', errors: { website: 'Enter a domain' } },
      '── modal answer (errors) ──\n  ✗ website: Enter a domain',
    ],
    [
      'a slash command’s ephemeral reply',
      { response_type: 'ephemeral', text: 'See <#C0ROUTING>' },
      '── ephemeral to Riley Rep in #eql-routing ──\n  See #eql-routing',
    ],
  ])('%s', (_name, ack, expected) => {
    expect(renderAck(ack, { userId: 'U0REP1', channelId: 'C0ROUTING' }, names)).toBe(expected);
  });

  it('is null for an empty ack', () => {
    expect(renderAck(null, { userId: 'U0REP1' }, names)).toBeNull();
    expect(renderAck({}, { userId: 'U0REP1' }, names)).toBeNull();
  });
});
