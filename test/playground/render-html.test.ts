import { describe, expect, test } from 'vitest';
import {
  blockHtml,
  escapeHtml,
  messageHtml,
  modalHtml,
  mrkdwnToHtml,
} from '../../src/playground/render-html.ts';

const names = { users: { U0REP1: 'Riley <Rep>' }, channels: { C0ROUTING: 'eql-routing' } };
const ctx = { names, people: [{ id: 'U0REP1', name: 'Riley Rep' }] };

describe('mrkdwnToHtml', () => {
  test.each([
    ['*bold* and _italic_ and ~gone~', '<b>bold</b> and <i>italic</i> and <s>gone</s>'],
    ['use `a<b` here', 'use <code>a&lt;b</code> here'],
    ['```x *y*```', '<pre>x *y*</pre>'],
    ['hi <@U0REP1>', 'hi <span class="mention">@Riley &lt;Rep&gt;</span>'],
    ['hi <@U0NOBODY>', 'hi <span class="mention">@U0NOBODY</span>'],
    ['in <#C0ROUTING>', 'in <span class="mention">#eql-routing</span>'],
    [
      '<https://acme.com|Acme & co>',
      '<a href="https://acme.com" target="_blank" rel="noopener noreferrer">Acme &amp; co</a>',
    ],
    ['<javascript:alert(1)|click>', 'click'],
    ['due <!date^1796431763^{date_short}|Dec 4, 2026>', 'due Dec 4, 2026'],
    ['a &lt;b&gt; &amp; c', 'a &lt;b&gt; &amp; c'],
    ['line one\nline two', 'line one<br>line two'],
    [
      '_attested by <@U0REP1> today_',
      '<i>attested by <span class="mention">@Riley &lt;Rep&gt;</span> today</i>',
    ],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['&lt;script&gt;alert(1)&lt;/script&gt;', '&lt;script&gt;alert(1)&lt;/script&gt;'],
  ])('%s', (input, html) => {
    expect(mrkdwnToHtml(input, names)).toBe(html);
  });
});

describe('blockHtml', () => {
  test('header escapes its plain text', () => {
    expect(blockHtml({ type: 'header', text: { type: 'plain_text', text: 'Acme <script>' } })).toBe(
      '<h3 class="bk-header">Acme &lt;script&gt;</h3>',
    );
  });

  test('section with text, fields and a button accessory', () => {
    const html = blockHtml(
      {
        type: 'section',
        block_id: 'b1',
        text: { type: 'mrkdwn', text: '*Acme*' },
        fields: [
          { type: 'mrkdwn', text: '*Owner*\n<@U0REP1>' },
          { type: 'plain_text', text: 'x < y' },
        ],
        accessory: {
          type: 'button',
          action_id: 'go',
          value: 'v"1',
          text: { type: 'plain_text', text: 'Go' },
        },
      },
      ctx,
    );
    expect(html).toBe(
      '<div class="bk-section"><div class="bk-main"><div class="bk-text-body"><b>Acme</b></div>' +
        '<div class="bk-fields"><div><b>Owner</b><br><span class="mention">@Riley &lt;Rep&gt;</span></div><div>x &lt; y</div></div></div>' +
        '<div class="bk-accessory"><button type="button" class="bk-button" data-action-id="go" data-block-id="b1" data-type="button" data-value="v&quot;1">Go</button></div></div>',
    );
  });

  test('context, divider and image', () => {
    expect(
      blockHtml({
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: '_note_' },
          { type: 'image', image_url: 'https://x.test/a.png', alt_text: 'logo' },
        ],
      }),
    ).toBe(
      '<div class="bk-context"><span><i>note</i></span><img class="bk-img" src="https://x.test/a.png" alt="logo"></div>',
    );
    expect(blockHtml({ type: 'divider' })).toBe('<hr class="bk-divider">');
    expect(
      blockHtml({
        type: 'image',
        image_url: 'javascript:alert(1)',
        alt_text: 'chart <1>',
        title: { type: 'plain_text', text: 'Funnel' },
      }),
    ).toBe(
      '<figure class="bk-image"><div class="bk-image-title">Funnel</div><span class="bk-img-alt">[chart &lt;1&gt;]</span></figure>',
    );
  });

  test('actions: styled buttons with confirm, a static select and a users select', () => {
    const html = blockHtml(
      {
        type: 'actions',
        block_id: 'acts',
        elements: [
          {
            type: 'button',
            action_id: 'won',
            style: 'primary',
            value: '1',
            text: { type: 'plain_text', text: 'Won' },
            confirm: {
              title: { type: 'plain_text', text: 'Mark as won?' },
              text: { type: 'plain_text', text: 'Sure' },
            },
          },
          {
            type: 'button',
            action_id: 'dq',
            style: 'danger',
            text: { type: 'plain_text', text: 'Disqualify' },
          },
          {
            type: 'static_select',
            action_id: 'pick',
            placeholder: { type: 'plain_text', text: 'Pick' },
            options: [
              { text: { type: 'plain_text', text: 'A & B' }, value: 'a' },
              { text: { type: 'plain_text', text: 'C' }, value: 'c' },
            ],
            initial_option: { text: { type: 'plain_text', text: 'C' }, value: 'c' },
          },
          { type: 'users_select', action_id: 'who', initial_user: 'U0REP1' },
        ],
      },
      ctx,
    );
    expect(html).toContain(
      '<button type="button" class="bk-button bk-primary" data-action-id="won" data-block-id="acts" data-type="button" data-value="1" data-confirm="Mark as won?\n\nSure">Won</button>',
    );
    expect(html).toContain('class="bk-button bk-danger"');
    expect(html).toContain(
      '<select class="bk-select" data-action-id="pick" data-block-id="acts" data-type="static_select"><option value="">Pick</option><option value="a">A &amp; B</option><option value="c" selected="selected">C</option></select>',
    );
    expect(html).toContain('<option value="U0REP1" selected="selected">Riley Rep</option>');
  });

  test('input blocks: every element Foothold uses, with an error slot', () => {
    const input = (blockId: string, element: Record<string, unknown>, optional = false) =>
      blockHtml(
        { type: 'input', block_id: blockId, optional, label: { type: 'plain_text', text: blockId }, element },
        ctx,
      );
    expect(input('name', { type: 'plain_text_input', action_id: 'name', initial_value: '"x"' })).toBe(
      '<div class="bk-input" data-block-id="name" data-action-id="name" data-type="plain_text_input"><label class="bk-label">name</label>' +
        '<input class="bk-text" data-action-id="name" data-block-id="name" data-type="plain_text_input" type="text" value="&quot;x&quot;">' +
        '<div class="bk-error" data-error-for="name"></div></div>',
    );
    expect(input('need', { type: 'plain_text_input', action_id: 'need', multiline: true }, true)).toContain(
      '<small>(optional)</small></label><textarea class="bk-text" rows="3"',
    );
    expect(input('when', { type: 'datepicker', action_id: 'when', initial_date: '2026-12-01' })).toContain(
      'type="date" value="2026-12-01"',
    );
    const radio = input('willing', {
      type: 'radio_buttons',
      action_id: 'willing',
      options: [
        { text: { type: 'plain_text', text: 'Yes' }, value: 'yes' },
        { text: { type: 'plain_text', text: 'No' }, value: 'no' },
      ],
    });
    expect(radio).toContain('<input type="radio" name="willing.willing" value="yes"> Yes</label>');
    expect(input('owner', { type: 'users_select', action_id: 'owner' })).toContain(
      '<option value="U0REP1">Riley Rep</option>',
    );
  });

  test('an unknown block says what it is, escaped', () => {
    expect(blockHtml({ type: '<video>' })).toBe('<div class="bk-unknown">[&lt;video&gt;]</div>');
  });
});

describe('messageHtml and modalHtml', () => {
  test('a message without blocks shows its text; user text never becomes markup', () => {
    expect(messageHtml({ text: 'Hi <script>alert(1)</script>' })).toBe(
      '<div class="bk-text-body">Hi &lt;script&gt;alert(1)&lt;/script&gt;</div>',
    );
    const html = messageHtml({
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Contact: Jane <img src=x onerror=alert(1)>' } },
      ],
    });
    expect(html).not.toContain('<img');
    expect(html).toContain('Jane &lt;img src=x onerror=alert(1)&gt;');
  });

  test('a modal: title, blocks, inline errors, Cancel and Submit', () => {
    const view = {
      type: 'modal',
      title: { type: 'plain_text', text: 'Flag <an> account' },
      submit: { type: 'plain_text', text: 'Submit' },
      blocks: [
        {
          type: 'input',
          block_id: 'website',
          label: { type: 'plain_text', text: 'Website' },
          element: { type: 'plain_text_input', action_id: 'website' },
        },
      ],
    };
    const html = modalHtml(view, { viewId: 'V1', errors: { website: 'expected a domain <like acme.com>' } });
    expect(html).toContain('<form class="modal" data-view-id="V1"><header>Flag &lt;an&gt; account</header>');
    expect(html).toContain(
      '<div class="bk-error" data-error-for="website">expected a domain &lt;like acme.com&gt;</div>',
    );
    expect(html).toContain(
      'data-modal-close>Cancel</button><button type="submit" class="bk-button bk-primary" data-modal-submit>Submit</button>',
    );
    expect(
      modalHtml({ type: 'modal', title: { type: 'plain_text', text: 'Done' }, blocks: [] }, { viewId: 'V2' }),
    ).toContain('data-modal-close>Close</button></footer>');
  });
});

test('escapeHtml covers the five characters', () => {
  expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
