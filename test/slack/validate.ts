import { expect } from 'vitest';
import { checkMessageBlocks, checkView, formatViolation } from '../../src/dev/block-kit-limits.ts';

// A Block Kit checker for the builders' output. Lengths are counted in UTF-16 units (stricter than
// code points), so anything passing here passes Slack whichever way it counts. The stand-in's own
// checker (src/dev/block-kit-limits.ts) runs as well, so the two cannot drift apart silently.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Problems {
  readonly list: string[] = [];
  add(path: string, msg: string) {
    this.list.push(`${path}: ${msg}`);
  }
  max(path: string, v: unknown, n: number) {
    if (v === undefined) return;
    if (typeof v !== 'string') this.add(path, 'not a string');
    else if (v.length > n) this.add(path, `${v.length} > ${n}`);
  }
  text(path: string, t: unknown, n: number, plainOnly = false) {
    if (!isObj(t)) return this.add(path, 'missing text object');
    if (t.type !== 'plain_text' && t.type !== 'mrkdwn') this.add(path, `bad text type ${String(t.type)}`);
    if (plainOnly && t.type !== 'plain_text') this.add(path, 'must be plain_text');
    if (typeof t.text !== 'string' || t.text.length === 0) this.add(path, 'empty text');
    this.max(`${path}.text`, t.text, n);
  }
}

function option(p: Problems, path: string, o: unknown) {
  if (!isObj(o)) return p.add(path, 'bad option');
  p.text(`${path}.text`, o.text, 75, true);
  if (typeof o.value !== 'string' || o.value.length === 0) p.add(`${path}.value`, 'missing');
  p.max(`${path}.value`, o.value, 75);
}

function element(p: Problems, path: string, el: unknown, actionIds: Set<string>) {
  if (!isObj(el)) return p.add(path, 'bad element');
  if (typeof el.action_id === 'string') {
    p.max(`${path}.action_id`, el.action_id, 255);
    if (actionIds.has(el.action_id)) p.add(path, `duplicate action_id ${el.action_id}`);
    actionIds.add(el.action_id);
  }
  if (el.placeholder !== undefined) p.text(`${path}.placeholder`, el.placeholder, 150, true);
  if (isObj(el.confirm)) {
    p.text(`${path}.confirm.title`, el.confirm.title, 100, true);
    p.text(`${path}.confirm.text`, el.confirm.text, 300);
    p.text(`${path}.confirm.confirm`, el.confirm.confirm, 30, true);
    p.text(`${path}.confirm.deny`, el.confirm.deny, 30, true);
  }
  switch (el.type) {
    case 'button':
      p.text(`${path}.text`, el.text, 75, true);
      p.max(`${path}.value`, el.value, 2000);
      p.max(`${path}.url`, el.url, 3000);
      break;
    case 'static_select': {
      const opts = el.options;
      if (!Array.isArray(opts) || opts.length === 0 || opts.length > 100) p.add(`${path}.options`, 'count');
      else
        opts.forEach((o, i) => {
          option(p, `${path}.options[${i}]`, o);
        });
      if (el.initial_option !== undefined) option(p, `${path}.initial_option`, el.initial_option);
      break;
    }
    case 'radio_buttons': {
      const opts = el.options;
      if (!Array.isArray(opts) || opts.length === 0 || opts.length > 10) p.add(`${path}.options`, 'count');
      else
        opts.forEach((o, i) => {
          option(p, `${path}.options[${i}]`, o);
        });
      break;
    }
    case 'plain_text_input': {
      const max = el.max_length;
      if (typeof max !== 'number' || max < 1 || max > 3000) p.add(`${path}.max_length`, String(max));
      if (typeof el.initial_value === 'string' && typeof max === 'number' && el.initial_value.length > max) {
        p.add(`${path}.initial_value`, 'longer than max_length');
      }
      break;
    }
    case 'datepicker':
      if (el.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(el.initial_date))) {
        p.add(`${path}.initial_date`, 'bad date');
      }
      break;
    case 'users_select':
      break;
    default:
      p.add(path, `unexpected element type ${String(el.type)}`);
  }
}

function blocks(p: Problems, list: unknown, max: number) {
  if (!Array.isArray(list)) return p.add('blocks', 'not an array');
  if (list.length > max) p.add('blocks', `${list.length} blocks > ${max}`);
  const blockIds = new Set<string>();
  list.forEach((b, i) => {
    const path = `blocks[${i}]`;
    if (!isObj(b)) {
      p.add(path, 'not an object');
      return;
    }
    if (typeof b.block_id === 'string') {
      p.max(`${path}.block_id`, b.block_id, 255);
      if (blockIds.has(b.block_id)) p.add(path, `duplicate block_id ${b.block_id}`);
      blockIds.add(b.block_id);
    }
    const actionIds = new Set<string>();
    switch (b.type) {
      case 'section':
        if (b.text === undefined && b.fields === undefined) p.add(path, 'no text or fields');
        if (b.text !== undefined) p.text(`${path}.text`, b.text, 3000);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10)
            p.add(`${path}.fields`, 'count');
          else
            b.fields.forEach((f, j) => {
              p.text(`${path}.fields[${j}]`, f, 2000);
            });
        }
        if (b.accessory !== undefined) element(p, `${path}.accessory`, b.accessory, actionIds);
        break;
      case 'header':
        p.text(`${path}.text`, b.text, 150, true);
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10)
          p.add(path, 'elements count');
        else
          b.elements.forEach((e, j) => {
            p.text(`${path}.elements[${j}]`, e, 3000);
          });
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25)
          p.add(path, 'elements count');
        else
          b.elements.forEach((e, j) => {
            element(p, `${path}.elements[${j}]`, e, actionIds);
          });
        break;
      case 'input':
        p.text(`${path}.label`, b.label, 2000, true);
        if (b.hint !== undefined) p.text(`${path}.hint`, b.hint, 2000, true);
        element(p, `${path}.element`, b.element, actionIds);
        break;
      case 'divider':
        break;
      default:
        p.add(path, `unexpected block type ${String(b.type)}`);
    }
  });
}

export function messageProblems(msg: { text: string; blocks: unknown[] }): string[] {
  const p = new Problems();
  if (typeof msg.text !== 'string' || msg.text.trim() === '') p.add('text', 'empty fallback text');
  p.max('text', msg.text, 3999);
  blocks(p, msg.blocks, 50);
  const stand = checkMessageBlocks(msg.blocks) ?? [{ pointer: '/blocks', message: 'not an array' }];
  return [...p.list, ...stand.map(formatViolation)];
}

export function viewProblems(view: unknown, surface: 'modal' | 'home'): string[] {
  const p = new Problems();
  if (!isObj(view)) return ['not a view'];
  if (view.type !== surface) p.add('type', String(view.type));
  if (surface === 'modal') {
    p.text('title', view.title, 24, true);
    if (view.submit !== undefined) p.text('submit', view.submit, 24, true);
    if (view.close !== undefined) p.text('close', view.close, 24, true);
    p.max('callback_id', view.callback_id, 255);
  }
  p.max('private_metadata', view.private_metadata, 3000);
  blocks(p, view.blocks, 100);
  return [...p.list, ...checkView(view, surface).map(formatViolation)];
}

export function expectValidMessage(msg: { text: string; blocks: unknown[] }): void {
  expect(messageProblems(msg)).toEqual([]);
}

export function expectValidView(view: unknown, surface: 'modal' | 'home'): void {
  expect(viewProblems(view, surface)).toEqual([]);
}

/** Every string a person could read (skips input initial values, button values and metadata). */
export function displayedStrings(node: unknown, key = ''): string[] {
  if (typeof node === 'string') {
    return ['initial_value', 'value', 'private_metadata', 'action_id', 'block_id', 'callback_id'].includes(
      key,
    )
      ? []
      : [node];
  }
  if (Array.isArray(node)) return node.flatMap((n) => displayedStrings(n, key));
  if (isObj(node)) return Object.entries(node).flatMap(([k, v]) => displayedStrings(v, k));
  return [];
}

const FORBIDDEN = [
  '<!channel',
  '<!here',
  '<!everyone',
  '<@U123>',
  '<#C999',
  '<https://evil',
  '\u202E',
  '\u2066',
  '\u0000',
  '\u0007',
  '\u001B',
];

/** No user-supplied mention, link, bidi override or control character survives into what people read. */
export function expectInert(output: unknown): void {
  const bad = displayedStrings(output).flatMap((s) =>
    FORBIDDEN.filter((f) => s.includes(f)).map(
      (f) => `${JSON.stringify(f)} in ${JSON.stringify(s.slice(0, 120))}`,
    ),
  );
  expect(bad).toEqual([]);
}

export function serialized(output: unknown): string {
  return JSON.stringify(output);
}
