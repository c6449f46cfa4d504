import { describe, expect, it } from 'vitest';
import {
  actions,
  button,
  capBlocks,
  context,
  fields,
  header,
  input,
  linesWithin,
  listBlocks,
  message,
  modal,
  option,
  plainInput,
  section,
  staticSelect,
} from '../../src/slack/limits.ts';
import { expectValidMessage, expectValidView } from './validate.ts';

const long = (n: number, s = 'x') => s.repeat(n);

describe('safe constructors', () => {
  it('clamp every text to its limit', () => {
    const blocks = [
      header(long(500)),
      section(long(5000, '&amp;')),
      fields(...Array.from({ length: 14 }, () => long(2500))),
      context(Array.from({ length: 14 }, (_, i) => `item ${i}`)),
      actions(
        'a',
        Array.from({ length: 30 }, (_, i) =>
          button({ text: long(100), actionId: `b${i}`, value: long(2000) }),
        ),
      ),
    ];
    const msg = message(long(9000), blocks);
    expectValidMessage(msg);
    expect(msg.text.length).toBeLessThan(4000);
    const ctx = blocks[3];
    expect(ctx?.type === 'context' && ctx.elements.length).toBe(10);
    expect(JSON.stringify(ctx)).toContain('item 13');
  });
  it('never sends empty text', () => {
    expectValidMessage(message('', [section(''), fields('', null), context([])]));
  });
  it('refuses to cut values that would corrupt', () => {
    expect(() => button({ text: 'x', actionId: 'x', value: long(2001) })).toThrow();
    expect(() => option('x', long(76))).toThrow();
    expect(() => button({ text: 'x', actionId: long(256) })).toThrow();
  });
  it('select keeps at most 100 options and finds its initial option', () => {
    const s = staticSelect({
      actionId: 's',
      options: Array.from({ length: 150 }, (_, i) => option(long(100), `v${i}`)),
      initialValue: 'v3',
    });
    expect(s.options).toHaveLength(100);
    expect(s.initial_option?.value).toBe('v3');
  });
  it('inputs cap max_length at 3000 and cut initial values to it', () => {
    const el = plainInput({ actionId: 'n', maxLength: 5000, initialValue: long(4000) });
    expect(el.max_length).toBe(3000);
    expect(el.initial_value?.length).toBeLessThanOrEqual(3000);
    const small = plainInput({ actionId: 'n', maxLength: 10, initialValue: '<@U123> hello world' });
    expect(small.initial_value?.length).toBeLessThanOrEqual(10);
  });
  it('modal clamps title/submit/close and throws on oversized metadata or blocks', () => {
    const v = modal({
      title: long(40),
      submit: long(40),
      close: long(40),
      callbackId: 'c',
      privateMetadata: long(3000),
      blocks: [
        input({
          blockId: 'i',
          label: long(3000),
          hint: long(3000),
          element: plainInput({ actionId: 'i', maxLength: 10, placeholder: long(400) }),
        }),
      ],
    });
    expectValidView(v, 'modal');
    expect(() => modal({ title: 't', callbackId: 'c', privateMetadata: long(3001), blocks: [] })).toThrow(
      /private_metadata/,
    );
    expect(() =>
      modal({ title: 't', callbackId: 'c', blocks: Array.from({ length: 101 }, () => section('x')) }),
    ).toThrow();
  });
});

describe('capping lists', () => {
  it('capBlocks replaces the overflow with "and N more…"', () => {
    const out = capBlocks(
      Array.from({ length: 60 }, (_, i) => section(`b${i}`)),
      50,
    );
    expect(out).toHaveLength(50);
    expect(JSON.stringify(out.at(-1))).toContain('and 11 more…');
    expect(capBlocks([section('a')], 50)).toHaveLength(1);
  });
  it('listBlocks counts items, not blocks', () => {
    const items = Array.from({ length: 40 }, (_, i) => [section(`l${i}`), context([`c${i}`])]);
    const out = listBlocks(items, 21);
    expect(out.length).toBeLessThanOrEqual(21);
    expect(JSON.stringify(out.at(-1))).toContain('and 30 more…');
  });
  it('linesWithin packs lines into sections and says how many lines are left out', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `• line ${i} ${long(200)}`);
    const out = linesWithin(lines, 10);
    expect(out.length).toBeLessThanOrEqual(10);
    expectValidMessage(message('x', out));
    const shown = JSON.stringify(out).match(/• line/g)?.length ?? 0;
    expect(JSON.stringify(out.at(-1))).toContain(`and ${500 - shown} more…`);
    expect(linesWithin(['a', 'b'], 10)).toHaveLength(1);
  });
});

describe('the test checker itself', () => {
  it('catches what it should', async () => {
    const { messageProblems, viewProblems, displayedStrings } = await import('./validate.ts');
    expect(
      messageProblems({
        text: 'x',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: long(151) } }],
      }),
    ).not.toEqual([]);
    expect(messageProblems({ text: long(4000), blocks: [] })).not.toEqual([]);
    expect(
      viewProblems({ type: 'modal', title: { type: 'plain_text', text: long(25) }, blocks: [] }, 'modal'),
    ).not.toEqual([]);
    expect(displayedStrings({ text: { type: 'mrkdwn', text: '<!channel>' }, value: 'hidden' })).toEqual([
      'mrkdwn',
      '<!channel>',
    ]);
  });
});
